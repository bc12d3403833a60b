package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// The API-key endpoints run on both engines, through dialecttest's
// in-process otpd (the native API alone), from 127.0.0.1.

// keysClient calls the native API of a dialecttest harness with a token.
type keysClient struct {
	t *testing.T
	h *dialecttest.Harness
}

func (c keysClient) call(method, path, token, body string, headers ...string) dialecttest.Response {
	c.t.Helper()
	hdr := http.Header{}
	if token != "" {
		hdr.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		hdr.Set(headers[i], headers[i+1])
	}
	return c.h.Do(dialecttest.Request{Method: method, Path: path, Header: hdr, Body: body})
}

func (c keysClient) must(r dialecttest.Response, want int) dialecttest.Response {
	c.t.Helper()
	if r.Status != want {
		c.t.Fatalf("status %d, want %d: %s", r.Status, want, r.Raw)
	}
	return r
}

// createKey creates an API key of app and returns the answer's data.
func (c keysClient) createKey(app, token, body string) map[string]any {
	c.t.Helper()
	return c.must(c.call("POST", "/v1/applications/"+app+"/keys", token, body), 201).Data()
}

func errorOf(r dialecttest.Response) (code, field, message string) {
	e, _ := r.Body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = d["field"].(string)
	message, _ = e["message"].(string)
	return code, field, message
}

func listOf(r dialecttest.Response) []map[string]any {
	var out []map[string]any
	raw, _ := r.Body["data"].([]any)
	for _, v := range raw {
		m, _ := v.(map[string]any)
		out = append(out, m)
	}
	return out
}

// TestAPIKeyCreateListRevoke: the request body of the issue creates a
// key shown once; the list shows it masked after the application's own;
// DELETE revokes it and it stops working at once.
func TestAPIKeyCreateListRevoke(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		c := keysClient{t, h}
		app := h.CreateApp("test", "")
		admin := dialecttest.AdminToken

		k := c.createKey(app.ID, admin, `{"scope":"read","allowedIps":["127.0.0.0/8","2001:db8::1"]}`)
		id, _ := k["id"].(string)
		key, _ := k["key"].(string)
		if !strings.HasPrefix(id, "key_") || !strings.HasPrefix(key, "otpd_test_read_") || len(key) != len("otpd_test_read_")+48 {
			t.Fatalf("created key id %q key %q, want key_… and otpd_test_read_ + 48 hex digits", id, key)
		}
		if got, _ := json.Marshal(k["allowedIps"]); string(got) != `["127.0.0.0/8","2001:db8::1/128"]` {
			t.Errorf("allowedIps = %s, want the CIDR forms", got)
		}
		if k["scope"] != "read" || k["preview"] != "otpd_test_read_****"+key[len(key)-4:] || k["primary"] != false ||
			k["createdAt"] == nil || !strings.Contains(k["warning"].(string), "not be shown again") {
			t.Errorf("created key = %v", k)
		}
		full := c.createKey(app.ID, admin, `{"scope":"full","name":"CI"}`)

		list := c.must(c.call("GET", "/v1/applications/"+app.ID+"/keys", admin, ""), 200)
		if strings.Contains(string(list.Raw), key) || strings.Contains(string(list.Raw), full["key"].(string)) || strings.Contains(string(list.Raw), app.APIKey) {
			t.Fatalf("the list shows a key in full: %s", list.Raw)
		}
		keys := listOf(list)
		if len(keys) != 3 {
			t.Fatalf("list = %s, want 3 keys", list.Raw)
		}
		if p := keys[0]; p["id"] != "primary" || p["primary"] != true || p["scope"] != "full" ||
			p["preview"] != "otpd_test_api_****"+app.APIKey[len(app.APIKey)-4:] || len(p["allowedIps"].([]any)) != 0 {
			t.Errorf("first entry = %v, want the application's own key, primary, full, masked, no allow-list", p)
		}
		if keys[1]["id"] != id || keys[2]["id"] != full["id"] || keys[2]["name"] != "CI" || keys[1]["preview"] != k["preview"] {
			t.Errorf("entries = %v, %v; want the read key then the full key", keys[1], keys[2])
		}
		if _, ok := keys[1]["key"]; ok {
			t.Errorf("a listed key has a key field: %v", keys[1])
		}

		// The key works (its application is a sandbox: reads of its inbox).
		c.must(c.call("GET", "/v1/verifications", key, ""), 200)
		c.must(c.call("DELETE", "/v1/applications/"+app.ID+"/keys/"+id, admin, ""), 204)
		r := c.call("GET", "/v1/verifications", key, "")
		if code, _, _ := errorOf(r); r.Status != 401 || code != "UNAUTHENTICATED" {
			t.Errorf("a revoked key: %d %s, want 401 UNAUTHENTICATED at once", r.Status, r.Raw)
		}
		if keys := listOf(c.must(c.call("GET", "/v1/applications/"+app.ID+"/keys", admin, ""), 200)); len(keys) != 2 {
			t.Errorf("%d keys listed after the revocation, want 2", len(keys))
		}
		for _, tc := range []struct {
			keyID, code string
			status      int
		}{
			{id, "NOT_FOUND", 404},
			{"key_00000000000000000000000000000000", "NOT_FOUND", 404},
			{"primary", "CONFLICT", 409},
		} {
			r := c.call("DELETE", "/v1/applications/"+app.ID+"/keys/"+tc.keyID, admin, "")
			if code, _, msg := errorOf(r); r.Status != tc.status || code != tc.code || msg == "" {
				t.Errorf("DELETE key %s: %d %s, want %d %s", tc.keyID, r.Status, r.Raw, tc.status, tc.code)
			}
		}
		// The application's own key was not touched.
		c.must(c.call("GET", "/v1/verifications", app.APIKey, ""), 200)

		// Console writes are audited.
		audit := string(c.must(c.call("GET", "/v1/audit", admin, ""), 200).Raw)
		for _, action := range []string{"POST /v1/applications/{id}/keys", "DELETE /v1/applications/{id}/keys/{keyId}"} {
			if !strings.Contains(audit, action) {
				t.Errorf("the audit log has no %q: %s", action, audit)
			}
		}
	})
}

