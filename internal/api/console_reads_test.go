package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// verify sends a code to to and checks it right.
func (h *harness) verify(key, to, channel string) string {
	h.t.Helper()
	id := h.send(key, to, channel)
	code := h.inboxCode(key, to)
	c := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200).data()
	if c["valid"] != true {
		h.t.Fatalf("check of %s = %v", to, c)
	}
	return id
}

func TestUsers(t *testing.T) {
	h := newHarness(t)
	appA, keyA := h.createApp("test")
	_, keyB := h.createApp("test")
	h.verify(keyA, "+14155552671", "sms")
	h.clock.Advance(time.Minute)
	h.verify(keyA, "+14155552671", "voice")
	h.clock.Advance(time.Minute)
	h.verify(keyA, "a@example.com", "email")
	h.send(keyA, "+14155552672", "sms") // never checked: not a user
	h.verify(keyB, "+14155552673", "sms")

	list := h.mustStatus(h.do("GET", "/v1/users", keyA, nil), 200).list()
	if len(list) != 2 {
		t.Fatalf("users of A = %v, want 2", list)
	}
	first := list[0].(map[string]any)
	if first["phoneNumber"] != "a@example.com" {
		t.Errorf("first user = %v, want the most recently verified, a@example.com", first)
	}
	second := list[1].(map[string]any)
	if second["verifiedCount"] != 2.0 || second["verifiedByChannel"].(map[string]any)["voice"] != 1.0 {
		t.Errorf("second user = %v, want 2 verifications, one by voice", second)
	}

	u := h.mustStatus(h.do("GET", "/v1/users/"+urlQuery("+1 415 555 2671"), keyA, nil), 200).data()
	if u["phoneNumber"] != "+14155552671" || u["firstVerifiedAt"] == u["lastVerifiedAt"] {
		t.Errorf("user by a typed number = %v", u)
	}
	for _, c := range []struct {
		name, path, token string
		status            int
		code, field       string
	}{
		{"never verified", "/v1/users/%2B14155552672", keyA, 404, "NOT_FOUND", ""},
		{"another app's user", "/v1/users/%2B14155552673", keyA, 404, "NOT_FOUND", ""},
		{"not a number", "/v1/users/hello", keyA, 400, "INVALID_PHONE", "phoneNumber"},
		{"console without appId: every application", "/v1/users", adminToken, 200, "", ""},
		{"console with an unknown appId", "/v1/users?appId=app_nope", adminToken, 404, "NOT_FOUND", ""},
		{"limit too large", "/v1/users?limit=201", keyA, 400, "INVALID_PARAMETER", "limit"},
		{"bad cursor", "/v1/users?cursor=nonsense", keyA, 400, "INVALID_PARAMETER", "cursor"},
		{"no credentials", "/v1/users", "", 401, "UNAUTHENTICATED", ""},
	} {
		r := h.do("GET", c.path, c.token, nil)
		if r.status != c.status || r.errCode() != c.code || (c.field != "" && !strings.Contains(string(r.raw), `"field":"`+c.field+`"`)) {
			t.Errorf("%s: %d %s, want %d %s %s", c.name, r.status, r.raw, c.status, c.code, c.field)
		}
	}
	viaConsole := h.mustStatus(h.do("GET", "/v1/users?appId="+appA+"&limit=1", adminToken, nil), 200)
	if l := viaConsole.list(); len(l) != 1 || l[0].(map[string]any)["phoneNumber"] != "a@example.com" {
		t.Errorf("console page of 1 = %s", viaConsole.raw)
	}
	next := viaConsole.pagination()["nextCursor"].(string)
	rest := h.mustStatus(h.do("GET", "/v1/users?appId="+appA+"&limit=1&cursor="+urlQuery(next), adminToken, nil), 200).list()
	if len(rest) != 1 || rest[0].(map[string]any)["phoneNumber"] != "+14155552671" {
		t.Errorf("second page = %v", rest)
	}
}

