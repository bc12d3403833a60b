package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// login creates a developer account and signs in, returning the session token.
func (h *harness) developer(email string) string {
	h.t.Helper()
	h.mustStatus(h.do("POST", "/v1/developers", adminToken, map[string]any{"email": email, "password": "correct horse battery", "name": "Dev"}), 201)
	r := h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": strings.ToUpper(email), "password": "correct horse battery"}), 200)
	tok := r.data()["token"].(string)
	if !strings.HasPrefix(tok, "otpd_session_") || r.header.Get("Cache-Control") != "no-store" {
		h.t.Fatalf("login answer %s", r.raw)
	}
	return tok
}

func TestDevelopersSeeOnlyTheirOwnProjects(t *testing.T) {
	h := newHarness(t)
	adminProject := h.createProject("operator's")
	a := h.developer("a@example.com")
	b := h.developer("b@example.com")

	pa := h.mustStatus(h.do("POST", "/v1/projects", a, map[string]any{"name": "A's"}), 201).data()["id"].(string)
	if l := h.mustStatus(h.do("GET", "/v1/projects", a, nil), 200).list(); len(l) != 1 || l[0].(map[string]any)["id"] != pa {
		t.Errorf("A's projects = %v, want only its own", l)
	}
	if l := h.mustStatus(h.do("GET", "/v1/projects", adminToken, nil), 200).list(); len(l) != 2 {
		t.Errorf("the operator sees %d projects, want 2", len(l))
	}
	app := h.mustStatus(h.do("POST", "/v1/applications", a, map[string]any{"name": "web", "projectId": pa, "environment": "test"}), 201).data()
	appID, key := app["id"].(string), app["apiKey"].(string)
	h.mustStatus(h.do("POST", "/v1/webhooks", a, map[string]any{"appId": appID, "url": "https://hooks.example.com/a"}), 201)
	h.verify(key, "+14155552671", "sms")

	for _, c := range []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"A reads the operator's project", "GET", "/v1/projects/" + adminProject, a, nil, 404},
		{"A deletes the operator's project", "DELETE", "/v1/projects/" + adminProject, a, nil, 404},
		{"A creates an app in the operator's project", "POST", "/v1/applications", a, map[string]any{"name": "x", "projectId": adminProject}, 404},
		{"B reads A's project", "GET", "/v1/projects/" + pa, b, nil, 404},
		{"B reads A's app", "GET", "/v1/applications/" + appID, b, nil, 404},
		{"B reveals A's webhook secret", "GET", "/v1/applications/" + appID + "/webhook-secret", b, nil, 404},
		{"B rotates A's key", "POST", "/v1/applications/" + appID + "/rotate/api", b, nil, 404},
		{"B lists A's webhooks", "GET", "/v1/webhooks?appId=" + appID, b, nil, 404},
		{"B lists every webhook: its own, none", "GET", "/v1/webhooks", b, nil, 200},
		{"B reads A's users", "GET", "/v1/users?appId=" + appID, b, nil, 404},
		{"B reads every verification: its own, none", "GET", "/v1/otp", b, nil, 200},
		{"B reads A's logs", "GET", "/v1/logs?appId=" + appID, b, nil, 404},
		{"B reads A's analytics", "GET", "/v1/analytics/summary?appId=" + appID, b, nil, 404},
		{"A reads the audit log", "GET", "/v1/audit", a, nil, 403},
		{"A tops up credits", "POST", "/v1/projects/" + pa + "/credits", a, map[string]any{"amount": "5", "currency": "USD"}, 403},
		{"A creates an account", "POST", "/v1/developers", a, map[string]any{"email": "c@example.com", "password": "correct horse battery"}, 403},
		{"A changes its email", "PATCH", "/v1/developer/me", a, map[string]any{"email": "z@example.com"}, 400},
		{"the operator has no profile", "GET", "/v1/developer/me", adminToken, nil, 403},
		{"a made-up session", "GET", "/v1/projects", "otpd_session_0000", nil, 401},
	} {
		if r := h.do(c.method, c.path, c.token, c.body); r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.raw, c.status)
		}
	}
	if l := h.mustStatus(h.do("GET", "/v1/users?appId="+appID, a, nil), 200).list(); len(l) != 1 {
		t.Errorf("A's users = %v", l)
	}
	if l := h.mustStatus(h.do("GET", "/v1/otp?appId="+appID, a, nil), 200).list(); len(l) != 1 {
		t.Errorf("A's verifications = %v", l)
	}
	me := h.mustStatus(h.do("PATCH", "/v1/developer/me", a, map[string]any{"name": "Alice", "company": "Acme"}), 200).data()
	if me["name"] != "Alice" || me["email"] != "a@example.com" || me["plan"].(map[string]any)["maxProjects"] != 10.0 {
		t.Errorf("me = %v", me)
	}
	if strings.Contains(fmt.Sprint(me), "argon2") {
		t.Error("the account answer carries the password hash")
	}
	audit := h.mustStatus(h.do("GET", "/v1/audit", adminToken, nil), 200).list()
	found := false
	for _, e := range audit {
		if m := e.(map[string]any); strings.HasPrefix(m["actor"].(string), "developer:dev_") && m["action"] == "POST /v1/projects" {
			found = true
		}
	}
	if !found {
		t.Error("the audit log does not name the developer who created a project")
	}

	h.mustStatus(h.do("POST", "/v1/auth/logout", a, nil), 204)
	if r := h.do("GET", "/v1/projects", a, nil); r.status != 401 {
		t.Errorf("after logout: %d, want 401", r.status)
	}
	h.clock.Advance(13 * time.Hour)
	if r := h.do("GET", "/v1/projects", b, nil); r.status != 401 {
		t.Errorf("after the session's 12 hours: %d, want 401", r.status)
	}
}

