package twiliotest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/provider/twilio/twiliotest"
)

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func do(t *testing.T, s *twiliotest.Server, method, path, user, pass string, form url.Values) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			a.body = map[string]any{"raw": string(raw)}
		}
	}
	return a
}

// twilioError is the error body Twilio documents.
func twilioError(status, code int) map[string]string {
	return map[string]string{"status": strconv.Itoa(status), "code": strconv.Itoa(code)}
}

func errorOf(a answer) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"status", "code"} {
		if v, ok := a.body[k].(float64); ok {
			out[k] = strconv.Itoa(int(v))
		}
	}
	return out
}

func TestRequestValidation(t *testing.T) {
	s := twiliotest.NewServer(t)
	messages := "/2010-04-01/Accounts/" + s.AccountSID + "/Messages.json"
	calls := "/2010-04-01/Accounts/" + s.AccountSID + "/Calls.json"
	tests := []struct {
		name       string
		method     string
		path       string
		user, pass string
		form       url.Values
		status     int
		code       int // 0: a success
	}{
		{"no credentials", "POST", messages, "", "", url.Values{"To": {"+447700900123"}}, 401, 20003},
		{"wrong token", "POST", messages, s.AccountSID, "wrong", url.Values{"To": {"+447700900123"}}, 401, 20003},
		{"another account", "GET", "/2010-04-01/Accounts/AC00000000000000000000000000000000.json", s.AccountSID, s.AuthToken, nil, 404, 20404},
		{"unknown resource", "GET", "/2010-04-01/Accounts/" + s.AccountSID + "/Nope.json", s.AccountSID, s.AuthToken, nil, 404, 20404},
		{"message without To", "POST", messages, s.AccountSID, s.AuthToken, url.Values{"From": {"+15005550006"}, "Body": {"hi"}}, 400, 21604},
		{"message without sender", "POST", messages, s.AccountSID, s.AuthToken, url.Values{"To": {"+447700900123"}, "Body": {"hi"}}, 400, 21603},
		{"message without body", "POST", messages, s.AccountSID, s.AuthToken, url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}}, 400, 21602},
		{"message to magic unsubscribed", "POST", messages, s.AccountSID, s.AuthToken, url.Values{"To": {"+15005550004"}, "From": {"+15005550006"}, "Body": {"hi"}}, 400, 21610},
		{"message", "POST", messages, s.AccountSID, s.AuthToken, url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Body": {"hi"}}, 201, 0},
		{"call without From", "POST", calls, s.AccountSID, s.AuthToken, url.Values{"To": {"+447700900123"}, "Twiml": {"<Response/>"}}, 400, 21213},
		{"call without TwiML", "POST", calls, s.AccountSID, s.AuthToken, url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}}, 400, 21205},
		{"call with broken TwiML", "POST", calls, s.AccountSID, s.AuthToken, url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Twiml": {"<Response><Say>a & b</Say></Response>"}}, 400, 12100},
		{"call with bad event", "POST", calls, s.AccountSID, s.AuthToken, url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Twiml": {"<Response/>"}, "StatusCallbackEvent": {"done"}}, 400, 21626},
		{"call", "POST", calls, s.AccountSID, s.AuthToken, url.Values{"To": {"+447700900123"}, "From": {"+15005550006"}, "Twiml": {"<Response><Say>hi</Say></Response>"}}, 201, 0},
		{"account", "GET", "/2010-04-01/Accounts/" + s.AccountSID + ".json", s.AccountSID, s.AuthToken, nil, 200, 0},
	}
	for _, tt := range tests {
		a := do(t, s, tt.method, tt.path, tt.user, tt.pass, tt.form)
		if tt.code == 0 {
			if a.status != tt.status || a.body["sid"] == nil {
				t.Errorf("%s: %d %v, want %d with a sid", tt.name, a.status, a.body, tt.status)
			}
			continue
		}
		if diff := cmp.Diff(twilioError(tt.status, tt.code), errorOf(a)); diff != "" || a.status != tt.status {
			t.Errorf("%s: HTTP %d, error body (-want +got):\n%s", tt.name, a.status, diff)
		}
		if a.body["message"] == "" || !strings.HasSuffix(a.body["more_info"].(string), strconv.Itoa(tt.code)) {
			t.Errorf("%s: body %v lacks Twilio's message or more_info", tt.name, a.body)
		}
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("%d messages recorded, want 1", got)
	}
	calls2 := s.Calls()
	if len(calls2) != 1 {
		t.Fatalf("%d calls recorded, want 1", len(calls2))
	}
	if diff := cmp.Diff([]twiliotest.Verb{{Name: "Say", Text: "hi"}}, calls2[0].Verbs); diff != "" {
		t.Errorf("parsed TwiML (-want +got):\n%s", diff)
	}
}