// TestReadKeyMayOnlyRead: a read key reads a verification and lists, and
// every call that changes something is 403 with a message saying why.
func TestReadKeyMayOnlyRead(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		c := keysClient{t, h}
		app := h.CreateApp("test", "")
		read := c.createKey(app.ID, dialecttest.AdminToken, `{"scope":"read"}`)["key"].(string)
		v := c.must(c.call("POST", "/v1/verifications", app.APIKey, `{"to":"+14155552671","channel":"sms"}`), 201).Data()
		vid := v["id"].(string)

		for _, path := range []string{"/v1/verifications/" + vid, "/v1/verifications", "/v1/verifications/" + vid + "/messages",
			"/v1/test/messages?to=%2B14155552671", "/v1/users"} {
			r := c.must(c.call("GET", path, read, ""), 200)
			if r.Header.Get("X-RateLimit-Limit") == "" {
				t.Errorf("GET %s with a read key: no rate-limit headers", path)
			}
		}
		for _, tc := range []struct{ path, body string }{
			{"/v1/verifications", `{"to":"+14155552672","channel":"sms"}`},
			{"/v1/verifications/" + vid + "/check", `{"code":"123456"}`},
			{"/v1/verifications/check", `{"to":"+14155552671","code":"123456"}`},
			{"/v1/verifications/" + vid + "/resend", `{}`},
			{"/v1/verifications/" + vid + "/cancel", ``},
		} {
			r := c.call("POST", tc.path, read, tc.body)
			if code, _, msg := errorOf(r); r.Status != 403 || code != "FORBIDDEN" || !strings.Contains(msg, "read-only") {
				t.Errorf("POST %s with a read key: %d %s, want 403 FORBIDDEN saying the key is read-only", tc.path, r.Status, r.Raw)
			}
		}
		r := c.call("POST", "/v1/verifications", read, `{"to":"+14155552672","channel":"sms"}`, "Accept-Language", "ru")
		if _, _, msg := errorOf(r); !strings.Contains(msg, "только для чтения") {
			t.Errorf("the read-only refusal in Russian: %q", msg)
		}
		// Nothing was sent, checked or canceled.
		got := c.must(c.call("GET", "/v1/verifications/"+vid, read, ""), 200).Data()
		if got["status"] != "pending" || got["attempts"] != float64(0) {
			t.Errorf("the verification after the refused calls: %v, want pending with no attempts", got)
		}
		if list := listOf(c.must(c.call("GET", "/v1/verifications", read, ""), 200)); len(list) != 1 {
			t.Errorf("%d verifications, want 1: a read key sent one", len(list))
		}
		// A full extra key of the sandbox application sends like its own,
		// into the test inbox.
		full := c.createKey(app.ID, dialecttest.AdminToken, `{"scope":"full"}`)["key"].(string)
		c.must(c.call("POST", "/v1/verifications", full, `{"to":"+14155552673","channel":"sms"}`), 201)
		if code := h.Code(app, "+14155552673"); len(code) != 6 {
			t.Errorf("test-inbox code %q", code)
		}
	})
}