func TestDeveloperQuotasAndLogin(t *testing.T) {
	h := newHarness(t)
	a := h.developer("a@example.com")
	p := h.mustStatus(h.do("POST", "/v1/projects", a, map[string]any{"name": "p"}), 201).data()["id"].(string)
	for i := range 5 {
		h.mustStatus(h.do("POST", "/v1/applications", a, map[string]any{"name": fmt.Sprint("app", i), "projectId": p}), 201)
	}
	r := h.do("POST", "/v1/applications", a, map[string]any{"name": "sixth", "projectId": p})
	if r.status != 403 || r.errCode() != "QUOTA_EXCEEDED" {
		t.Errorf("6th application: %d %s, want 403 QUOTA_EXCEEDED", r.status, r.raw)
	}
	for i := range 9 {
		h.mustStatus(h.do("POST", "/v1/projects", a, map[string]any{"name": fmt.Sprint("p", i)}), 201)
	}
	if r := h.do("POST", "/v1/projects", a, map[string]any{"name": "eleventh"}); r.status != 403 || r.errCode() != "QUOTA_EXCEEDED" {
		t.Errorf("11th project: %d %s, want 403 QUOTA_EXCEEDED", r.status, r.raw)
	}

	for _, c := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"short password", map[string]any{"email": "x@example.com", "password": "short"}, 400, "INVALID_PARAMETER"},
		{"bad email", map[string]any{"email": "not-an-email", "password": "correct horse battery"}, 400, "INVALID_EMAIL"},
		{"taken email", map[string]any{"email": "A@example.com", "password": "correct horse battery"}, 409, "CONFLICT"},
		{"no password", map[string]any{"email": "y@example.com"}, 400, "INVALID_PARAMETER"},
	} {
		if r := h.do("POST", "/v1/developers", adminToken, c.body); r.status != c.status || r.errCode() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.raw, c.status, c.code)
		}
	}
	if r := h.do("POST", "/v1/auth/signup", "", map[string]any{"email": "z@example.com", "password": "correct horse battery"}); r.status != 403 {
		t.Errorf("sign-up while closed: %d, want 403", r.status)
	}
	wrong := h.do("POST", "/v1/auth/login", "", map[string]any{"email": "a@example.com", "password": "wrong password!"})
	unknown := h.do("POST", "/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "wrong password!"})
	if wrong.status != 401 || unknown.status != 401 || wrong.errMessage() != unknown.errMessage() {
		t.Errorf("wrong password %d %q, unknown email %d %q; want the same 401", wrong.status, wrong.errMessage(), unknown.status, unknown.errMessage())
	}
	var last response
	for range 10 {
		last = h.do("POST", "/v1/auth/login", "", map[string]any{"email": "a@example.com", "password": "guess guess guess"})
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" {
		t.Errorf("after many wrong passwords: %d, want 429 with Retry-After", last.status)
	}
}

