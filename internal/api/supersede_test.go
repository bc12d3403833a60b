package api_test

import (
	"testing"
)

// TestSupersededAnswersAsCanceled: a new verification to a destination
// supersedes the older pending one of the application (issue 16); a check
// of it, even with its right code, gets the answer a canceled
// verification's check gets, and it reads as canceled. Another
// application's verification to the same destination is left be.
func TestSupersededAnswersAsCanceled(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	_, otherKey := h.createApp("test")
	const to = "+14155552671"

	old := h.send(key, to, "sms")
	oldCode := h.inboxCode(key, to)
	theirs := h.send(otherKey, to, "sms")
	h.send(key, to, "sms")

	canceled := h.send(key, "+14155552672", "sms")
	canceledCode := h.inboxCode(key, "+14155552672")
	h.mustStatus(h.do("POST", "/v1/verifications/"+canceled+"/cancel", key, nil), 200)

	a := h.do("POST", "/v1/verifications/"+old+"/check", key, map[string]any{"code": oldCode})
	b := h.do("POST", "/v1/verifications/"+canceled+"/check", key, map[string]any{"code": canceledCode})
	if a.status != b.status || a.errCode() != b.errCode() {
		t.Errorf("check of the superseded one: %d %s; of a canceled one: %d %s; want the same", a.status, a.raw, b.status, b.raw)
	}
	if a.status == 200 && (a.data()["valid"] != false || a.data()["valid"] != b.data()["valid"]) {
		t.Errorf("check of the superseded one with its code = %s, want not valid", a.raw)
	}
	if got := h.mustStatus(h.do("GET", "/v1/verifications/"+old, key, nil), 200).data()["status"]; got != "canceled" {
		t.Errorf("superseded verification status = %v, want canceled", got)
	}
	if got := h.mustStatus(h.do("GET", "/v1/verifications/"+theirs, otherKey, nil), 200).data()["status"]; got != "pending" {
		t.Errorf("another application's verification to the destination: status %v, want pending", got)
	}
}