// TestAllowListedKeys: a key whose allow-list holds the caller
// (127.0.0.1 here) works; one whose list does not is refused as an
// unknown key is, 401 UNAUTHENTICATED.
func TestAllowListedKeys(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		c := keysClient{t, h}
		app := h.CreateApp("test", "")
		admin := dialecttest.AdminToken
		for _, tc := range []struct {
			allowed string
			status  int
		}{
			{`["127.0.0.1"]`, 201},
			{`["127.0.0.0/8"]`, 201},
			{`["203.0.113.0/24","127.0.0.1/32"]`, 201},
			{`["::1","0.0.0.0/0"]`, 201},
			{`["203.0.113.0/24"]`, 401},
			{`["127.0.0.2"]`, 401},
			{`["2001:db8::/32","::1"]`, 401}, // IPv6 only; the caller is IPv4
			{`["::ffff:127.0.0.1"]`, 201},    // the IPv4 address written as IPv6
		} {
			key := c.createKey(app.ID, admin, `{"scope":"full","allowedIps":`+tc.allowed+`}`)["key"].(string)
			r := c.call("POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms"}`)
			code, _, _ := errorOf(r)
			switch {
			case r.Status != tc.status:
				t.Errorf("allow-list %s from 127.0.0.1: %d %s, want %d", tc.allowed, r.Status, r.Raw, tc.status)
			case tc.status == 401 && code != "UNAUTHENTICATED":
				t.Errorf("allow-list %s: code %s, want UNAUTHENTICATED, as for an unknown key", tc.allowed, code)
			case tc.status == 401 && r.Header.Get("X-RateLimit-Limit") != "":
				t.Errorf("allow-list %s: the refusal carries rate-limit headers, as if the key were valid", tc.allowed)
			}
		}
	})
}

// TestAPIKeyBadInput: every wrong request is a 400 naming the field.
func TestAPIKeyBadInput(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		c := keysClient{t, h}
		app := h.CreateApp("live", "")
		many := make([]string, 51)
		for i := range many {
			many[i] = `"10.0.0.` + string(rune('0'+i%10)) + `"`
		}
		for _, tc := range []struct {
			name, body, code, field string
		}{
			{"empty object", `{}`, "INVALID_PARAMETER", "scope"},
			{"unknown scope", `{"scope":"admin"}`, "INVALID_PARAMETER", "scope"},
			{"scope of the wrong type", `{"scope":1}`, "INVALID_PARAMETER", "scope"},
			{"allowedIps not a list", `{"scope":"full","allowedIps":"127.0.0.1"}`, "INVALID_PARAMETER", "allowedIps"},
			{"a hostname", `{"scope":"full","allowedIps":["127.0.0.1","localhost"]}`, "INVALID_PARAMETER", "allowedIps[1]"},
			{"an IPv4 prefix too long", `{"scope":"full","allowedIps":["203.0.113.0/33"]}`, "INVALID_PARAMETER", "allowedIps[0]"},
			{"an IPv6 prefix too long", `{"scope":"full","allowedIps":["2001:db8::/200"]}`, "INVALID_PARAMETER", "allowedIps[0]"},
			{"host bits", `{"scope":"read","allowedIps":["203.0.113.0/24","2001:db8::1/64"]}`, "INVALID_PARAMETER", "allowedIps[1]"},
			{"too many", `{"scope":"full","allowedIps":[` + strings.Join(many, ",") + `]}`, "INVALID_PARAMETER", "allowedIps"},
			{"unknown field", `{"scope":"full","expiresAt":"2030-01-01T00:00:00Z"}`, "INVALID_PARAMETER", "expiresAt"},
			{"name too long", `{"scope":"full","name":"` + strings.Repeat("n", 101) + `"}`, "INVALID_PARAMETER", "name"},
			{"not JSON", `scope=full`, "INVALID_JSON", ""},
		} {
			r := c.call("POST", "/v1/applications/"+app.ID+"/keys", dialecttest.AdminToken, tc.body)
			code, field, msg := errorOf(r)
			if r.Status != 400 || code != tc.code || field != tc.field || msg == "" {
				t.Errorf("%s: %d %s, want 400 %s on %q", tc.name, r.Status, r.Raw, tc.code, tc.field)
			}
		}
		r := c.call("POST", "/v1/applications/"+app.ID+"/keys", dialecttest.AdminToken, `{"scope":"full","allowedIps":["203.0.113.9/24"]}`)
		if _, _, msg := errorOf(r); !strings.Contains(msg, "203.0.113.0/24") {
			t.Errorf("host bits: %q, want the message to name the network 203.0.113.0/24", msg)
		}
		r = c.call("POST", "/v1/applications/"+app.ID+"/keys", dialecttest.AdminToken, `{"scope":"full","allowedIps":["x"]}`, "Accept-Language", "ru")
		if _, _, msg := errorOf(r); !strings.Contains(msg, "allowedIps[0]") || !strings.Contains(msg, "адресом") {
			t.Errorf("a bad address in Russian: %q", msg)
		}
		r = c.call("POST", "/v1/applications/app_00000000000000000000000000000000/keys", dialecttest.AdminToken, `{"scope":"full"}`)
		if code, _, _ := errorOf(r); r.Status != 404 || code != "NOT_FOUND" {
			t.Errorf("an unknown application: %d %s, want 404", r.Status, r.Raw)
		}
		if keys := listOf(c.must(c.call("GET", "/v1/applications/"+app.ID+"/keys", dialecttest.AdminToken, ""), 200)); len(keys) != 1 {
			t.Errorf("%d keys after the refused requests, want only the application's own", len(keys))
		}
		// The bound: 20 keys besides the application's own.
		for range 20 {
			c.createKey(app.ID, dialecttest.AdminToken, `{"scope":"read"}`)
		}
		r = c.call("POST", "/v1/applications/"+app.ID+"/keys", dialecttest.AdminToken, `{"scope":"read"}`)
		if code, _, msg := errorOf(r); r.Status != 409 || code != "CONFLICT" || !strings.Contains(msg, "20") {
			t.Errorf("key 21: %d %s, want 409 CONFLICT naming the bound", r.Status, r.Raw)
		}
	})
}

// TestAPIKeysOfAnotherDeveloper: a developer neither lists, creates nor
// revokes the keys of another's application (404, as for an unknown
// one), and a key of B's application cannot reach A's verifications.
func TestAPIKeysOfAnotherDeveloper(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		c := keysClient{t, h}
		session := func(email string) string {
			h.Admin("POST", "/v1/developers", `{"email":"`+email+`","password":"correct horse battery"}`, 201)
			r := c.must(c.call("POST", "/v1/auth/login", "", `{"email":"`+email+`","password":"correct horse battery"}`), 200)
			return r.Data()["token"].(string)
		}
		appOf := func(token string) (id, apiKey string) {
			p := c.must(c.call("POST", "/v1/projects", token, `{"name":"p"}`), 201).Data()["id"].(string)
			d := c.must(c.call("POST", "/v1/applications", token, `{"name":"a","projectId":"`+p+`","environment":"test"}`), 201).Data()
			return d["id"].(string), d["apiKey"].(string)
		}
		a, b := session("a@example.com"), session("b@example.com")
		appA, keyA := appOf(a)
		appB, _ := appOf(b)
		ka := c.createKey(appA, a, `{"scope":"full"}`)
		kb := c.createKey(appB, b, `{"scope":"read"}`)
		vid := c.must(c.call("POST", "/v1/verifications", keyA, `{"to":"+14155552671","channel":"sms"}`), 201).Data()["id"].(string)

		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/v1/applications/" + appA + "/keys", ""},
			{"POST", "/v1/applications/" + appA + "/keys", `{"scope":"full"}`},
			{"DELETE", "/v1/applications/" + appA + "/keys/" + ka["id"].(string), ""},
			{"DELETE", "/v1/applications/" + appA + "/keys/primary", ""},
			// A's key named through B's own application.
			{"DELETE", "/v1/applications/" + appB + "/keys/" + ka["id"].(string), ""},
		} {
			r := c.call(tc.method, tc.path, b, tc.body)
			if code, _, _ := errorOf(r); r.Status != 404 || code != "NOT_FOUND" || strings.Contains(string(r.Raw), appA) {
				t.Errorf("B: %s %s: %d %s, want 404 NOT_FOUND", tc.method, tc.path, r.Status, r.Raw)
			}
		}
		r := c.call("GET", "/v1/verifications/"+vid, kb["key"].(string), "")
		if r.Status != 404 {
			t.Errorf("B's read key on A's verification: %d %s, want 404", r.Status, r.Raw)
		}
		// A's key still works, and A still sees both of its keys.
		c.must(c.call("GET", "/v1/verifications/"+vid, ka["key"].(string), ""), 200)
		if keys := listOf(c.must(c.call("GET", "/v1/applications/"+appA+"/keys", a, ""), 200)); len(keys) != 2 {
			t.Errorf("A has %d keys after B's attempts, want 2", len(keys))
		}
	})
}

// TestDeletingAnApplicationRevokesItsKeys: its keys stop at once.
func TestDeletingAnApplicationRevokesItsKeys(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		c := keysClient{t, h}
		app := h.CreateApp("test", "")
		key := c.createKey(app.ID, dialecttest.AdminToken, `{"scope":"read"}`)["key"].(string)
		c.must(c.call("GET", "/v1/verifications", key, ""), 200)
		h.Admin("DELETE", "/v1/applications/"+app.ID, "", 204)
		if r := c.call("GET", "/v1/verifications", key, ""); r.Status != 401 {
			t.Errorf("a deleted application's key: %d %s, want 401", r.Status, r.Raw)
		}
	})
}
