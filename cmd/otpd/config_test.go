package main

import (
	"slices"
	"strings"
	"testing"
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
