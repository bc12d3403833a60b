package api_test

import (
	"strings"
	"testing"
	"time"
)

// verifiedUser sends a code to to, checks it and lets the event consumer
// count it, so that to is a user with a finished verification and a
// test-inbox message.
func (h *harness) verifiedUser(key, to string) {
	h.t.Helper()
	channel := "sms"
	if strings.Contains(to, "@") {
		channel = "email"
	}
	id := h.send(key, to, channel)
	code := h.inboxCode(key, to)
	h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200)
	if _, err := h.svc.ConsumeEvents(h.t.Context(), 1000); err != nil {
		h.t.Fatal(err)
	}
}

// auditEntries returns the audit log, newest first.
func (h *harness) auditEntries() []map[string]any {
	h.t.Helper()
	var out []map[string]any
	for _, e := range h.mustStatus(h.do("GET", "/v1/audit", adminToken, nil), 200).list() {
		out = append(out, e.(map[string]any))
	}
	return out
}

func TestEraseUserWithTheAPIKey(t *testing.T) {
	h := newHarness(t)
	appID, key := h.createApp("test")
	const who, other = "+14155550123", "+14155550199"
	h.verifiedUser(key, who)
	h.verifiedUser(key, other)
	h.mustStatus(h.do("GET", "/v1/users/"+urlQuery(who), key, nil), 200)

	r := h.mustStatus(h.do("DELETE", "/v1/users/"+urlQuery(who), key, nil), 200)
	got := r.data()
	for field, want := range map[string]float64{"users": 1, "verifications": 1, "testMessages": 1, "chatLinks": 0, "remaining": 0} {
		if got[field] != want {
			t.Errorf("erasure %s = %v, want %v (%s)", field, got[field], want, r.raw)
		}
	}
	if r := h.do("GET", "/v1/users/"+urlQuery(who), key, nil); r.status != 404 {
		t.Errorf("the erased user: %d, want 404", r.status)
	}
	if inbox := h.mustStatus(h.do("GET", "/v1/test/messages?to="+urlQuery(who), key, nil), 200).list(); len(inbox) != 0 {
		t.Errorf("test inbox after the erasure = %v, want empty", inbox)
	}
	if list := h.mustStatus(h.do("GET", "/v1/verifications", key, nil), 200).list(); len(list) != 1 {
		t.Errorf("verifications after the erasure = %d, want the other person's one", len(list))
	}
	h.mustStatus(h.do("GET", "/v1/users/"+urlQuery(other), key, nil), 200)

	// Audited as the application's, without the erased number.
	e := h.auditEntries()[0]
	if e["action"] != "DELETE /v1/users/{phoneNumber}" || e["actor"] != "application:"+appID || e["status"] != 200.0 {
		t.Errorf("audit entry = %v, want the application's erasure", e)
	}
	if target := e["target"].(string); strings.Contains(target, "5550123") || !strings.HasPrefix(target, "/v1/users/+1") {
		t.Errorf("audit target = %q, want the number masked", target)
	}
	h.mustStatus(h.do("DELETE", "/v1/users/"+urlQuery(other), "", nil, "x-api-key", key), 200) // as Cobinar's lookup takes it
	if r := h.do("DELETE", "/v1/users/"+urlQuery(who), key, nil); r.status != 404 {
		t.Errorf("erasing again: %d %s, want 404 (nothing left)", r.status, r.raw)
	}
	if r := h.do("DELETE", "/v1/users/not-a-number", key, nil); r.status != 400 {
		t.Errorf("erasing a malformed destination: %d, want 400", r.status)
	}
}

func TestEraseUserFromTheConsole(t *testing.T) {
	h := newHarness(t)
	dev := h.developer("a@example.com")
	p := h.mustStatus(h.do("POST", "/v1/projects", dev, map[string]any{"name": "p"}), 201).data()["id"].(string)
	mine := h.mustStatus(h.do("POST", "/v1/applications", dev, map[string]any{"name": "a", "projectId": p, "environment": "test"}), 201).data()
	otherApp, otherKey := h.createApp("test") // the operator's
	const who = "person@example.com"
	h.verifiedUser(mine["apiKey"].(string), who)
	h.verifiedUser(otherKey, who)

	if r := h.do("DELETE", "/v1/users/"+urlQuery(who)+"?appId="+otherApp, dev, nil); r.status != 404 {
		t.Errorf("a developer erasing in another's application: %d, want 404", r.status)
	}
	r := h.mustStatus(h.do("DELETE", "/v1/users/"+urlQuery(who), dev, nil), 200) // every application of the developer
	if r.data()["users"] != 1.0 || r.data()["chatLinks"] != 0.0 {
		t.Errorf("the developer's erasure = %s, want their one user", r.raw)
	}
	h.mustStatus(h.do("GET", "/v1/users/"+urlQuery(who)+"?appId="+otherApp, adminToken, nil), 200)
	e := h.auditEntries()[0]
	if !strings.HasPrefix(e["actor"].(string), "developer:") || e["action"] != "DELETE /v1/users/{phoneNumber}" || strings.Contains(e["target"].(string), "person") {
		t.Errorf("audit entry = %v, want the developer's erasure with the email masked", e)
	}
	r = h.mustStatus(h.do("DELETE", "/v1/users/"+urlQuery(who), adminToken, nil), 200) // the operator: everywhere
	if r.data()["users"] != 1.0 {
		t.Errorf("the operator's erasure = %s, want the remaining user", r.raw)
	}
	if r := h.do("GET", "/v1/users/"+urlQuery(who), adminToken, nil); r.status != 404 {
		t.Errorf("the user after both erasures: %d, want 404", r.status)
	}
}

func TestUsersAreKeptFor400DaysAfterTheirLastCheck(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	h.verifiedUser(key, "+14155550123")
	h.clock.Advance(2 * 24 * time.Hour)
	h.verifiedUser(key, "+14155550124")
	h.clock.Advance(399 * 24 * time.Hour) // 401 and 399 days after their checks
	if _, err := h.svc.SweepExpired(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	if r := h.do("GET", "/v1/users/%2B14155550123", key, nil); r.status != 404 {
		t.Errorf("a user last verified 401 days ago: %d, want 404 (swept)", r.status)
	}
	h.mustStatus(h.do("GET", "/v1/users/%2B14155550124", key, nil), 200)
}

func TestReadingTheTestInboxFromTheConsoleIsAudited(t *testing.T) {
	h := newHarness(t)
	appID, key := h.createApp("test")
	h.send(key, "+14155550123", "sms")
	h.mustStatus(h.do("GET", "/v1/test/messages?appId="+appID, adminToken, nil), 200)
	e := h.auditEntries()[0]
	if e["action"] != "GET /v1/test/messages" || e["actor"] != "admin" || e["remoteAddr"] != "127.0.0.1" || e["status"] != 200.0 {
		t.Errorf("audit entry = %v, want the operator's test-inbox read from 127.0.0.1", e)
	}
	n := len(h.auditEntries())
	h.mustStatus(h.do("GET", "/v1/test/messages", key, nil), 200) // the application's own key: its own inbox, not a console read
	if m := len(h.auditEntries()); m != n {
		t.Errorf("an API key's inbox read added %d audit entries, want none", m-n)
	}
}
