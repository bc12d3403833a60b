package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// The console's conformance with Cobinar's document, on both engines.

// newConsoleHarness is otpd with webhooks posted for real to local receivers.
func newConsoleHarness(t *testing.T, engine string) *dialecttest.Harness {
	return dialecttest.New(t, dialecttest.Options{Engine: engine, Config: func(c *otp.Config) {
		c.Webhooks = webhook.Transport{Sender: webhook.NewSender(webhook.Config{AllowPrivate: true})}
		c.WebhookAllowPrivate = true
	}})
}

// signIn creates a developer account and returns its session token.
func signIn(h *dialecttest.Harness, email string) string {
	h.T.Helper()
	h.Admin("POST", "/v1/developers", `{"email":"`+email+`","password":"correct horse battery"}`, 201)
	r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/auth/login", Body: `{"email":"` + email + `","password":"correct horse battery"}`})
	if r.Status != 200 {
		h.T.Fatalf("login %s: %d %s", email, r.Status, r.Raw)
	}
	return r.Data()["token"].(string)
}

func bearerHeader(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// get calls GET path with token and fails unless the status is want.
func get(h *dialecttest.Harness, path, token string, want int) dialecttest.Response {
	h.T.Helper()
	r := h.Do(dialecttest.Request{Method: "GET", Path: path, Header: bearerHeader(token)})
	if r.Status != want {
		h.T.Fatalf("GET %s: %d %s, want %d", path, r.Status, r.Raw, want)
	}
	return r
}

// ownedApp creates a project and a test application with token (a
// developer's session or the admin token) and returns the application.
func ownedApp(h *dialecttest.Harness, token, name string) dialecttest.App {
	h.T.Helper()
	do := func(path, body string) map[string]any {
		r := h.Do(dialecttest.Request{Method: "POST", Path: path, Header: bearerHeader(token), Body: body})
		if r.Status != 201 {
			h.T.Fatalf("POST %s: %d %s", path, r.Status, r.Raw)
		}
		return r.Data()
	}
	p := do("/v1/projects", `{"name":"`+name+`"}`)
	a := do("/v1/applications", `{"name":"`+name+`","projectId":"`+p["id"].(string)+`","environment":"test"}`)
	return dialecttest.App{ID: a["id"].(string), ProjectID: p["id"].(string), ClientID: a["clientId"].(string),
		ClientSecret: a["clientSecret"].(string), APIKey: a["apiKey"].(string), WebhookSecret: a["webhookSecret"].(string)}
}

// verifyNative sends a code to to with the native API and checks it;
// it returns the verification's id.
func verifyNative(h *dialecttest.Harness, a dialecttest.App, to string) string {
	h.T.Helper()
	r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications", Header: bearerHeader(a.APIKey), Body: `{"to":"` + to + `","channel":"sms"}`})
	if r.Status != 201 {
		h.T.Fatalf("send: %d %s", r.Status, r.Raw)
	}
	id := r.Data()["id"].(string)
	r = h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications/" + id + "/check", Header: bearerHeader(a.APIKey), Body: `{"code":"` + h.Code(a, to) + `"}`})
	if r.Status != 200 || r.Data()["valid"] != true {
		h.T.Fatalf("check: %d %s", r.Status, r.Raw)
	}
	return id
}

// field collects one string field of every item of a list answer.
func field(r dialecttest.Response, name string) []string {
	var out []string
	for _, it := range r.Body["data"].([]any) {
		s, _ := it.(map[string]any)[name].(string)
		out = append(out, s)
	}
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }

// TestConsoleListsWithoutAppID: GET /v1/otp, /v1/logs and /v1/users work
// without ?appId: a developer reads every application of theirs and
// nothing of anyone else's, the operator everything; a user looked up
// without ?appId is the identity across those applications.
func TestConsoleListsWithoutAppID(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newConsoleHarness(t, engine)
		a, b, c := signIn(h, "a@example.com"), signIn(h, "b@example.com"), signIn(h, "c@example.com")
		a1, a2, b1 := ownedApp(h, a, "a1"), ownedApp(h, a, "a2"), ownedApp(h, b, "b1")
		op := ownedApp(h, dialecttest.AdminToken, "ops")
		va1 := verifyNative(h, a1, "+14155552671")
		va2 := verifyNative(h, a2, "+14155552671") // the same person through A's two applications
		vb := verifyNative(h, b1, "+14155552671")
		vo := verifyNative(h, op, "+14155552672")
		h.ConsumeEvents()

		mine := []string{a1.ID, a2.ID}
		for _, tc := range []struct {
			who, token string
			apps, ids  []string
		}{
			{"A", a, mine, []string{va1, va2}},
			{"B", b, []string{b1.ID}, []string{vb}},
			{"C, without applications", c, nil, nil},
			{"the operator", dialecttest.AdminToken, []string{a1.ID, a2.ID, b1.ID, op.ID}, []string{va1, va2, vb, vo}},
		} {
			ids := field(get(h, "/v1/otp", tc.token, 200), "id")
			if !slices.Equal(sorted(ids), sorted(tc.ids)) {
				t.Errorf("%s: GET /v1/otp = %v, want %v", tc.who, ids, tc.ids)
			}
			logs := get(h, "/v1/logs?type=otp.verified", tc.token, 200)
			if got := field(logs, "verificationId"); !slices.Equal(sorted(got), sorted(tc.ids)) {
				t.Errorf("%s: otp.verified in GET /v1/logs = %v, want %v", tc.who, got, tc.ids)
			}
			for _, app := range field(get(h, "/v1/logs", tc.token, 200), "appId") {
				if !slices.Contains(tc.apps, app) {
					t.Errorf("%s: GET /v1/logs shows application %s", tc.who, app)
				}
			}
			users := get(h, "/v1/users", tc.token, 200)
			if got := field(users, "appId"); !slices.Equal(sorted(got), sorted(tc.apps)) {
				t.Errorf("%s: GET /v1/users is of %v, want one user of each of %v", tc.who, got, tc.apps)
			}
		}

		// Pages of the users of A's two applications.
		page := get(h, "/v1/users?limit=1", a, 200)
		next, _ := page.Body["pagination"].(map[string]any)["nextCursor"].(string)
		rest := get(h, "/v1/users?limit=1&cursor="+url.QueryEscape(next), a, 200)
		if got := append(field(page, "appId"), field(rest, "appId")...); !slices.Equal(sorted(got), sorted(mine)) || rest.Body["pagination"].(map[string]any)["hasMore"] != false {
			t.Errorf("A's users in pages of 1 = %v (%s), want one of each application", got, rest.Raw)
		}

		// One identity across applications.
		u := get(h, "/v1/users/"+url.PathEscape("+1 415 555 2671"), a, 200).Data()
		if u["appId"] != "" || u["phoneNumber"] != "+14155552671" || u["verifiedCount"] != 2.0 {
			t.Errorf("A's identity = %v, want 2 verifications across its applications", u)
		}
		u = get(h, "/v1/users/%2B14155552671", dialecttest.AdminToken, 200).Data()
		if u["verifiedCount"] != 3.0 {
			t.Errorf("the operator's identity = %v, want A's two and B's one", u)
		}
		get(h, "/v1/users/%2B14155552672", a, 404) // the operator's user
		get(h, "/v1/users/%2B14155552671", c, 404)
		if u := get(h, "/v1/users/%2B14155552671?appId="+a1.ID, a, 200).Data(); u["appId"] != a1.ID || u["verifiedCount"] != 1.0 {
			t.Errorf("A's user in a1 = %v", u)
		}

		// Naming another's application is still not found.
		for _, path := range []string{"/v1/otp?appId=" + a1.ID, "/v1/logs?appId=" + a1.ID, "/v1/users?appId=" + a1.ID, "/v1/users/%2B14155552671?appId=" + a1.ID} {
			get(h, path, b, 404)
		}
		get(h, "/v1/otp?status=nope", a, 400)
		get(h, "/v1/users?limit=0", a, 400)
		get(h, "/v1/users?cursor=nonsense", a, 400)
	})
}

