package kookoo_test

import (
	"strings"
	"testing"
)

// A send to a blocked prefix (issue 16) is KooKoo's error answer with
// the domain's message and Retry-After until the block ends.
func TestSendToABlockedPrefix(t *testing.T) {
	h := newHarness(t, "sqlite")
	app := h.CreateApp("test", "")
	h.Admin("POST", "/v1/projects/"+app.ProjectID+"/fraud/blocks", `{"prefix":"+9198","minutes":10}`, 201)
	r := post(h, pathSMS, values("phone_no", smsNumber, "api_key", app.APIKey))
	msg, _ := r.Body["message"].(string)
	if r.Status != 200 || r.Body["status"] != "Error" || !strings.Contains(msg, "+9198") || r.Header.Get("Retry-After") != "600" {
		t.Errorf("send to a blocked prefix: %d %s (Retry-After %q), want 200, status Error naming +9198, Retry-After 600", r.Status, r.Raw, r.Header.Get("Retry-After"))
	}
}
