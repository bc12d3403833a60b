package cobinar_test

import "testing"

// A send to a blocked prefix (issue 16) is 429 PREFIX_BLOCKED in the
// native shape, with Retry-After until the block ends.
func TestSendToABlockedPrefix(t *testing.T) {
	h := newHarness(t, "sqlite")
	app := h.CreateApp("test", "")
	h.Admin("POST", "/v1/projects/"+app.ProjectID+"/fraud/blocks", `{"prefix":"+1415","minutes":10}`, 201)
	r := post(h, "/v1/otp/send", auth(app), `{"phone":"+14155552671"}`)
	e, _ := r.Body["error"].(map[string]any)
	if r.Status != 429 || e["code"] != "PREFIX_BLOCKED" || r.Header.Get("Retry-After") != "600" {
		t.Errorf("send to a blocked prefix: %d %s (Retry-After %q), want 429 PREFIX_BLOCKED, 600 s", r.Status, r.Raw, r.Header.Get("Retry-After"))
	}
	if r := post(h, "/v1/otp/send", auth(app), `{"phone":"+442079460958"}`); r.Status != 200 {
		t.Errorf("send elsewhere: %d %s", r.Status, r.Raw)
	}
}
