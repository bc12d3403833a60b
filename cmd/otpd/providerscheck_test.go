package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/provider/twilio/twiliotest"
)

func TestProvidersCheckConsole(t *testing.T) {
	path := writeConfig(t, "providers:\n  dev: {type: console}\nrouting:\n  channels: {sms: [dev]}\n")
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"providers", "check"}, envFunc(map[string]string{"OTPD_CONFIG": path}), &out, &errOut)
	if err != nil {
		t.Fatalf("providers check: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "dev") || !strings.Contains(out.String(), "not checked") {
		t.Errorf("output = %q, want the console provider reported as not checked", out.String())
	}
}

func TestProvidersCheckNeedsAConfigFile(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), []string{"providers", "check"}, envFunc(nil), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "OTPD_CONFIG is not set") {
		t.Errorf("providers check without OTPD_CONFIG = %v, want an error naming OTPD_CONFIG", err)
	}
	err = run(t.Context(), []string{"providers", "list"}, envFunc(nil), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "usage: otpd providers check") {
		t.Errorf("providers list = %v, want the usage", err)
	}
	bad := writeConfig(t, "providers:\n  dev: {type: console}\nrouting:\n  channels: {voice: [nope]}\n")
	err = run(t.Context(), []string{"providers", "check"}, envFunc(map[string]string{"OTPD_CONFIG": bad}), &out, &out)
	if err == nil || !strings.Contains(err.Error(), `routing.channels.voice: unknown provider "nope"`) {
		t.Errorf("providers check of a bad file = %v, want the routing error", err)
	}
}

func TestProvidersCheckTwilio(t *testing.T) {
	fake := twiliotest.NewServer(t)
	text := fmt.Sprintf("providers:\n  tw:\n    type: twilio\n    account_sid: %s\n    auth_token: ${TOKEN}\n    from: \"+15005550006\"\n    base_url: %s\n"+
		"routing:\n  channels: {sms: [tw]}\n", fake.AccountSID, fake.URL)
	path := writeConfig(t, text)
	var out bytes.Buffer
	err := run(t.Context(), []string{"providers", "check"}, envFunc(map[string]string{"OTPD_CONFIG": path, "TOKEN": fake.AuthToken}), &out, &out)
	if err != nil || !regexp.MustCompile(`tw\s+twilio\s+sms,voice\s+ok`).MatchString(out.String()) {
		t.Errorf("check with the right token = %v\n%s\nwant tw ok", err, out.String())
	}
	out.Reset()
	err = run(t.Context(), []string{"providers", "check"}, envFunc(map[string]string{"OTPD_CONFIG": path, "TOKEN": "wrong"}), &out, &out)
	if err == nil || !strings.Contains(out.String(), "FAILED") {
		t.Errorf("check with a wrong token = %v\n%s\nwant FAILED", err, out.String())
	}
	if len(fake.Messages()) != 0 {
		t.Errorf("check sent %d messages, want none", len(fake.Messages()))
	}
}