func TestAuthenticateHeader(t *testing.T) {
	s := twiliotest.NewServer(t)
	a := do(t, s, "GET", "/2010-04-01/Accounts/"+s.AccountSID+".json", "", "", nil)
	if got := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic") {
		t.Errorf("WWW-Authenticate = %q, want a Basic challenge", got)
	}
}

func TestFailNext(t *testing.T) {
	s := twiliotest.NewServer(t)
	path := "/2010-04-01/Accounts/" + s.AccountSID + ".json"
	s.FailNext(2, twiliotest.Throttled("5"))
	s.FailNext(1, twiliotest.Malformed())
	for i := range 2 {
		a := do(t, s, "GET", path, s.AccountSID, s.AuthToken, nil)
		if a.status != 429 || a.header.Get("Retry-After") != "5" || errorOf(a)["code"] != "20429" {
			t.Errorf("request %d: %d Retry-After %q body %v, want 429, 5, code 20429", i+1, a.status, a.header.Get("Retry-After"), a.body)
		}
	}
	if a := do(t, s, "GET", path, s.AccountSID, s.AuthToken, nil); a.status != 201 || a.body["raw"] == nil {
		t.Errorf("request 3: %d %v, want a malformed 201", a.status, a.body)
	}
	if a := do(t, s, "GET", path, s.AccountSID, s.AuthToken, nil); a.status != 200 {
		t.Errorf("request 4: %d, want the faults used up", a.status)
	}
	if got := len(s.Requests()); got != 4 {
		t.Errorf("%d requests recorded, want 4", got)
	}
}

// The example of Twilio's webhook security documentation.
func TestSignature(t *testing.T) {
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"},
	}
	got := twiliotest.Signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)
	if want := "RSOYDt4T1cUTdK1PDd93/VVr8B8="; got != want {
		t.Errorf("Signature = %q, want %q", got, want)
	}
}

func TestSendStatusCallback(t *testing.T) {
	s := twiliotest.NewServer(t)
	var got struct {
		sig, contentType string
		form             url.Values
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got.sig, got.contentType, got.form = r.Header.Get("X-Twilio-Signature"), r.Header.Get("Content-Type"), r.PostForm
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	call := twiliotest.Call{SID: "CA01", To: "+447700900123", From: "+15005550006"}
	params := s.CallStatus(call, "completed", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	code, err := s.SendStatusCallback(srv.URL+"/cb?a=1", params)
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("SendStatusCallback = %d, %v", code, err)
	}
	if diff := cmp.Diff(params, got.form); diff != "" {
		t.Errorf("posted form (-want +got):\n%s", diff)
	}
	if want := twiliotest.Signature(s.AuthToken, srv.URL+"/cb?a=1", params); got.sig != want {
		t.Errorf("X-Twilio-Signature = %q, want %q", got.sig, want)
	}
	if !strings.HasPrefix(got.contentType, "application/x-www-form-urlencoded") {
		t.Errorf("Content-Type = %q, want a form", got.contentType)
	}
	if params.Get("Timestamp") != "Sat, 01 Mar 2025 12:00:00 +0000" || params.Get("CallStatus") != "completed" {
		t.Errorf("CallStatus params = %v", params)
	}
}
