package kotp_test

import (
	"strings"
	"testing"
)

// A send to a blocked prefix (issue 16) is K-OTP's one 429 code,
// RATE_LIMITED, with otpd's PREFIX_BLOCKED as details.reason, and
// Retry-After and retry_after until the block ends.
func TestSendToABlockedPrefix(t *testing.T) {
	h := newHarness(t, "sqlite", nil)
	app := h.CreateApp("test", "")
	h.Admin("POST", "/v1/projects/"+app.ProjectID+"/fraud/blocks", `{"prefix":"+1415","minutes":10}`, 201)
	r := call(h, "POST", "/v1/send", app.APIKey, strings.Replace(seedSend, "+1234567890", "+14155552671", 1))
	e, _ := r.Body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	if r.Status != 429 || e["code"] != "RATE_LIMITED" || d["reason"] != "PREFIX_BLOCKED" || r.Header.Get("Retry-After") != "600" || d["retry_after"] != 600.0 || d["prefix"] != "+1415" {
		t.Errorf("send to a blocked prefix: %d %s (Retry-After %q), want 429 RATE_LIMITED (reason PREFIX_BLOCKED), 600 s, prefix +1415", r.Status, r.Raw, r.Header.Get("Retry-After"))
	}
	sendSeed(t, h, app.APIKey, "+442079460958")
}
