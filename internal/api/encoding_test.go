package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/dialect/cobinar"
	"github.com/otpd/otpd/internal/dialect/kodmobi"
	"github.com/otpd/otpd/internal/dialect/kookoo"
	"github.com/otpd/otpd/internal/dialect/kotp"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// newDialectServer is the native API with every wire dialect, as
// cmd/otpd serves them, over engine's store.
func newDialectServer(t *testing.T, engine string) http.Handler {
	return dialecttest.New(t, dialecttest.Options{Engine: engine, Dialects: func(svc *otp.Service) []api.Dialect {
		return []api.Dialect{kotp.New(svc, nil), kookoo.New(svc, nil), cobinar.New(svc, nil), kodmobi.New(svc, nil)}
	}}).Handler
}

// TestBadTextRefusedAtTheBoundary sends a NUL byte or bytes that are not
// UTF-8 in each place a request carries text (path, query string, data
// headers, JSON and form bodies) to every route family, on both engines:
// each is a 400 in the shape of the API it was for, naming the place,
// never a 500 (PostgreSQL refuses such text) nor a stored NUL (SQLite).
func TestBadTextRefusedAtTheBoundary(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	cases := []struct {
		name, method, target, body string
		headers                    []string
		// want are fragments of the answer: its code or status line,
		// and the place named.
		want []string
	}{
		// The native API, unauthenticated and authenticated routes alike.
		{"login email with NUL", "POST", "/v1/auth/login", `{"email":"a\u0000@x.com","password":"0123456789"}`, nil,
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"email"`, `"in":"body"`}},
		{"NUL in path", "GET", "/v1/verifications/%00", "", []string{"Authorization", "Bearer " + dialecttest.AdminToken},
			[]string{`"code":"INVALID_PARAMETER"`, `"in":"path"`, "The request path holds a NUL character"}},
		{"invalid UTF-8 in path", "GET", "/v1/projects/%ff", "", []string{"Authorization", "Bearer " + dialecttest.AdminToken},
			[]string{`"code":"INVALID_PARAMETER"`, `"in":"path"`, "is not valid UTF-8"}},
		{"invalid UTF-8 in cursor", "GET", "/v1/logs?cursor=%ff", "", nil,
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"cursor"`, `"in":"query"`}},
		{"NUL in a query parameter's name", "GET", "/v1/verifications?a%00=1", "", nil,
			[]string{`"code":"INVALID_PARAMETER"`, `"in":"query"`}},
		{"raw invalid UTF-8 in a JSON body", "POST", "/v1/verifications", "{\"to\":\"\xff\",\"channel\":\"sms\"}", nil,
			[]string{`"code":"INVALID_PARAMETER"`, `"in":"body"`, "The request body is not valid UTF-8"}},
		{"raw NUL in a JSON body", "POST", "/v1/projects", "{\"name\":\"a\x00\"}", []string{"Authorization", "Bearer " + dialecttest.AdminToken},
			[]string{`"code":"INVALID_PARAMETER"`, `"in":"body"`}},
		{"NUL escape in a map key", "POST", "/v1/verifications", `{"to":"+14155552671","metadata":{"k\u0000":"v"}}`, nil,
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"metadata.\"k\\x00\""`, "in a key"}},
		{"NUL escape deep in an array", "POST", "/v1/verifications", `{"to":"+14155552671","fallback":[{"channel":"sms"},{"channel":"voice","to":"\u0000"}]}`, nil,
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"fallback[1].to"`}},
		{"NUL escape under a form content type", "POST", "/v1/projects", `{"name":"\u0000"}`, []string{"Authorization", "Bearer " + dialecttest.AdminToken, "Content-Type", form},
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"name"`}},
		{"NUL in a form body", "POST", "/v1/verifications", "to=%00", []string{"Content-Type", form},
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"to"`, `"in":"body"`}},
		{"invalid UTF-8 Idempotency-Key", "POST", "/v1/verifications", `{"to":"+14155552671"}`, []string{"Idempotency-Key", "k\xff"},
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"Idempotency-Key"`, `"in":"header"`}},
		{"invalid UTF-8 API key", "GET", "/v1/verifications", "", []string{"Authorization", "Bearer otpd_test_api_\xff"},
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"Authorization"`}},
		// K-OTP: its own error shape.
		{"K-OTP send with NUL", "POST", "/v1/send", `{"phone":"+14155552671","code":"\u0000"}`, []string{"Authorization", "Bearer x"},
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"code"`}},
		{"K-OTP status with NUL in the id", "GET", "/v1/status/%00", "", []string{"Authorization", "Bearer x"},
			[]string{`"code":"INVALID_PARAMETER"`}},
		{"K-OTP list with invalid UTF-8", "GET", "/v1/otps?status=%ff", "", []string{"Authorization", "Bearer x"},
			[]string{`"code":"INVALID_PARAMETER"`}},
		// Cobinar: the native shape.
		{"Cobinar send with NUL", "POST", "/v1/otp/send", `{"phone":"\u0000"}`, nil,
			[]string{`"code":"INVALID_PARAMETER"`, `"field":"phone"`}},
		// KooKoo: a 400 with its body, for a query string and a form.
		{"KooKoo query with NUL", "GET", "/api/v1/TwoFactor/smsotp?apikey=k&phone_no=%00", "", nil,
			[]string{`"status":"Error"`, "Malformed Request: Query parameter phone_no holds a NUL character"}},
		{"KooKoo form with invalid UTF-8", "POST", "/api/v1/TwoFactor/verifyotp", "apikey=k&otp=%ff", []string{"Content-Type", form},
			[]string{`"status":"Error"`, "Body field otp is not valid UTF-8"}},
		// kod.mobi: ERROR_BAD_REQUEST with the field in errors.
		{"kod.mobi create with NUL", "POST", "/v2/create", `{"phone":"\u0000"}`, nil,
			[]string{`"sys_message":"ERROR_BAD_REQUEST"`, `"errors":{"phone"`}},
		{"kod.mobi legacy query with invalid UTF-8", "GET", "/api/v1/message/check?code=%ff", "", nil,
			[]string{`"sys_message":"ERROR_BAD_REQUEST"`, `"errors":{"code"`}},
	}
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newDialectServer(t, engine)
		for _, c := range cases {
			req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			for i := 0; i+1 < len(c.headers); i += 2 {
				req.Header.Set(c.headers[i], c.headers[i+1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", c.name, rec.Code, body)
				continue
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Errorf("%s: answer is not JSON: %q", c.name, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: answer %s lacks %s", c.name, strings.TrimSpace(body), w)
				}
			}
		}
	})
}

// TestTextThatOnlyLooksBadIsServed: an escaped backslash before u0000,
// a percent sign in JSON under a form content type, and text beyond
// ASCII are text, and reach the handler (here, its 401).
func TestTextThatOnlyLooksBadIsServed(t *testing.T) {
	h := newDialectServer(t, "sqlite")
	for _, c := range []struct{ body, contentType string }{
		{`{"to":"\\u0000"}`, ""},
		{`{"to":"100%00"}`, "application/x-www-form-urlencoded"},
		{`{"to":"Zoë \ud83d\ude00 ✓"}`, "application/json"},
	} {
		req := httptest.NewRequest("POST", "/v1/verifications?note=%C3%AB", strings.NewReader(c.body))
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401: %s", c.body, rec.Code, rec.Body)
		}
	}
}
