package kotp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/dialect/kotp"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// K-OTP's error codes and the statuses its document and docs/dialects.md give them.
var errorStatus = map[string]int{
	"INVALID_REQUEST": 400, "INVALID_PARAMETER": 400, "INVALID_PHONE": 400, "INVALID_EMAIL": 400,
	"INVALID_API_KEY": 401, "INSUFFICIENT_CREDITS": 402, "QUOTA_EXCEEDED": 402, "FORBIDDEN": 403,
	"OTP_NOT_FOUND": 404, "METHOD_NOT_ALLOWED": 405, "CONFLICT": 409, "PAYLOAD_TOO_LARGE": 413,
	"UNSUPPORTED_MEDIA_TYPE": 415, "RATE_LIMITED": 429, "OTP_EXPIRED": 400, "INVALID_CODE": 400,
	"MAX_ATTEMPTS": 400, "OTP_ALREADY_VERIFIED": 400, "OTP_CANCELED": 400,
}

// FuzzRequests throws arbitrary bodies, query strings and languages at
// K-OTP's four endpoints on one otpd (SQLite, a sandbox application):
// never a 5xx; every error in K-OTP's shape with a code of its table, a
// message and details; a send answered 200 only for a body whose to,
// method and type are valid, with to as otpd reads it; a verify answered
// 200 only for the right code of an OTP the target sent.
func FuzzRequests(f *testing.F) {
	h := dialecttest.New(f, dialecttest.Options{Dialects: func(svc *otp.Service) []api.Dialect {
		return []api.Dialect{kotp.New(svc, nil)}
	}})
	app := h.CreateApp("test", "")
	// issued are the OTPs sent here by id, with their codes: a verify may
	// succeed only with one of them. The clock moves a minute per input,
	// so a new one is sent every few inputs, before the last expires.
	issued := map[string]string{}
	issue := func() (id, code string) {
		sent := h.Serve(request("POST", "/v1/send", app.APIKey, `{"to":"+14155552671","method":"sms","type":"verification","ttl":900}`, "en"))
		id, _ = sent.Body["id"].(string)
		if codes, err := h.Codes(app, "+14155552671"); err == nil && len(codes) > 0 && sent.Status == 200 {
			issued[id] = codes[0]
		}
		return id, issued[id]
	}
	id, code := issue()
	if code == "" {
		f.Fatal("the first send failed")
	}

	const (
		routeSend = iota
		routeVerify
		routeStatus
		routeList
		routes
	)
	for _, body := range []string{
		`{"id":"` + id + `","code":"` + code + `"}`, `{"id":"` + id + `","code":"000000"}`, seedSend, `{"to":"+14155552671","method":"sms","type":"verification"}`,
		`{"to":"user@example.com","method":"email","type":"two_factor","ttl":900,"length":8}`,
		`{"to":"+14155552671","method":"voice","type":"transaction","metadata":{"amount":"12.50","payee":"Shop"}}`,
		`{"to":"+14155552671","method":"sms","type":"verification","ttl":300.5}`, `{"to":"+14155552671","method":"sms","type":"verification","length":"6"}`,
		`{"id":"otp_1234567890abcdef","code":"123456"}`, `{"id":"ver_` + strings.TrimPrefix(id, "otp_") + `","code":"` + code + `"}`,
		`{"to":"+1 (415) 555-2671","method":"sms","type":"verification","template":"default"}`,
		`[]`, `null`, `{"to":`, "", `{"metadata":"` + strings.Repeat("a", 2000) + `"}`,
	} {
		for route := range uint8(routes) {
			f.Add(route, body, "", "en")
		}
	}
	for _, query := range []string{
		"limit=20&offset=0", "limit=100&method=sms&status=delivered", "from=2024-01-15&to=2024-01-15T10:30:00Z",
		"from=2024-01-15T10:30:00,5Z&to=2026-12-31T23:59:59.999+03:00", "limit=0", "limit=1e2", "offset=-1", "status=unknown",
		"from=2024-01-15T13:30:00+03:00", "%zz", strings.TrimPrefix(id, "otp_"), id, "ver_1", "otp_",
	} {
		f.Add(uint8(routeList), "", query, "en")
		f.Add(uint8(routeStatus), "", query, "ru")
	}

	inputs := 0
	f.Fuzz(func(t *testing.T, route uint8, body, query, lang string) {
		h.Clock.Advance(time.Minute) // a fresh minute of every rate limit
		if inputs++; inputs%4 == 0 {
			issue()
		}
		var r *http.Request
		switch route % routes {
		case routeSend:
			r = request("POST", "/v1/send", app.APIKey, body, lang)
		case routeVerify:
			r = request("POST", "/v1/verify", app.APIKey, body, lang)
		case routeStatus:
			if query == "" {
				query = "-" // GET /v1/status/ is no route of K-OTP's
			}
			r = request("GET", "/v1/status/"+url.PathEscape(query), app.APIKey, "", lang)
		default:
			r = request("GET", "/v1/otps", app.APIKey, "", lang)
			r.URL.RawQuery = query
		}
		res := h.Serve(r)
		if res.Status >= 500 || res.Status < 200 {
			t.Fatalf("%s %s %q: status %d: %s", r.Method, r.URL, body, res.Status, res.Raw)
		}
		if res.Body == nil {
			t.Fatalf("%s %s %q: answer is not a JSON object: %s", r.Method, r.URL, body, res.Raw)
		}
		if res.Status >= 400 {
			checkError(t, r, res)
			return
		}
		switch route % routes {
		case routeSend:
			checkSent(t, body, res)
		case routeVerify:
			var req struct{ ID, Code string }
			json.Unmarshal([]byte(body), &req)
			want, ok := issued["otp_"+strings.TrimPrefix(strings.TrimPrefix(req.ID, "otp_"), "ver_")]
			if !ok || !dialecttest.SameCode(req.Code, want) {
				t.Fatalf("verify %q: 200 without the right code: %s", body, res.Raw)
			}
		case routeList:
			q, _ := url.ParseQuery(query)
			p, _ := res.Body["pagination"].(map[string]any)
			if limit, err := strconv.Atoi(q.Get("limit")); err == nil && p["limit"] != float64(limit) {
				t.Fatalf("list %q: pagination %v", query, p)
			}
		}
	})
}