// TestUserLookupWithAPIKeyHeader: GET /v1/users/{phoneNumber} takes the
// API key in x-api-key alone, as Cobinar documents; the other API-key
// routes keep Authorization: Bearer.
func TestUserLookupWithAPIKeyHeader(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newConsoleHarness(t, engine)
		app, other := h.CreateApp("test", ""), h.CreateApp("test", "")
		verifyNative(h, app, "+14155552671")
		verifyNative(h, other, "+14155552672")
		lookup := func(phone string, header http.Header) dialecttest.Response {
			return h.Do(dialecttest.Request{Method: "GET", Path: "/v1/users/" + url.PathEscape(phone), Header: header})
		}
		r := lookup("+1 415 555 2671", http.Header{"X-Api-Key": {app.APIKey}})
		if r.Status != 200 || r.Data()["phoneNumber"] != "+14155552671" || r.Data()["appId"] != app.ID {
			t.Errorf("lookup with x-api-key: %d %s", r.Status, r.Raw)
		}
		for _, tc := range []struct {
			name   string
			phone  string
			header http.Header
			status int
			code   string
		}{
			{"another application's user", "+14155552672", http.Header{"X-Api-Key": {app.APIKey}}, 404, "NOT_FOUND"},
			{"a wrong key", "+14155552671", http.Header{"X-Api-Key": {app.APIKey + "x"}}, 401, "UNAUTHENTICATED"},
			{"an empty key", "+14155552671", http.Header{"X-Api-Key": {""}}, 401, "UNAUTHENTICATED"},
			{"not a number", "hello", http.Header{"X-Api-Key": {app.APIKey}}, 400, "INVALID_PHONE"},
		} {
			r := lookup(tc.phone, tc.header)
			if e, _ := r.Body["error"].(map[string]any); r.Status != tc.status || e["code"] != tc.code {
				t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Raw, tc.status, tc.code)
			}
		}
		// The list and the other API-key routes are not Cobinar's lookup.
		for _, path := range []string{"/v1/users", "/v1/verifications"} {
			r := h.Do(dialecttest.Request{Method: "GET", Path: path, Header: http.Header{"X-Api-Key": {app.APIKey}}})
			if r.Status != 401 {
				t.Errorf("GET %s with x-api-key: %d, want 401", path, r.Status)
			}
		}
		h.Admin("PATCH", "/v1/applications/"+app.ID, `{"status":"disabled"}`, 200)
		if r := lookup("+14155552671", http.Header{"X-Api-Key": {app.APIKey}}); r.Status != 403 {
			t.Errorf("a disabled application's key: %d %s, want 403", r.Status, r.Raw)
		}
	})
}

