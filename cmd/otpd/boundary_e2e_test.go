package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestBoundaryAnswersThroughTheServer runs otpd serve and checks what the
// handler chain of serve.go adds at the boundary: a JSON body accepted
// under curl -d's form Content-Type and a form body refused with 415,
// for the native API and each dialect that expects JSON; headers over
// the documented limit refused in JSON (431), not by Go's plain text.
func TestBoundaryAnswersThroughTheServer(t *testing.T) {
	url, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	st, p := call(t, "POST", url+"/v1/projects", testAdminToken, map[string]any{"name": "boundary"})
	if st != 201 {
		t.Fatalf("create project: %d %v", st, p)
	}
	st, a := call(t, "POST", url+"/v1/applications", testAdminToken, map[string]any{"name": "b", "projectId": data(p)["id"], "environment": "test"})
	if st != 201 {
		t.Fatalf("create application: %d %v", st, a)
	}
	app := data(a)
	key := app["apiKey"].(string)
	native := []string{"Authorization", "Bearer " + key}
	kotpAuth := native
	cobinarAuth := []string{"x-client-id", app["clientId"].(string), "x-client-secret", app["clientSecret"].(string), "x-api-key", key}

	do := func(method, path, body string, headers ...string) (int, string, http.Header) {
		t.Helper()
		req, err := http.NewRequest(method, url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	const form = "application/x-www-form-urlencoded"
	for _, c := range []struct {
		name, path, json, form string
		auth                   []string
	}{
		{"native", "/v1/verifications", `{"to":"+14155550101","channel":"sms"}`, "to=%2B14155550101&channel=sms", native},
		{"K-OTP", "/v1/send", `{"to":"+14155550102","method":"sms","type":"verification"}`, "to=%2B14155550102&method=sms&type=verification", kotpAuth},
		{"Cobinar", "/v1/otp/send", `{"phone":"+14155550103"}`, "phone=%2B14155550103", cobinarAuth},
	} {
		if st, body, _ := do("POST", c.path, c.json, append([]string{"Content-Type", form}, c.auth...)...); st < 200 || st > 299 {
			t.Errorf("%s: a JSON body labelled as a form (curl -d): %d %s, want 2xx", c.name, st, body)
		}
		st, body, _ := do("POST", c.path, c.form, append([]string{"Content-Type", form}, c.auth...)...)
		if st != http.StatusUnsupportedMediaType || !strings.Contains(body, "UNSUPPORTED_MEDIA_TYPE") || !strings.Contains(body, "must be JSON") {
			t.Errorf("%s: a form body: %d %s, want 415 UNSUPPORTED_MEDIA_TYPE saying the body must be JSON", c.name, st, body)
		}
	}

	// Headers: over the documented limit, otpd's own JSON 431.
	st, body, h := do("GET", "/v1/health", "", "X-Padding", strings.Repeat("a", 100<<10))
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if st != http.StatusRequestHeaderFieldsTooLarge || !strings.HasPrefix(h.Get("Content-Type"), "application/json") ||
		json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != "REQUEST_HEADERS_TOO_LARGE" {
		t.Errorf("100 KiB of headers: %d %s %s, want a JSON 431 REQUEST_HEADERS_TOO_LARGE", st, h.Get("Content-Type"), body)
	}
	if st, body, _ := do("GET", "/v1/health", "", "X-Padding", strings.Repeat("a", 32<<10)); st != http.StatusOK {
		t.Errorf("32 KiB of headers: %d %s, want 200", st, body)
	}
	// The console: a JSON 404 for what is not one of its files.
	if st, body, h := do("GET", "/console/no/such/page", ""); st != http.StatusNotFound || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("console 404: %d %s %s, want JSON", st, h.Get("Content-Type"), body)
	}
	// Bad text through the whole chain: 400, not the 500 PostgreSQL gave.
	if st, body, _ := do("POST", "/v1/auth/login", `{"email":"a\u0000@x.com","password":"0123456789"}`); st != http.StatusBadRequest || !strings.Contains(body, `"field":"email"`) {
		t.Errorf("NUL in the login email: %d %s, want 400 naming email", st, body)
	}
}
