package api_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// operation is one endpoint of the OpenAPI document.
type operation struct {
	method, path    string
	console, apiKey bool // the credentials it accepts
}

// documentedOperations lists every authenticated endpoint that
// /openapi.json documents, which the routes table generates: an endpoint
// added later is covered by the tests below without being listed there.
func documentedOperations(t *testing.T, h *harness) []operation {
	t.Helper()
	r := h.mustStatus(h.do("GET", "/openapi.json", "", nil), 200)
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.raw, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []operation
	for path, methods := range doc.Paths {
		for method, op := range methods {
			o := operation{method: strings.ToUpper(method), path: path}
			for _, s := range op.Security {
				_, c := s["consoleToken"]
				_, k := s["apiKey"]
				o.console, o.apiKey = o.console || c, o.apiKey || k
			}
			if o.console || o.apiKey {
				ops = append(ops, o)
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	if len(ops) < 40 {
		t.Fatalf("the document lists %d authenticated endpoints; the table looks truncated", len(ops))
	}
	return ops
}

// tenant is what one developer owns, with the ids to put in paths.
type tenant struct {
	session, projectID, appID, apiKey, verificationID, webhookID, phone string
}

func newTenant(h *harness, email, phone string) tenant {
	h.t.Helper()
	tn := tenant{session: h.developer(email), phone: phone}
	tn.projectID = h.mustStatus(h.do("POST", "/v1/projects", tn.session, map[string]any{"name": email}), 201).data()["id"].(string)
	app := h.mustStatus(h.do("POST", "/v1/applications", tn.session,
		map[string]any{"name": "web", "projectId": tn.projectID, "environment": "test"}), 201).data()
	tn.appID, tn.apiKey = app["id"].(string), app["apiKey"].(string)
	tn.webhookID = h.mustStatus(h.do("POST", "/v1/webhooks", tn.session,
		map[string]any{"appId": tn.appID, "url": "https://hooks.example.com/" + tn.appID}), 201).data()["id"].(string)
	tn.verificationID = h.verify(tn.apiKey, phone, "sms")
	return tn
}

// path fills in the path parameters of o with the objects of tn.
func (tn tenant) path(o operation) string {
	id := ""
	switch {
	case strings.HasPrefix(o.path, "/v1/projects/"):
		id = tn.projectID
	case strings.HasPrefix(o.path, "/v1/applications/"):
		id = tn.appID
	case strings.HasPrefix(o.path, "/v1/webhooks/"):
		id = tn.webhookID
	case strings.HasPrefix(o.path, "/v1/verifications/"), strings.HasPrefix(o.path, "/v1/otp/"):
		id = tn.verificationID
	case strings.HasPrefix(o.path, "/v1/developers/"):
		id = "dev_00000000000000000000000000000000"
	}
	return strings.NewReplacer("{id}", id, "{type}", "api", "{phoneNumber}", urlQuery(tn.phone),
		"{deliveryId}", "whd_00000000000000000000000000000000").Replace(o.path)
}

// body is a valid request body for o aimed at the objects of tn, so that
// only the credentials can make the request fail.
func (tn tenant) body(o operation) any {
	switch o.method + " " + o.path {
	case "POST /v1/applications":
		return map[string]any{"name": "x", "projectId": tn.projectID, "environment": "test"}
	case "POST /v1/webhooks":
		return map[string]any{"appId": tn.appID, "url": "https://hooks.example.com/other"}
	case "PATCH /v1/projects/{id}", "PATCH /v1/applications/{id}", "POST /v1/projects":
		return map[string]any{"name": "renamed"}
	case "PATCH /v1/webhooks/{id}":
		return map[string]any{"url": "https://hooks.example.com/renamed"}
	case "POST /v1/projects/{id}/credits":
		return map[string]any{"amount": "5", "currency": "USD"}
	case "PUT /v1/projects/{id}/fraud/geo":
		return map[string]any{"geo": map[string]any{}}
	case "POST /v1/applications/{id}/test-send", "POST /v1/verifications":
		return map[string]any{"to": tn.phone, "channel": "sms"}
	case "POST /v1/verifications/{id}/check":
		return map[string]any{"code": "123456"}
	case "POST /v1/verifications/check":
		return map[string]any{"to": tn.phone, "code": "123456"}
	case "PATCH /v1/developers/{id}":
		return map[string]any{"plan": map[string]any{"maxProjects": 3}}
	case "POST /v1/developers":
		return map[string]any{"email": "new@example.com", "password": "correct horse battery"}
	case "POST /v1/invitations":
		return map[string]any{"email": "invited@example.com"}
	case "PATCH /v1/developer/me":
		return map[string]any{"name": "Me"}
	}
	if o.method == "POST" || o.method == "PATCH" {
		return map[string]any{}
	}
	return nil
}

// query names tn's objects in the query parameters the endpoint takes
// (endpoints refuse parameters they do not know).
func (tn tenant) query(o operation, console bool) string {
	if o.method != "GET" {
		return ""
	}
	if o.path != (tenant{}).path(o) { // an object in the path
		if console && o.apiKey {
			return "?appId=" + tn.appID // the console names the application
		}
		return ""
	}
	switch o.path {
	case "/v1/applications":
		return "?projectId=" + tn.projectID
	case "/v1/logs":
		return "?appId=" + tn.appID + "&verificationId=" + tn.verificationID
	case "/v1/test/messages":
		return "?appId=" + tn.appID + "&to=" + urlQuery(tn.phone)
	case "/v1/projects", "/v1/developers", "/v1/audit", "/v1/developer/me", "/v1/verifications":
		return ""
	}
	return "?appId=" + tn.appID
}

// TestEveryEndpointRefusesMissingAndWrongCredentials: no credential and a
// wrong one are 401 UNAUTHENTICATED on every authenticated endpoint, and
// the request does nothing.
func TestEveryEndpointRefusesMissingAndWrongCredentials(t *testing.T) {
	h := newHarness(t)
	a := newTenant(h, "a@example.com", "+14155552671")
	for _, o := range documentedOperations(t, h) {
		for _, token := range []string{"", "otpd_session_wrong", "otpd_live_api_wrong", adminToken + "x"} {
			r := h.do(o.method, a.path(o)+a.query(o, true), token, a.body(o))
			if r.status != http.StatusUnauthorized || r.errCode() != "UNAUTHENTICATED" {
				t.Errorf("%s %s with token %q: %d %s, want 401 UNAUTHENTICATED", o.method, o.path, token, r.status, r.raw)
			}
		}
	}
	// Nothing above changed A's objects.
	h.mustStatus(h.do("GET", "/v1/projects/"+a.projectID, a.session, nil), 200)
	if v := h.mustStatus(h.do("GET", "/v1/verifications/"+a.verificationID, a.apiKey, nil), 200).data(); v["status"] != "verified" {
		t.Errorf("A's verification is %v after the refused requests", v["status"])
	}
}

// TestEveryEndpointHidesAnotherDevelopersObjects: developer B, signed in,
// aims every console endpoint at developer A's project, application,
// webhook and verification. Each is refused with 403 or 404, or, where
// the endpoint lists B's own objects whatever the query says, answers
// without a trace of A's; and A's objects are still there afterwards.
// The same holds for B's API key on the endpoints that take one.
func TestEveryEndpointHidesAnotherDevelopersObjects(t *testing.T) {
	h := newHarness(t)
	a := newTenant(h, "a@example.com", "+14155552671")
	b := newTenant(h, "b@example.com", "+14155552672")
	// Not A's phone number: B may send to the same person.
	aIDs := []string{a.projectID, a.appID, a.webhookID, a.verificationID}
	leaks := func(raw []byte) string {
		for _, id := range aIDs {
			if strings.Contains(string(raw), id) {
				return id
			}
		}
		return ""
	}
	// The ids are real: A reads each of its objects through every GET
	// endpoint that names one, so B's 404s below come from ownership.
	for _, o := range documentedOperations(t, h) {
		path := a.path(o)
		if o.method != "GET" || path == o.path || strings.Contains(o.path, "{deliveryId}") {
			continue
		}
		token := a.session
		if !o.console {
			token = a.apiKey
		}
		h.mustStatus(h.do("GET", path+a.query(o, o.console), token, nil), 200)
	}
	for _, o := range documentedOperations(t, h) {
		if o.path == "/v1/auth/logout" || o.path == "/v1/auth/logout-all" {
			continue // ends B's session; it names no object
		}
		var tokens []string
		if o.console {
			tokens = append(tokens, b.session)
		}
		if o.apiKey {
			tokens = append(tokens, b.apiKey)
		}
		for _, token := range tokens {
			kind := "B's session"
			if token == b.apiKey {
				kind = "B's API key"
			}
			path := a.path(o)
			r := h.do(o.method, path+a.query(o, token == b.session), token, a.body(o))
			switch {
			case r.status == http.StatusUnauthorized:
				t.Errorf("%s %s with %s: 401, want the credential accepted and the object refused: %s", o.method, o.path, kind, r.raw)
			case r.status/100 == 2 && path != o.path:
				// An endpoint naming an object in its path must not act on A's.
				t.Errorf("%s %s with %s on A's objects: %d %s", o.method, path, kind, r.status, r.raw)
			case r.status/100 == 2 || r.status == http.StatusBadRequest:
				if id := leaks(r.raw); id != "" {
					t.Errorf("%s %s with %s: the answer shows A's %s: %s", o.method, o.path, kind, id, r.raw)
				}
			case r.status != http.StatusForbidden && r.status != http.StatusNotFound:
				t.Errorf("%s %s with %s: %d %s, want 403 or 404", o.method, path, kind, r.status, r.raw)
			}
		}
	}
	// A's objects survived B's deletes, rotations and cancels.
	h.mustStatus(h.do("GET", "/v1/projects/"+a.projectID, a.session, nil), 200)
	h.mustStatus(h.do("GET", "/v1/webhooks/"+a.webhookID, a.session, nil), 200)
	if v := h.mustStatus(h.do("GET", "/v1/verifications/"+a.verificationID, a.apiKey, nil), 200).data(); v["status"] != "verified" {
		t.Errorf("A's verification is %v after B's requests", v["status"])
	}
	h.send(a.apiKey, "+14155552673", "sms") // A's API key was not rotated away
}

// TestEveryAPIKeyEndpointRefusesADisabledApplication: once an application
// is disabled, its API key gets 403 FORBIDDEN on every endpoint that
// takes one, and works again when it is enabled.
func TestEveryAPIKeyEndpointRefusesADisabledApplication(t *testing.T) {
	h := newHarness(t)
	a := newTenant(h, "a@example.com", "+14155552671")
	h.mustStatus(h.do("PATCH", "/v1/applications/"+a.appID, a.session, map[string]any{"status": "disabled"}), 200)
	n := 0
	for _, o := range documentedOperations(t, h) {
		if !o.apiKey {
			continue
		}
		n++
		r := h.do(o.method, a.path(o)+a.query(o, false), a.apiKey, a.body(o))
		if r.status != http.StatusForbidden || r.errCode() != "FORBIDDEN" {
			t.Errorf("%s %s with a disabled application's key: %d %s, want 403 FORBIDDEN", o.method, o.path, r.status, r.raw)
		}
	}
	if n < 10 {
		t.Fatalf("only %d endpoints take an API key", n)
	}
	h.mustStatus(h.do("PATCH", "/v1/applications/"+a.appID, a.session, map[string]any{"status": "active"}), 200)
	h.mustStatus(h.do("GET", "/v1/verifications/"+a.verificationID, a.apiKey, nil), 200)
}