// TestWebhookTestEvent: POST /v1/webhooks/{id}/test sends one signed
// otp.verified event now and answers delivered and statusCode (and the
// console's success); the destination is masked unless the endpoint opted
// in, on every signing scheme.
func TestWebhookTestEvent(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newConsoleHarness(t, engine)
		app := h.CreateApp("test", "")
		var (
			mu   sync.Mutex
			reqs []received
		)
		status := 200
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			reqs = append(reqs, received{r.Header.Clone(), b})
			st := status
			mu.Unlock()
			w.WriteHeader(st)
		}))
		defer srv.Close()
		take := func() received {
			t.Helper()
			mu.Lock()
			defer mu.Unlock()
			if len(reqs) != 1 {
				t.Fatalf("the endpoint received %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			reqs = nil
			return r
		}
		wh := h.Admin("POST", "/v1/webhooks", `{"appId":"`+app.ID+`","url":"`+srv.URL+`"}`, 201).Data()["id"].(string)
		res := h.Admin("POST", "/v1/webhooks/"+wh+"/test", "", 200).Data()
		if res["delivered"] != true || res["statusCode"] != 200.0 || res["success"] != true {
			t.Errorf("test answer = %v, want delivered and success true, statusCode 200", res)
		}
		req := take()
		if err := webhook.VerifyStandard(app.WebhookSecret, req.header, req.body, h.Clock.Now()); err != nil {
			t.Errorf("signature: %v", err)
		}
		var p webhook.Payload
		if err := json.Unmarshal(req.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != "otp.verified" || p.Data.Status != "verified" || p.Data.To != "+1******0100" || p.ApplicationID != app.ID {
			t.Errorf("test event = %+v, want otp.verified of a verified verification, the number masked", p)
		}

		h.Admin("PATCH", "/v1/webhooks/"+wh, `{"includeDestination":true,"signing":"kotp"}`, 200)
		h.Admin("POST", "/v1/webhooks/"+wh+"/test", "", 200)
		req = take()
		if err := webhook.VerifyKOTP(app.WebhookSecret, req.header, req.body, h.Clock.Now()); err != nil {
			t.Errorf("K-OTP signature: %v", err)
		}
		if !strings.Contains(string(req.body), `"to":"+15555550100"`) {
			t.Errorf("opted-in test event = %s, want the whole number", req.body)
		}

		mu.Lock()
		status = 503
		mu.Unlock()
		res = h.Admin("POST", "/v1/webhooks/"+wh+"/test", "", 200).Data()
		if res["delivered"] != false || res["success"] != false || res["statusCode"] != 503.0 {
			t.Errorf("test answer from a failing endpoint = %v, want delivered false, statusCode 503", res)
		}
		take()
	})
}