func TestLogsAndConsoleVerifications(t *testing.T) {
	h := newHarness(t)
	appA, keyA := h.createApp("test")
	_, keyB := h.createApp("test")
	idA := h.verify(keyA, "+14155552671", "sms")
	h.send(keyB, "+14155552672", "sms")
	h.deliver()

	logs := h.mustStatus(h.do("GET", "/v1/logs?appId="+appA, adminToken, nil), 200).list()
	var types []string
	for _, l := range logs {
		e := l.(map[string]any)
		types = append(types, e["type"].(string))
		if e["appId"] != appA || e["verificationId"] != idA || e["to"] != "+14155552671" {
			t.Errorf("log entry %v, want A's verification", e)
		}
	}
	if strings.Join(types, ",") != "otp.verified,otp.sent,otp.created" {
		t.Errorf("A's log = %v, want verified, sent, created (newest first)", types)
	}
	if all := h.mustStatus(h.do("GET", "/v1/logs", adminToken, nil), 200).list(); len(all) != 5 {
		t.Errorf("the whole log has %d entries, want 5", len(all))
	}
	if r := h.do("GET", "/v1/logs", keyA, nil); r.status != 401 {
		t.Errorf("logs with an API key: %d, want 401 (console only)", r.status)
	}
	if r := h.do("GET", "/v1/logs?limit=0", adminToken, nil); r.status != 400 || r.errCode() != "INVALID_PARAMETER" {
		t.Errorf("limit=0: %d %s", r.status, r.raw)
	}

	vs := h.mustStatus(h.do("GET", "/v1/otp?status=verified", adminToken, nil), 200)
	if l := vs.list(); len(l) != 1 || l[0].(map[string]any)["id"] != idA || l[0].(map[string]any)["appId"] != appA {
		t.Errorf("verified across applications = %s", vs.raw)
	}
	if l := h.mustStatus(h.do("GET", "/v1/otp", adminToken, nil), 200).list(); len(l) != 2 {
		t.Errorf("every verification = %d, want 2", len(l))
	}
	one := h.mustStatus(h.do("GET", "/v1/otp/"+idA, adminToken, nil), 200)
	if one.data()["status"] != "verified" || strings.Contains(strings.ToLower(string(one.raw)), "hash") {
		t.Errorf("GET /v1/otp/{id} = %s", one.raw)
	}
	if r := h.do("GET", "/v1/otp/ver_nope", adminToken, nil); r.status != 404 {
		t.Errorf("unknown verification: %d", r.status)
	}
	if r := h.do("GET", "/v1/otp?status=done", adminToken, nil); r.status != 400 || r.errCode() != "INVALID_PARAMETER" {
		t.Errorf("bad status: %d %s", r.status, r.raw)
	}
	if r := h.do("GET", "/v1/otp", keyA, nil); r.status != 401 {
		t.Errorf("/v1/otp with an API key: %d, want 401", r.status)
	}
}

func TestAuditLog(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("audited")
	app := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "a", "projectId": p, "environment": "test"}), 201).data()["id"].(string)
	h.mustStatus(h.do("GET", "/v1/applications/"+app+"/webhook-secret", adminToken, nil), 200)
	h.do("PATCH", "/v1/projects/"+p, adminToken, map[string]any{"policy": map[string]any{"codeLength": 99}}) // refused: audited too
	h.mustStatus(h.do("GET", "/v1/projects", adminToken, nil), 200)                                          // a plain read: not audited

	entries := h.mustStatus(h.do("GET", "/v1/audit", adminToken, nil), 200).list()
	var got []string
	for _, e := range entries {
		m := e.(map[string]any)
		got = append(got, fmt.Sprintf("%s %v", m["action"], m["status"]))
		if m["actor"] != "admin" || m["remoteAddr"] == "" || m["createdAt"] == nil {
			t.Errorf("entry %v lacks who, where or when", m)
		}
	}
	want := []string{
		"PATCH /v1/projects/{id} 400",
		"GET /v1/applications/{id}/webhook-secret 200",
		"POST /v1/applications 201",
		"POST /v1/projects 201",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := h.do("GET", "/v1/audit?limit=500", adminToken, nil); r.status != 400 {
		t.Errorf("limit 500: %d", r.status)
	}
}

// The largest page each list documents is accepted.
func TestLargestPages(t *testing.T) {
	h := newHarness(t)
	appID, key := h.createApp("test")
	wh := h.mustStatus(h.do("POST", "/v1/webhooks", adminToken, map[string]any{"appId": appID, "url": "https://hooks.example.com/"}), 201).data()["id"].(string)
	for _, c := range []struct{ path, token string }{
		{"/v1/users?limit=200", key},
		{"/v1/logs?limit=200", adminToken},
		{"/v1/audit?limit=200", adminToken},
		{"/v1/webhooks/" + wh + "/deliveries?limit=200", adminToken},
		{"/v1/otp?limit=100", adminToken},
	} {
		if r := h.do("GET", c.path, c.token, nil); r.status != 200 {
			t.Errorf("%s: %d %s, want 200", c.path, r.status, r.raw)
		}
	}
}
