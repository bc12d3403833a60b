package api_test

import (
	"strings"
	"testing"
	"time"
)

// logTypes lists the types of the log entries of an answer, in order.
func logTypes(r response) []string {
	var out []string
	for _, l := range r.list() {
		out = append(out, l.(map[string]any)["type"].(string))
	}
	return out
}

func TestLogFilters(t *testing.T) {
	h := newHarness(t)
	appA, keyA := h.createApp("test")
	appB, keyB := h.createApp("test")
	first := h.verify(keyA, "+14155552671", "sms") // created, sent, verified
	h.clock.Advance(time.Hour)
	second := h.send(keyA, "+14155552672", "sms")
	h.deliver()                                    // created, sent
	other := h.verify(keyB, "+14155552673", "sms") // B's

	for _, c := range []struct {
		name, query string
		want        string // the types of the answer, newest first
	}{
		{"one verification", "verificationId=" + first, "otp.verified,otp.sent,otp.created"},
		{"another verification", "verificationId=" + second, "otp.sent,otp.created"},
		{"a verification and its application", "verificationId=" + first + "&appId=" + appA, "otp.verified,otp.sent,otp.created"},
		{"a verification and another application", "verificationId=" + first + "&appId=" + appB, ""},
		{"one type, every application", "type=otp.verified", "otp.verified,otp.verified"},
		{"one type of one application", "type=otp.created&appId=" + appA, "otp.created,otp.created"},
		{"a type and a verification", "type=otp.sent&verificationId=" + second, "otp.sent"},
		{"from the second hour", "appId=" + appA + "&from=2026-11-22T10:30:00Z", "otp.sent,otp.created"},
		{"before the second hour", "appId=" + appA + "&to=2026-11-22T10:30:00Z", "otp.verified,otp.sent,otp.created"},
		{"a window with nothing", "from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z", ""},
	} {
		got := strings.Join(logTypes(h.mustStatus(h.do("GET", "/v1/logs?"+c.query, adminToken, nil), 200)), ",")
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	for _, l := range h.mustStatus(h.do("GET", "/v1/logs?verificationId="+first, adminToken, nil), 200).list() {
		if e := l.(map[string]any); e["verificationId"] != first || e["appId"] != appA {
			t.Errorf("entry %v of another verification", e)
		}
	}
	page := h.mustStatus(h.do("GET", "/v1/logs?verificationId="+first+"&limit=2", adminToken, nil), 200)
	rest := h.mustStatus(h.do("GET", "/v1/logs?verificationId="+first+"&cursor="+page.pagination()["nextCursor"].(string), adminToken, nil), 200)
	if got := strings.Join(append(logTypes(page), logTypes(rest)...), ","); got != "otp.verified,otp.sent,otp.created" {
		t.Errorf("one verification in pages of 2: %s", got)
	}

	// Developers: one verification's events need no appId, and another
	// developer's verification is not found (404), as any of its objects.
	a := h.developer("a@example.com")
	b := h.developer("b@example.com")
	pa := h.mustStatus(h.do("POST", "/v1/projects", a, map[string]any{"name": "A's"}), 201).data()["id"].(string)
	devKey := h.mustStatus(h.do("POST", "/v1/applications", a, map[string]any{"name": "web", "projectId": pa, "environment": "test"}), 201).data()["apiKey"].(string)
	mine := h.send(devKey, "+14155552674", "sms")
	if got := strings.Join(logTypes(h.mustStatus(h.do("GET", "/v1/logs?verificationId="+mine, a, nil), 200)), ","); got != "otp.sent,otp.created" {
		t.Errorf("a developer's own verification: %q, want otp.sent,otp.created", got)
	}

	for _, c := range []struct {
		name, query, token string
		status             int
		code, field        string
	}{
		{"unknown type", "type=otp.nope", adminToken, 400, "INVALID_PARAMETER", "type"},
		{"type without prefix", "type=verified", adminToken, 400, "INVALID_PARAMETER", "type"},
		{"from not a time", "from=yesterday", adminToken, 400, "INVALID_PARAMETER", "from"},
		{"to a bare date", "to=2026-11-22", adminToken, 400, "INVALID_PARAMETER", "to"},
		{"from after to", "from=2026-11-23T00:00:00Z&to=2026-11-22T00:00:00Z", adminToken, 400, "INVALID_PARAMETER", "from"},
		{"limit over 200", "limit=201", adminToken, 400, "INVALID_PARAMETER", "limit"},
		// The cursor is the log's own (an event's seq): an event's id, as
		// the log's cursor was before, is not one.
		{"an event id as cursor", "cursor=evt_0192f3a4b5c6000000aabbccddeeff", adminToken, 400, "INVALID_PARAMETER", "cursor"},
		{"a cursor that is no number", "cursor=12x", adminToken, 400, "INVALID_PARAMETER", "cursor"},
		{"unknown verification", "verificationId=ver_nope", adminToken, 404, "NOT_FOUND", ""},
		{"another developer's verification", "verificationId=" + mine, b, 404, "NOT_FOUND", ""},
		{"the operator's verification", "verificationId=" + other, a, 404, "NOT_FOUND", ""},
		{"a developer's type filter without appId: its own applications", "type=otp.created", a, 200, "", ""},
	} {
		r := h.do("GET", "/v1/logs?"+c.query, c.token, nil)
		if r.status != c.status || r.errCode() != c.code || r.errField() != c.field {
			t.Errorf("%s: %d %s, want %d %s field %q", c.name, r.status, r.raw, c.status, c.code, c.field)
		}
	}
}