// received is one request a test endpoint got.
type received struct {
	header http.Header
	body   []byte
}

// TestDeveloperVirtualPhoneNumber: the operator sets a developer's
// virtual phone number (E.164) with PATCH /v1/developers/{id}; the
// developer sees it on GET /v1/developer/me and cannot change it.
func TestDeveloperVirtualPhoneNumber(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newConsoleHarness(t, engine)
		dev := signIn(h, "v@example.com")
		me := get(h, "/v1/developer/me", dev, 200).Data()
		if v, ok := me["virtualPhoneNumber"]; !ok || v != nil || me["plan"] == nil {
			t.Errorf("profile = %v, want plan and virtualPhoneNumber null", me)
		}
		id := me["id"].(string)
		got := h.Admin("PATCH", "/v1/developers/"+id, `{"virtualPhoneNumber":"+999482918102"}`, 200).Data()
		if got["virtualPhoneNumber"] != "+999482918102" || got["plan"].(map[string]any)["maxProjects"] != 10.0 {
			t.Errorf("after setting the number: %v, want it with the plan unchanged", got)
		}
		if me := get(h, "/v1/developer/me", dev, 200).Data(); me["virtualPhoneNumber"] != "+999482918102" {
			t.Errorf("the developer sees %v", me["virtualPhoneNumber"])
		}
		for _, tc := range []struct {
			name, method, path, token, body string
			status                          int
			code, field                     string
		}{
			{"the developer changes it", "PATCH", "/v1/developer/me", dev, `{"virtualPhoneNumber":"+15555550100"}`, 400, "INVALID_PARAMETER", "virtualPhoneNumber"},
			{"the developer changes the plan", "PATCH", "/v1/developer/me", dev, `{"plan":{"maxProjects":99}}`, 400, "INVALID_PARAMETER", "plan"},
			{"the developer sets it as the operator", "PATCH", "/v1/developers/" + id, dev, `{"virtualPhoneNumber":"+15555550100"}`, 403, "FORBIDDEN", ""},
			{"not E.164: spaces", "PATCH", "/v1/developers/" + id, dialecttest.AdminToken, `{"virtualPhoneNumber":"+999 482 918 102"}`, 400, "INVALID_PHONE", "virtualPhoneNumber"},
			{"not E.164: no plus", "PATCH", "/v1/developers/" + id, dialecttest.AdminToken, `{"virtualPhoneNumber":"999482918102"}`, 400, "INVALID_PHONE", "virtualPhoneNumber"},
			{"not E.164: too long", "PATCH", "/v1/developers/" + id, dialecttest.AdminToken, `{"virtualPhoneNumber":"+9994829181021234"}`, 400, "INVALID_PHONE", "virtualPhoneNumber"},
			{"not E.164: leading zero", "PATCH", "/v1/developers/" + id, dialecttest.AdminToken, `{"virtualPhoneNumber":"+0123456789"}`, 400, "INVALID_PHONE", "virtualPhoneNumber"},
			{"not a string", "PATCH", "/v1/developers/" + id, dialecttest.AdminToken, `{"virtualPhoneNumber":999482918102}`, 400, "INVALID_PARAMETER", "virtualPhoneNumber"},
			{"nothing to change", "PATCH", "/v1/developers/" + id, dialecttest.AdminToken, `{}`, 400, "INVALID_PARAMETER", "plan"},
			{"an unknown developer", "PATCH", "/v1/developers/dev_nope", dialecttest.AdminToken, `{"virtualPhoneNumber":"+999482918102"}`, 404, "NOT_FOUND", ""},
		} {
			r := h.Do(dialecttest.Request{Method: tc.method, Path: tc.path, Header: bearerHeader(tc.token), Body: tc.body})
			e, _ := r.Body["error"].(map[string]any)
			d, _ := e["details"].(map[string]any)
			if r.Status != tc.status || e["code"] != tc.code || (tc.field != "" && d["field"] != tc.field) {
				t.Errorf("%s: %d %s, want %d %s on %q", tc.name, r.Status, r.Raw, tc.status, tc.code, tc.field)
			}
		}
		if me := get(h, "/v1/developer/me", dev, 200).Data(); me["virtualPhoneNumber"] != "+999482918102" {
			t.Errorf("after the refused changes: %v", me["virtualPhoneNumber"])
		}
		if l := h.Admin("GET", "/v1/developers", "", 200).Body["data"].([]any); l[0].(map[string]any)["virtualPhoneNumber"] != "+999482918102" {
			t.Errorf("the operator's list shows %v", l[0])
		}
		if got := h.Admin("PATCH", "/v1/developers/"+id, `{"virtualPhoneNumber":""}`, 200).Data(); got["virtualPhoneNumber"] != nil {
			t.Errorf("after removing it: %v", got["virtualPhoneNumber"])
		}
	})
}

