package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/otpd/otpd/internal/otp"
)

var now = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"30", 30 * time.Second},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"1.5", 0},
		{"soon", 0},
		{"99999999999", 0}, // would overflow a sane wait: ignored
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"Wed, 04 Mar 2026 10:02:00 GMT", 2 * time.Minute},
		{"Wednesday, 04-Mar-26 10:00:30 GMT", 30 * time.Second}, // RFC 850, which http.ParseTime accepts
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// A 429 whose Retry-After is an HTTP date waits until that date.
func TestSendRetryAfterDate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", now.Add(45*time.Second).Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	p, err := New(Config{Channels: []otp.Channel{otp.SMS}, URL: srv.URL + "/send", Body: `{"text":{{json .Body}}}`})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	p.now = func() time.Time { return now }
	_, err = p.Send(t.Context(), otp.OutgoingMessage{ID: "dlv_1", To: "+14155550100", Channel: otp.SMS, Code: "1234", Body: "code 1234"})
	var pe *otp.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("Send = %v, want a *otp.ProviderError", err)
	}
	if pe.Permanent || pe.RetryAfter != 45*time.Second {
		t.Errorf("error = %+v, want transient with RetryAfter 45s", pe)
	}
}

func TestLookup(t *testing.T) {
	doc := `{"a":{"b":[{"c":"x"},{"c":7.50}],"t":true,"n":null,"e":""},"0":"zero","dot.key":"d"}`
	tests := []struct {
		path    string
		want    string
		wantErr bool
	}{
		{"a.b.0.c", "x", false},
		{"a.b.1.c", "7.50", false}, // numbers as written
		{"a.t", "true", false},
		{"a.e", "", false},
		{"0", "zero", false}, // a numeric key of an object
		{"a.n", "", true},
		{"a.b", "", true},
		{"a.b.2.c", "", true},
		{"a.b.-1.c", "", true},
		{"a.b.x", "", true},
		{"a.t.x", "", true},
		{"missing", "", true},
		{"dot.key", "", true}, // keys with dots cannot be named
	}
	v, err := decodeJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		p, err := parseJSONPath(tt.path)
		if err != nil {
			t.Fatalf("parseJSONPath(%q): %v", tt.path, err)
		}
		got, err := p.lookup(v)
		if tt.wantErr {
			if !errors.Is(err, errNotFound) {
				t.Errorf("lookup(%q) = %q, %v; want errNotFound", tt.path, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("lookup(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	for _, in := range []string{"", "{", `{"a":1} {"b":2}`, `{"a":1}x`, "<html>"} {
		if _, err := decodeJSON([]byte(in)); err == nil {
			t.Errorf("decodeJSON(%q) succeeded, want an error", in)
		}
	}
	for _, in := range []string{`{"a":1}`, " [1] \n", `"s"`, "null"} {
		if _, err := decodeJSON([]byte(in)); err != nil {
			t.Errorf("decodeJSON(%q) = %v", in, err)
		}
	}
}

// FuzzExtract runs arbitrary answers through the extraction and judging
// path with arbitrary json_path and regex settings: nothing may panic,
// a JSON extraction succeeds only on JSON, and a regex extraction returns
// part of the body.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(`{"status":"success","data":{"id":"abc"}}`), "data.id", `"id":"([^"]+)"`, 200)
	f.Add([]byte(`{"messages":[{"message-id":"0A01"}]}`), "messages.0.message-id", `(\d+)`, 200)
	f.Add([]byte(`[1,2,{"x":null}]`), "2.x", `(.*)`, 400)
	f.Add([]byte(`{"a":{"a":{"a":[[[[]]]]}}}`), "a.a.a.0.0", `(a+)`, 429)
	f.Add([]byte("OK id=7f3a"), "id", `id=(\w*)`, 503)
	f.Add([]byte("\xff\xfe{\"bad utf8\":1}"), "bad utf8", `(?s)(.)`, 200)
	f.Add([]byte(`{"n":1e999}`), "n", `()`, 201)
	f.Fuzz(func(t *testing.T, body []byte, path, re string, status int) {
		a := &answer{status: status, header: http.Header{}, body: body}
		if jp, err := parseJSONPath(path); err == nil {
			x := extractor{path: jp}
			if _, err := x.extract(a); err == nil {
				if _, jerr := decodeJSON(body); jerr != nil {
					t.Errorf("json_path %q extracted from a body that is not JSON", path)
				}
			}
		}
		x, err := newExtractor(Extract{Regex: re})
		if err == nil && x.configured() {
			if got, err := x.extract(a); err == nil && !bytes.Contains(body, []byte(got)) {
				t.Errorf("regex %q extracted %q, which is not in the body", re, got)
			}
		}

		c := Config{
			Channels: []otp.Channel{otp.SMS}, URL: "https://gw.example/send",
			Success:      Success{JSONPath: path, Equals: StringList{"success"}},
			MessageID:    Extract{Regex: re},
			ErrorMessage: Extract{JSONPath: path},
			Permanent:    Permanent{JSONPath: path, Values: StringList{"invalid"}},
		}
		p, err := c.build()
		if err != nil {
			return // a setting New refuses
		}
		p.now = func() time.Time { return now }
		id, err := p.judge(a, newRedactor(otp.OutgoingMessage{To: "+14155550100", Code: "1234"}, nil))
		var pe *otp.ProviderError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("judge = %v (%T), want a *otp.ProviderError", err, err)
		}
		if err == nil && (status < 200 || status > 299) {
			t.Errorf("judge accepted HTTP %d", status)
		}
		if err == nil && p.messageID.configured() && id == "" {
			t.Error("judge accepted with an empty message id")
		}
	})
}

// FuzzRender renders url and body templates with arbitrary message texts:
// the urlquery'd URL must parse and give the text back, the json'd body
// must be JSON that gives the text back.
func FuzzRender(f *testing.F) {
	f.Add("+14155550100", "Your code is 123456")
	f.Add("+79161234567", "Ваш код: 12 34 & a+b=c?#%")
	f.Add("a@b.example", "\"quoted\" <tag> \\ \u2028 \x00 {{.Code}}")
	f.Fuzz(func(t *testing.T, to, text string) {
		p, err := New(Config{
			Channels: []otp.Channel{otp.SMS},
			URL:      "https://gw.example/send/{{pathescape .To}}?to={{urlquery .To}}&text={{urlquery .Body}}",
			Headers:  map[string]string{"X-Ref": "{{.ID}}"},
			Body:     `{"to":{{json .To}},"text":{{json .Body}}}`,
		})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		m := otp.OutgoingMessage{ID: "dlv_1", To: to, Channel: otp.SMS, Body: text}
		r, err := p.tmpl.render(messageData(m, nil), newRedactor(m, nil))
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		u, err := url.Parse(r.url)
		if err != nil {
			t.Fatalf("rendered URL does not parse: %v", err)
		}
		if got := u.Query().Get("text"); got != text {
			t.Errorf("query text = %q, want %q", got, text)
		}
		if got := u.Query().Get("to"); got != to {
			t.Errorf("query to = %q, want %q", got, to)
		}
		if got, want := u.Path, "/send/"+to; got != want {
			t.Errorf("path = %q, want %q", got, want)
		}
		var b struct{ To, Text string }
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatalf("rendered body is not JSON: %v", err)
		}
		if utf8.ValidString(text) && b.Text != text {
			t.Errorf("body text = %q, want %q", b.Text, text)
		}
		if strings.ContainsAny(string(r.body), "\n\r") {
			t.Errorf("body %q has a raw line break", r.body)
		}
	})
}