// request is a K-OTP request with key as its Bearer key.
func request(method, path, key, body, lang string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+key)
	r.Header.Set("Accept-Language", lang)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

// checkError fails unless res is K-OTP's error shape with a documented
// code of its status, a message and details.
func checkError(t *testing.T, r *http.Request, res dialecttest.Response) {
	t.Helper()
	e, _ := res.Body["error"].(map[string]any)
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	_, details := e["details"].(map[string]any)
	if len(res.Body) != 1 || strings.TrimSpace(msg) == "" || !details {
		t.Fatalf("%s %s: %d %s is not K-OTP's error shape", r.Method, r.URL, res.Status, res.Raw)
	}
	if want, ok := errorStatus[code]; !ok || want != res.Status {
		t.Fatalf("%s %s: error code %q with status %d: %s", r.Method, r.URL, code, res.Status, res.Raw)
	}
}

// checkSent fails unless a send answered 200 was a valid send: a JSON
// object with to (a destination otpd reads as the answer's to), one of
// the three methods and one of the four types.
func checkSent(t *testing.T, body string, res dialecttest.Response) {
	t.Helper()
	var req struct{ To, Method, Type string }
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("send %q: 200 for a body that is not JSON: %s", body, res.Raw)
	}
	d, err := otp.ParseDestination(req.To, "to")
	if err != nil || res.Body["to"] != d.Value {
		t.Fatalf("send %q: 200 with to %v; otpd reads to as %+v, %v", body, res.Body["to"], d, err)
	}
	if !strings.Contains(" sms email voice ", " "+req.Method+" ") || req.Method == "" || res.Body["method"] != req.Method {
		t.Fatalf("send %q: 200 for method %q: %s", body, req.Method, res.Raw)
	}
	if !strings.Contains(" verification two_factor password_reset transaction ", " "+req.Type+" ") || req.Type == "" {
		t.Fatalf("send %q: 200 for type %q: %s", body, req.Type, res.Raw)
	}
}