// TestPerApplicationLimitsNative: the project's per-application limits
// apply to the native API too (sends and checks); without them the native
// API has none; they are validated in the policy.
func TestPerApplicationLimitsNative(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newConsoleHarness(t, engine)
		free := h.CreateApp("test", "")
		if p := h.Admin("GET", "/v1/projects/"+free.ProjectID, "", 200).Data()["policy"].(map[string]any); p["appSendsPerMinute"] != 0.0 || p["appChecksPerMinute"] != 0.0 {
			t.Errorf("default policy = %v, want no per-application limits", p)
		}
		for range 12 {
			r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications", Header: bearerHeader(free.APIKey), Body: `{"to":"+999 482 918 102"}`})
			if r.Status != 201 || r.Header.Get("X-RateLimit-Limit") != "1000" {
				t.Fatalf("send without a per-application limit: %d %s (limit %s)", r.Status, r.Raw, r.Header.Get("X-RateLimit-Limit"))
			}
			h.Clock.Advance(6 * time.Second) // within the destination's limit of 10 a minute
		}

		app := h.CreateApp("test", `{"appSendsPerMinute":2,"appChecksPerMinute":1}`)
		var id string
		for i := range 2 {
			r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications", Header: bearerHeader(app.APIKey), Body: `{"to":"+14155552671"}`})
			if r.Status != 201 || r.Header.Get("X-RateLimit-Limit") != "2" {
				t.Fatalf("send %d: %d %s (limit %s)", i+1, r.Status, r.Raw, r.Header.Get("X-RateLimit-Limit"))
			}
			id = r.Data()["id"].(string)
		}
		r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications", Header: bearerHeader(app.APIKey), Body: `{"to":"+14155552671"}`})
		if e, _ := r.Body["error"].(map[string]any); r.Status != 429 || e["code"] != "RATE_LIMITED" || r.Header.Get("Retry-After") == "" || r.Header.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("3rd send: %d %s, want 429 RATE_LIMITED with Retry-After", r.Status, r.Raw)
		}
		check := func(path, body string) dialecttest.Response {
			return h.Do(dialecttest.Request{Method: "POST", Path: path, Header: bearerHeader(app.APIKey), Body: body})
		}
		if r := check("/v1/verifications/"+id+"/check", `{"code":"0"}`); r.Status != 200 || r.Header.Get("X-RateLimit-Limit") != "1" {
			t.Errorf("1st check: %d %s", r.Status, r.Raw)
		}
		if r := check("/v1/verifications/"+id+"/check", `{"code":"0"}`); r.Status != 429 {
			t.Errorf("2nd check: %d %s, want 429", r.Status, r.Raw)
		}
		if r := check("/v1/verifications/check", `{"to":"+14155552671","code":"0"}`); r.Status != 429 {
			t.Errorf("check by destination: %d %s, want 429", r.Status, r.Raw)
		}

		for _, body := range []string{`{"policy":{"appSendsPerMinute":-1}}`, `{"policy":{"appChecksPerMinute":100001}}`} {
			r := h.Do(dialecttest.Request{Method: "PATCH", Path: "/v1/projects/" + app.ProjectID, Header: bearerHeader(dialecttest.AdminToken), Body: body})
			e, _ := r.Body["error"].(map[string]any)
			d, _ := e["details"].(map[string]any)
			if r.Status != 400 || e["code"] != "INVALID_PARAMETER" || !strings.HasPrefix(d["field"].(string), "policy.app") {
				t.Errorf("PATCH %s: %d %s, want 400 on the policy field", body, r.Status, r.Raw)
			}
		}
	})
}
