package api_test

import (
	"strings"
	"testing"
	"time"
)

// TestPrefixBlocksByHand: the owner blocks a prefix, sends to it are
// refused with 429 PREFIX_BLOCKED until the block ends, other numbers
// are not; the block is listed, released with one DELETE (the "+"
// URL-encoded), and another developer sees none of it.
func TestPrefixBlocksByHand(t *testing.T) {
	h := newHarness(t)
	tok := h.developer("owner@example.com")
	projectID := h.mustStatus(h.do("POST", "/v1/projects", tok, map[string]any{"name": "P"}), 201).data()["id"].(string)
	key := h.mustStatus(h.do("POST", "/v1/applications", tok, map[string]any{"name": "web", "projectId": projectID, "environment": "live"}), 201).data()["apiKey"].(string)
	blocks := "/v1/projects/" + projectID + "/fraud/blocks"
	send := func(to string) response {
		return h.do("POST", "/v1/verifications", key, map[string]any{"to": to, "channel": "sms"})
	}

	b := h.mustStatus(h.do("POST", blocks, tok, map[string]any{"prefix": "+447911", "minutes": 30, "reason": "bot traffic seen by support"}), 201).data()
	if b["prefix"] != "+447911" || b["reason"] != "bot traffic seen by support" || b["auto"] != false {
		t.Errorf("block = %v", b)
	}
	r := send("+447911123456")
	h.wantRefused("a send under the block", r, 429, "PREFIX_BLOCKED", "")
	if r.header.Get("Retry-After") != "1800" || r.errDetail("prefix") != "+447911" || r.errField() != "to" {
		t.Errorf("refusal: Retry-After %q, %s; want 1800 and details.prefix +447911, field to", r.header.Get("Retry-After"), r.raw)
	}
	h.mustStatus(send("+447400123456"), 201)
	h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": "a@example.com", "channel": "email"}), 201)

	list := h.mustStatus(h.do("GET", blocks, tok, nil), 200).list()
	if len(list) != 1 || list[0].(map[string]any)["prefix"] != "+447911" {
		t.Errorf("blocks = %v, want +447911", list)
	}
	other := h.developer("other@example.com")
	h.wantRefused("another developer's list", h.do("GET", blocks, other, nil), 404, "NOT_FOUND", "")
	h.wantRefused("another developer's release", h.do("DELETE", blocks+"/%2B447911", other, nil), 404, "NOT_FOUND", "")

	h.clock.Advance(31 * time.Minute)
	h.mustStatus(send("+447911123457"), 201)
	if list := h.mustStatus(h.do("GET", blocks, tok, nil), 200).list(); len(list) != 0 {
		t.Errorf("blocks after their end = %v, want none", list)
	}

	h.mustStatus(h.do("POST", blocks, adminToken, map[string]any{"prefix": "+447911", "minutes": 60}), 201)
	h.wantRefused("blocked again by the operator", send("+447911123458"), 429, "PREFIX_BLOCKED", "")
	h.mustStatus(h.do("DELETE", blocks+"/%2B447911", tok, nil), 204)
	h.mustStatus(send("+447911123458"), 201)
	r = h.do("DELETE", blocks+"/%2B447911", tok, nil)
	h.wantRefused("a release of no block", r, 404, "NOT_FOUND", "")
	if !strings.Contains(r.errMessage(), "+447911") {
		t.Errorf("release of no block: %s, want the prefix named", r.raw)
	}
}

// TestDetectorSettings: the owner reads the detector's settings with
// their defaults, changes some (the rest take defaults) and turns it off.
func TestDetectorSettings(t *testing.T) {
	h := newHarness(t)
	tok := h.developer("owner@example.com")
	projectID := h.mustStatus(h.do("POST", "/v1/projects", tok, map[string]any{"name": "P"}), 201).data()["id"].(string)
	path := "/v1/projects/" + projectID + "/fraud/detector"
	d := h.mustStatus(h.do("GET", path, tok, nil), 200).data()
	if d["enabled"] != true || d["minSends"] != 50.0 || d["conversionRatio"] != 0.25 || d["volumeFactor"] != 3.0 || d["coolingMinutes"] != 60.0 {
		t.Errorf("default detector = %v", d)
	}
	d = h.mustStatus(h.do("PUT", path, tok, map[string]any{"minSends": 200, "coolingMinutes": 120}), 200).data()
	if d["enabled"] != true || d["minSends"] != 200.0 || d["coolingMinutes"] != 120.0 || d["conversionRatio"] != 0.25 {
		t.Errorf("detector after PUT = %v", d)
	}
	d = h.mustStatus(h.do("PUT", path, tok, map[string]any{"enabled": false}), 200).data()
	if d["enabled"] != false || d["minSends"] != 50.0 {
		t.Errorf("detector turned off = %v, want off with the defaults", d)
	}
	h.wantRefused("another developer's detector", h.do("PUT", path, h.developer("other@example.com"), map[string]any{"enabled": true}), 404, "NOT_FOUND", "")
}
