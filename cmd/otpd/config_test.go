package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The webhook URL options: plain http and the allowed ports.
func TestWebhookURLOptions(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"OTPD_WEBHOOK_ALLOW_HTTP": "1", "OTPD_WEBHOOK_ALLOWED_PORTS": "443, 9443"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.WebhookAllowHTTP || !slices.Equal(c.WebhookPorts, []int{443, 9443}) {
		t.Errorf("WebhookAllowHTTP, WebhookPorts = %v, %v; want true, [443 9443]", c.WebhookAllowHTTP, c.WebhookPorts)
	}
	c, err = loadConfig(envOf(nil))
	if err != nil || c.WebhookAllowHTTP || c.WebhookPorts != nil {
		t.Errorf("defaults = %v, %v, %v; want false, nil (otp's default ports)", c.WebhookAllowHTTP, c.WebhookPorts, err)
	}
	for _, bad := range []string{"https", "443,", "0", "65536", "443;8443"} {
		if _, err := loadConfig(envOf(map[string]string{"OTPD_WEBHOOK_ALLOWED_PORTS": bad})); err == nil || !strings.Contains(err.Error(), "OTPD_WEBHOOK_ALLOWED_PORTS") {
			t.Errorf("OTPD_WEBHOOK_ALLOWED_PORTS=%q: %v, want an error naming the variable", bad, err)
		}
	}
}

// OTPD_USER_RETENTION_DAYS: whole days, default otp's 400.
func TestUserRetentionDays(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"OTPD_USER_RETENTION_DAYS": "30"}))
	if err != nil || c.UserRetentionDays != 30 {
		t.Errorf("UserRetentionDays = %d, %v; want 30", c.UserRetentionDays, err)
	}
	if c, err := loadConfig(envOf(nil)); err != nil || c.UserRetentionDays != 0 {
		t.Errorf("default UserRetentionDays = %d, %v; want 0 (otp.DefaultUserRetention)", c.UserRetentionDays, err)
	}
	for _, bad := range []string{"0", "-1", "400d", "1.5"} {
		if _, err := loadConfig(envOf(map[string]string{"OTPD_USER_RETENTION_DAYS": bad})); err == nil || !strings.Contains(err.Error(), "OTPD_USER_RETENTION_DAYS") {
			t.Errorf("OTPD_USER_RETENTION_DAYS=%q: %v, want an error naming the variable", bad, err)
		}
	}
}

func TestDataRetentionDays(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"OTPD_DATA_RETENTION_DAYS": "7"}))
	if err != nil || c.DataRetentionDays != 7 {
		t.Errorf("DataRetentionDays = %d, %v; want 7", c.DataRetentionDays, err)
	}
	if c, err := loadConfig(envOf(nil)); err != nil || c.DataRetentionDays != 0 {
		t.Errorf("default DataRetentionDays = %d, %v; want 0 (the domain's 90 days)", c.DataRetentionDays, err)
	}
	for _, bad := range []string{"0", "-1", "90d", "1.5"} {
		if _, err := loadConfig(envOf(map[string]string{"OTPD_DATA_RETENTION_DAYS": bad})); err == nil || !strings.Contains(err.Error(), "OTPD_DATA_RETENTION_DAYS") {
			t.Errorf("OTPD_DATA_RETENTION_DAYS=%q: %v, want an error naming the variable", bad, err)
		}
	}
}

// OTPD_TRUSTED_PROXIES: none by default, addresses and networks, a bad
// entry refused at start.
func TestTrustedProxiesOption(t *testing.T) {
	c, err := loadConfig(envOf(nil))
	if err != nil || c.TrustedProxies != nil {
		t.Errorf("default TrustedProxies = %v, %v; want none", c.TrustedProxies, err)
	}
	c, err = loadConfig(envOf(map[string]string{"OTPD_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if want := []string{"10.0.0.0/8", "192.0.2.7/32"}; !slices.Equal(got, want) {
		t.Errorf("TrustedProxies = %v, want %v", got, want)
	}
	if _, err := loadConfig(envOf(map[string]string{"OTPD_TRUSTED_PROXIES": "proxy.internal"})); err == nil || !strings.Contains(err.Error(), "OTPD_TRUSTED_PROXIES") {
		t.Errorf("OTPD_TRUSTED_PROXIES=proxy.internal: %v, want an error naming the variable", err)
	}
}

// OTPD_DEFAULT_DAILY_SENDS: a new project's sends a day, 1000 by default,
// 0 for no bound.
func TestDefaultDailySends(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want int
	}{{"", 1000}, {"0", 0}, {"250", 250}} {
		c, err := loadConfig(envOf(map[string]string{"OTPD_DEFAULT_DAILY_SENDS": tc.env}))
		if err != nil || c.DefaultDailySends != tc.want {
			t.Errorf("OTPD_DEFAULT_DAILY_SENDS=%q: %d, %v; want %d", tc.env, c.DefaultDailySends, err, tc.want)
		}
	}
	for _, bad := range []string{"-1", "lots", "1e3", "100000001"} {
		if _, err := loadConfig(envOf(map[string]string{"OTPD_DEFAULT_DAILY_SENDS": bad})); err == nil || !strings.Contains(err.Error(), "OTPD_DEFAULT_DAILY_SENDS") {
			t.Errorf("OTPD_DEFAULT_DAILY_SENDS=%q: %v, want an error naming the variable", bad, err)
		}
	}
}

// OTPD_REQUEST_TIMEOUT: a duration, default 10s, under the 30 s write
// timeout so that the deadline comes while the answer can be written.
func TestRequestTimeout(t *testing.T) {
	c, err := loadConfig(envOf(nil))
	if err != nil || c.RequestTimeout != 10*time.Second {
		t.Errorf("default = %v, %v; want 10s", c.RequestTimeout, err)
	}
	c, err = loadConfig(envOf(map[string]string{"OTPD_REQUEST_TIMEOUT": "2500ms"}))
	if err != nil || c.RequestTimeout != 2500*time.Millisecond {
		t.Errorf("2500ms = %v, %v", c.RequestTimeout, err)
	}
	for _, bad := range []string{"10", "0s", "-1s", "30s", "1m"} {
		if _, err := loadConfig(envOf(map[string]string{"OTPD_REQUEST_TIMEOUT": bad})); err == nil || !strings.Contains(err.Error(), "OTPD_REQUEST_TIMEOUT") {
			t.Errorf("OTPD_REQUEST_TIMEOUT=%q: %v, want an error naming the variable", bad, err)
		}
	}
}