func TestInvitations(t *testing.T) {
	h := newHarness(t)
	inv := h.mustStatus(h.do("POST", "/v1/invitations", adminToken, map[string]any{"email": "New@Example.com"}), 201).data()
	token := inv["token"].(string)
	if !strings.HasPrefix(token, "otpd_invite_") || inv["email"] != "new@example.com" {
		t.Fatalf("invitation = %v", inv)
	}
	signup := func(body map[string]any) response { return h.do("POST", "/v1/auth/signup", "", body) }
	if r := signup(map[string]any{"invitation": token, "email": "other@example.com", "password": "correct horse battery"}); r.status != 400 || r.errField() != "email" {
		t.Errorf("another email: %d %s, want 400 on email", r.status, r.raw)
	}
	if r := signup(map[string]any{"invitation": token, "password": "short"}); r.status != 400 || r.errField() != "password" {
		t.Errorf("weak password: %d %s", r.status, r.raw)
	}
	dev := h.mustStatus(signup(map[string]any{"invitation": token, "password": "correct horse battery", "name": "New"}), 201).data()
	if dev["email"] != "new@example.com" {
		t.Errorf("account = %v", dev)
	}
	if r := signup(map[string]any{"invitation": token, "password": "correct horse battery"}); r.status != 403 {
		t.Errorf("the invitation used twice: %d, want 403", r.status)
	}
	h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "new@example.com", "password": "correct horse battery"}), 200)

	late := h.mustStatus(h.do("POST", "/v1/invitations", adminToken, map[string]any{"email": "late@example.com"}), 201).data()["token"].(string)
	h.clock.Advance(8 * 24 * time.Hour)
	if r := signup(map[string]any{"invitation": late, "password": "correct horse battery"}); r.status != 403 {
		t.Errorf("an expired invitation: %d, want 403", r.status)
	}
	if r := signup(map[string]any{"invitation": "otpd_invite_forged", "password": "correct horse battery"}); r.status != 403 {
		t.Errorf("a forged invitation: %d, want 403", r.status)
	}
	dv := h.developer("a@example.com")
	if r := h.do("POST", "/v1/invitations", dv, map[string]any{"email": "x@example.com"}); r.status != 403 {
		t.Errorf("a developer inviting: %d, want 403", r.status)
	}
	if r := h.do("POST", "/v1/invitations", adminToken, map[string]any{"email": "nope"}); r.status != 400 {
		t.Errorf("a bad email: %d, want 400", r.status)
	}
}

func TestOperatorManagesPlans(t *testing.T) {
	h := newHarness(t)
	tok := h.developer("a@example.com")
	list := h.mustStatus(h.do("GET", "/v1/developers", adminToken, nil), 200).list()
	if len(list) != 1 {
		t.Fatalf("developers = %v", list)
	}
	id := list[0].(map[string]any)["id"].(string)
	got := h.mustStatus(h.do("PATCH", "/v1/developers/"+id, adminToken, map[string]any{"plan": map[string]any{"maxProjects": 1, "maxAppsPerProject": 1, "monthlySends": 100}}), 200).data()
	if plan := got["plan"].(map[string]any); plan["maxProjects"] != 1.0 || plan["monthlySends"] != 100.0 {
		t.Errorf("plan = %v", plan)
	}
	h.mustStatus(h.do("POST", "/v1/projects", tok, map[string]any{"name": "one"}), 201)
	if r := h.do("POST", "/v1/projects", tok, map[string]any{"name": "two"}); r.status != 403 || r.errCode() != "QUOTA_EXCEEDED" {
		t.Errorf("second project on a 1-project plan: %d %s", r.status, r.raw)
	}
	for _, c := range []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"developer lists accounts", "GET", "/v1/developers", tok, nil, 403},
		{"developer sets a plan", "PATCH", "/v1/developers/" + id, tok, map[string]any{"plan": map[string]any{"maxProjects": 99, "maxAppsPerProject": 99}}, 403},
		{"unknown developer", "PATCH", "/v1/developers/dev_nope", adminToken, map[string]any{"plan": map[string]any{"maxProjects": 1, "maxAppsPerProject": 1}}, 404},
		{"negative sends", "PATCH", "/v1/developers/" + id, adminToken, map[string]any{"plan": map[string]any{"maxProjects": 1, "maxAppsPerProject": 1, "monthlySends": -1}}, 400},
	} {
		if r := h.do(c.method, c.path, c.token, c.body); r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.raw, c.status)
		}
	}
}
