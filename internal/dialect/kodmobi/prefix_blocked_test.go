package kodmobi_test

import "testing"

// A send to a blocked prefix (issue 16) is 403 ERROR_PHONE_BLOCKED with
// the seconds left of the block in timeout, kod.mobi's closest constant.
func TestSendToABlockedPrefix(t *testing.T) {
	h := newHarness(t, "sqlite", nil)
	app := h.CreateApp("test", "")
	h.Admin("POST", "/v1/projects/"+app.ProjectID+"/fraud/blocks", `{"prefix":"+1415","minutes":10}`, 201)
	browser := client{h: h, key: app.PublicKey}
	r := browser.post("/v2/create", `{"to":"+14155552671","type":"sms"}`)
	wantError(t, "a send to a blocked prefix", r, 403, "ERROR_PHONE_BLOCKED")
	if num(r.Body["timeout"]) != 600 {
		t.Errorf("timeout = %v, want the 600 s left of the block", r.Body["timeout"])
	}
	must(t, "a send elsewhere", browser.post("/v2/create", `{"to":"+442079460958","type":"sms"}`), 200)
}
