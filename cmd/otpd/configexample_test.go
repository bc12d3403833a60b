package main

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// loadAndBuild loads a configuration file's text with otpd's own loader
// and builds its providers, router and prices as serve would.
func loadAndBuild(t *testing.T, text string, env map[string]string) *fileConfig {
	t.Helper()
	fc, err := loadConfigFile(writeConfig(t, text), envOf(env))
	if err != nil {
		t.Fatalf("loadConfigFile: %v\n%s", err, text)
	}
	d, err := newDeliverySetup(fc, providerEnv{
		Receipts: otp.ReceiptFunc(func(context.Context, otp.Receipt) error { return nil }),
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("build the delivery of the file: %v\n%s", err, text)
	}
	d.close()
	return fc
}

func TestConfigExampleLoads(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"config", "example"}, envOf(nil), &out, &out); err != nil {
		t.Fatalf("otpd config example: %v", err)
	}
	fc := loadAndBuild(t, out.String(), nil)
	if len(fc.Providers) != 1 || fc.Providers[0].Type != "console" {
		t.Errorf("providers = %+v, want the console alone", fc.Providers)
	}
	for _, ch := range otp.Channels {
		if got := fc.Routing.Channels[string(ch)]; !slices.Equal(got, []string{"dev"}) {
			t.Errorf("routing.channels.%s = %v, want [dev]", ch, got)
		}
	}
	if fc.Prices.Currency != "USD" || fc.Captcha.Timeout == 0 {
		t.Errorf("prices %+v, captcha %+v: want USD prices and a captcha timeout", fc.Prices, fc.Captcha)
	}
}

// TestConfigExampleProviders loads the providers and routing the example
// prints commented out, as an operator who uncomments them would.
func TestConfigExampleProviders(t *testing.T) {
	if !strings.Contains(configExample(), commentOut(exampleProviders)) || !strings.Contains(configExample(), commentOut(exampleRouting)) {
		t.Fatal("the example does not print exampleProviders and exampleRouting commented out")
	}
	text := "providers:\n" + exampleProviders + "routing:\n" + exampleRouting + examplePricesAndCaptcha
	secrets := map[string]string{"SMPP_PASSWORD": "secret1", "TWILIO_AUTH_TOKEN": "secret2", "SMTP_PASSWORD": "secret3"}
	fc := loadAndBuild(t, text, secrets)
	var names []string
	for _, p := range fc.Providers {
		names = append(names, p.Name+":"+p.Type)
	}
	if want := []string{"smsc:smpp", "twilio:twilio", "mail:smtp"}; !slices.Equal(names, want) {
		t.Errorf("providers = %v, want %v", names, want)
	}
	if len(fc.Routing.Countries) != 2 || fc.Routing.AttemptsPerProvider != 3 {
		t.Errorf("routing = %+v, want two country rules and 3 attempts per provider", fc.Routing)
	}
	// Every ${NAME} the example uses is one the test set: none is left
	// for an operator to discover at start-up.
	for _, m := range secretRef.FindAllStringSubmatch(exampleProviders, -1) {
		if secrets[m[1]] == "" {
			t.Errorf("the example reads ${%s}, which this test does not set", m[1])
		}
	}
}

// TestConfigExampleEnvironment checks that the example documents every
// environment variable otpd reads, and only those.
func TestConfigExampleEnvironment(t *testing.T) {
	printed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# ([A-Z0-9_]+)=`).FindAllStringSubmatch(configExample(), -1) {
		printed[m[1]] = true
	}
	var documented []string
	for _, v := range envVars {
		documented = append(documented, v.Name)
		if !printed[v.Name] {
			t.Errorf("the example does not print %s=", v.Name)
		}
	}
	checkEnvNames(t, "envVars (otpd config example)", documented)
	for _, n := range otpdEnvNames(t) {
		if !slices.Contains(documented, n) {
			t.Errorf("otpd reads %s, which envVars (otpd config example) does not document", n)
		}
	}
}

// TestConfigExampleDefaults checks each documented default against
// loadConfig: setting a variable to its documented default must change
// nothing.
func TestConfigExampleDefaults(t *testing.T) {
	base, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars {
		if v.Default == "" {
			continue
		}
		got, err := loadConfig(envOf(map[string]string{v.Name: v.Default}))
		if err != nil {
			t.Errorf("%s=%s, its documented default: %v", v.Name, v.Default, err)
			continue
		}
		if !reflect.DeepEqual(effective(got), effective(base)) {
			t.Errorf("%s=%s, its documented default, changes the configuration:\n got %+v\nwant %+v", v.Name, v.Default, got, base)
		}
	}
}

// effective fills in the defaults loadConfig leaves to the domain, so
// that a variable set to its default compares equal to one unset.
func effective(c config) config {
	if c.WebhookPorts == nil {
		c.WebhookPorts = otp.DefaultWebhookPorts
	}
	if c.UserRetentionDays == 0 {
		c.UserRetentionDays = int(otp.DefaultUserRetention.Hours() / 24)
	}
	if c.DataRetentionDays == 0 {
		c.DataRetentionDays = 90 // otp.Limits' default, which has no name of its own
	}
	return c
}

func TestConfigCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"config"}, {"config", "sample"}, {"config", "example", "extra"}} {
		var out bytes.Buffer
		err := run(t.Context(), args, envOf(nil), &out, &out)
		if err == nil || !strings.Contains(err.Error(), "usage: otpd config example") {
			t.Errorf("otpd %s = %v, want the usage", strings.Join(args, " "), err)
		}
	}
}
