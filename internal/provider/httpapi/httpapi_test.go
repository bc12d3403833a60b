package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/yaml.v3"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/httpapi"
	"github.com/otpd/otpd/internal/provider/httpapi/httpapitest"
)

const (
	recipient = "+447700900123"
	code      = "482913"
	apiKey    = "KK0123456789abcdef"
)

func message(ch otp.Channel, body string) otp.OutgoingMessage {
	return otp.OutgoingMessage{
		ID: "dlv_1", AppID: "app_1", AppName: "Acme", VerificationID: "ver_1", To: recipient,
		Channel: ch, Purpose: otp.PurposeVerification, Locale: "en", Code: code, Body: body,
		Country: "GB", Attempt: 1, ExpiresAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// fromYAML decodes a provider's settings the way the config loader does:
// unknown keys are errors.
func fromYAML(t *testing.T, text string) httpapi.Config {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	var c httpapi.Config
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("decode yaml: %v", err)
	}
	return c
}

func newProvider(t *testing.T, c httpapi.Config) *httpapi.Provider {
	t.Helper()
	p, err := httpapi.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// jsonGateway is a JSON POST gateway's configuration; edit adjusts it.
func jsonGateway(base string, edit func(*httpapi.Config)) httpapi.Config {
	c := httpapi.Config{
		Name:     "gw-json",
		Channels: []otp.Channel{otp.SMS, otp.WhatsApp},
		URL:      base + "/v2/messages",
		Headers: map[string]string{
			"Authorization":   "Bearer {{.Vars.token}}",
			"Idempotency-Key": "{{.ID}}",
			"x-api-version":   "2",
		},
		Body:      `{"to":{{json .To}},"text":{{json .Body}},"ref":{{json .ID}},"expires":{{.ExpiresAt.Unix}}}`,
		Vars:      map[string]string{"token": "tok_secret_123456"},
		MessageID: httpapi.Extract{JSONPath: "data.id"},
	}
	if edit != nil {
		edit(&c)
	}
	return c
}

// asProviderError returns err as a *otp.ProviderError, failing the test
// when it is not one.
func asProviderError(t *testing.T, err error) *otp.ProviderError {
	t.Helper()
	var pe *otp.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *otp.ProviderError", err, err)
	}
	return pe
}

func TestSendJSONPost(t *testing.T) {
	s := httpapitest.NewServer(t, func(httpapitest.Request) httpapitest.Reply {
		return httpapitest.JSON(http.StatusCreated, `{"data":{"id":"msg_77","status":"accepted"}}`)
	})
	p := newProvider(t, jsonGateway(s.URL, nil))

	body := "Code \"482913\"\nЛогин <ok> & done"
	res, err := p.Send(t.Context(), message(otp.SMS, body))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := (otp.SendResult{Provider: "gw-json", ProviderMessageID: "msg_77"}); res != want {
		t.Errorf("Send = %+v, want %+v", res, want)
	}

	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("gateway got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v2/messages" || r.RawQuery != "" {
		t.Errorf("request = %s %s?%s, want POST /v2/messages", r.Method, r.Path, r.RawQuery)
	}
	wantBody := `{"to":"+447700900123","text":"Code \"482913\"\nЛогин <ok> & done","ref":"dlv_1","expires":1767225600}`
	if got := string(r.Body); got != wantBody {
		t.Errorf("body = %s\nwant   %s", got, wantBody)
	}
	for name, want := range map[string]string{
		"Authorization":   "Bearer tok_secret_123456",
		"Idempotency-Key": "dlv_1",
		"X-Api-Version":   "2",
		"Content-Type":    "application/json",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if ua := r.Header.Get("User-Agent"); !regexp.MustCompile(`^otpd/\d+\.\d+\.\d+`).MatchString(ua) {
		t.Errorf("User-Agent = %q, want otpd/x.y.z", ua)
	}
}

func TestSendFormPut(t *testing.T) {
	s := httpapitest.NewServer(t, nil)
	p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) {
		c.Method = "put"
		c.Body = "to={{urlquery .To}}&text={{urlquery .Body}}"
		c.ContentType = "application/x-www-form-urlencoded"
		c.MessageID = httpapi.Extract{}
	}))
	body := "Код: 482913 & a+b=c"
	res, err := p.Send(t.Context(), message(otp.WhatsApp, body))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.ProviderMessageID != "dlv_1" {
		t.Errorf("ProviderMessageID = %q, want the delivery id dlv_1 when message_id is not configured", res.ProviderMessageID)
	}
	r := s.Requests()[0]
	if r.Method != http.MethodPut {
		t.Errorf("method = %s, want PUT", r.Method)
	}
	if got, want := r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	form, err := url.ParseQuery(string(r.Body))
	if err != nil {
		t.Fatalf("body %q is not a form: %v", r.Body, err)
	}
	if diff := cmp.Diff(url.Values{"to": {recipient}, "text": {body}}, form); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
}

// kookooYAML configures a KooKoo-style GET gateway: api_key in the query,
// a JSON answer whose status says whether it was accepted. %s is the
// gateway's base URL, %s the api key.
const kookooYAML = `
channels: [sms]
method: GET
url: '%s/api/v1/TwoFactor/smsotp?api_key={{urlquery .Vars.api_key}}&phone_no={{urlquery .ToDigits}}&sender_id={{urlquery .Vars.sender_id}}&message={{urlquery .Body}}'
vars:
  api_key: %s
  sender_id: OZONTL
success:
  json_path: status
  equals: [success, queued]
message_id: {json_path: message}
error_message: {json_path: message}
timeout: 5s
`

const kookooVoiceYAML = `
channels: [voice]
method: GET
url: '%s/api/v1/TwoFactor/callotp?api_key={{urlquery .Vars.api_key}}&caller_id={{urlquery (or .CallerID .Vars.caller_id)}}&phone_no={{urlquery .ToDigits}}&message={{urlquery .Body}}'
vars: {api_key: %s, caller_id: "914012345678"}
success: {json_path: status, equals: queued}
error_message: {json_path: message}
`

func TestKooKooStyleGET(t *testing.T) {
	s := httpapitest.NewServer(t, httpapitest.KooKoo(apiKey))
	sms := fromYAML(t, fmt.Sprintf(kookooYAML, s.URL, apiKey))
	sms.Name = "kookoo-sms"
	voice := fromYAML(t, fmt.Sprintf(kookooVoiceYAML, s.URL, apiKey))
	voice.Name = "kookoo-voice"

	body := "Ваш код 482913 & more: a+b=c?"
	m := message(otp.SMS, body)
	m.To = "+919812345678"

	t.Run("sms", func(t *testing.T) {
		res, err := newProvider(t, sms).Send(t.Context(), m)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		if want := (otp.SendResult{Provider: "kookoo-sms", ProviderMessageID: "SM800000001"}); res != want {
			t.Errorf("Send = %+v, want %+v", res, want)
		}
		r := s.Requests()[len(s.Requests())-1]
		want := url.Values{"api_key": {apiKey}, "phone_no": {"919812345678"}, "sender_id": {"OZONTL"}, "message": {body}}
		if diff := cmp.Diff(want, r.Query); diff != "" {
			t.Errorf("query (-want +got):\n%s", diff)
		}
		// Spaces, "&", "+", "?" and Cyrillic are escaped, not passed raw.
		if wantRaw := "message=" + url.QueryEscape(body); !strings.HasSuffix(r.RawQuery, wantRaw) {
			t.Errorf("raw query %q does not end with %q", r.RawQuery, wantRaw)
		}
	})

	t.Run("voice", func(t *testing.T) {
		vm := m
		vm.Channel = otp.Voice
		res, err := newProvider(t, voice).Send(t.Context(), vm)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		// callotp's message is the callee's number: not an id to keep.
		if want := (otp.SendResult{Provider: "kookoo-voice", ProviderMessageID: "dlv_1"}); res != want {
			t.Errorf("Send = %+v, want %+v", res, want)
		}
		r := s.Requests()[len(s.Requests())-1]
		if r.Path != httpapitest.KooKooCallPath {
			t.Errorf("path = %s, want %s", r.Path, httpapitest.KooKooCallPath)
		}
		if got, want := r.Query.Get("caller_id"), "914012345678"; got != want {
			t.Errorf("caller_id = %q, want %q from vars when the message has none", got, want)
		}
	})

	t.Run("wrong key", func(t *testing.T) {
		c := sms
		c.Vars = map[string]string{"api_key": "KKwrongwrongwrong", "sender_id": "OZONTL"}
		_, err := newProvider(t, c).Send(t.Context(), m)
		pe := asProviderError(t, err)
		// A 200 that fails the success condition says too little to be
		// refused for good.
		want := &otp.ProviderError{Provider: "kookoo-sms", Message: "HTTP 200: Authentication Error"}
		if diff := cmp.Diff(want, pe); diff != "" {
			t.Errorf("error (-want +got):\n%s", diff)
		}
	})
}

// TestSuccessConditions covers the ways an answer is recognised as an
// acceptance; a failed condition is a refusal, refused for good with a 4xx
// status and transient otherwise.
func TestSuccessConditions(t *testing.T) {
	tests := []struct {
		name    string
		success httpapi.Success
		reply   httpapitest.Reply
		wantErr string // substring of the refusal; "" for acceptance
	}{
		{"default 2xx", httpapi.Success{}, httpapitest.JSON(202, `{}`), ""},
		{"default refuses 4xx", httpapi.Success{}, httpapitest.JSON(403, `{}`), "HTTP 403: Forbidden"},
		{"default refuses 3xx", httpapi.Success{}, httpapitest.Reply{Status: 304}, "HTTP 304: Not Modified"},
		{"listed status", httpapi.Success{Status: []int{202}}, httpapitest.JSON(202, `{}`), ""},
		{"unlisted status", httpapi.Success{Status: []int{202}}, httpapitest.JSON(200, `{}`), "status 200 is not in success.status"},
		{"json equals", httpapi.Success{JSONPath: "status", Equals: httpapi.StringList{"success"}},
			httpapitest.JSON(200, `{"status":"success"}`), ""},
		{"json equals one of", httpapi.Success{JSONPath: "result.state", Equals: httpapi.StringList{"ok", "queued"}},
			httpapitest.JSON(200, `{"result":{"state":"queued"}}`), ""},
		{"json number and bool compared as text", httpapi.Success{JSONPath: "ok", Equals: httpapi.StringList{"true"}},
			httpapitest.JSON(200, `{"ok":true}`), ""},
		{"json other value", httpapi.Success{JSONPath: "status", Equals: httpapi.StringList{"success"}},
			httpapitest.JSON(200, `{"status":"Error"}`), `status is "Error", not one of success.equals`},
		{"json field missing", httpapi.Success{JSONPath: "status", Equals: httpapi.StringList{"success"}},
			httpapitest.JSON(200, `{"state":"success"}`), "malformed answer"},
		{"malformed json", httpapi.Success{JSONPath: "status", Equals: httpapi.StringList{"success"}},
			httpapitest.JSON(200, `{"status":"succ`), "malformed answer: the body is not JSON"},
		{"html instead of json", httpapi.Success{JSONPath: "status", Equals: httpapi.StringList{"success"}},
			httpapitest.Reply{Body: "<html>proxy login</html>"}, "malformed answer"},
		{"body contains", httpapi.Success{BodyContains: "OK"}, httpapitest.Reply{Body: "OK: queued"}, ""},
		{"body lacks", httpapi.Success{BodyContains: "OK"}, httpapitest.Reply{Body: "ERR: no credit"}, "does not contain success.body_contains"},
		{"all conditions", httpapi.Success{Status: []int{200}, JSONPath: "status", Equals: httpapi.StringList{"ok"}, BodyContains: `"id"`},
			httpapitest.JSON(200, `{"status":"ok"}`), "does not contain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httpapitest.NewServer(t, nil)
			s.Enqueue(tt.reply)
			p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) {
				c.Success, c.MessageID = tt.success, httpapi.Extract{}
			}))
			res, err := p.Send(t.Context(), message(otp.SMS, "Your code is "+code))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Send: %v, want acceptance", err)
				}
				if want := (otp.SendResult{Provider: "gw-json", ProviderMessageID: "dlv_1"}); res != want {
					t.Errorf("Send = %+v, want %+v", res, want)
				}
				return
			}
			pe := asProviderError(t, err)
			if wantRefused := tt.reply.Status >= 400; pe.Permanent || pe.Refused != wantRefused {
				t.Errorf("error %+v: permanent %v, refused %v; want refused %v", pe, pe.Permanent, pe.Refused, wantRefused)
			}
			if !strings.Contains(pe.Message, tt.wantErr) {
				t.Errorf("error message %q does not contain %q", pe.Message, tt.wantErr)
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct {
		name    string
		extract httpapi.Extract
		reply   httpapitest.Reply
		want    string // the provider message id; "" for a transient malformed-answer error
	}{
		{"json path", httpapi.Extract{JSONPath: "data.id"}, httpapitest.JSON(200, `{"data":{"id":"abc-1"}}`), "abc-1"},
		{"json array index", httpapi.Extract{JSONPath: "messages.0.message-id"},
			httpapitest.JSON(200, `{"message-count":"1","messages":[{"to":"447700900123","message-id":"0A0000000123ABCD1","status":"0"}]}`), "0A0000000123ABCD1"},
		{"json number keeps its digits", httpapi.Extract{JSONPath: "id"}, httpapitest.JSON(200, `{"id":12345678901234567890}`), "12345678901234567890"},
		{"regex over text", httpapi.Extract{Regex: `^OK id=([A-Za-z0-9-]+)`}, httpapitest.Reply{Body: "OK id=7f3a-99 queued"}, "7f3a-99"},
		{"regex over json", httpapi.Extract{Regex: `"sid"\s*:\s*"(SM[0-9a-f]+)"`}, httpapitest.JSON(200, `{"sid": "SM0a1b"}`), "SM0a1b"},
		{"json path missing", httpapi.Extract{JSONPath: "data.id"}, httpapitest.JSON(200, `{"data":{}}`), ""},
		{"json path null", httpapi.Extract{JSONPath: "data.id"}, httpapitest.JSON(200, `{"data":{"id":null}}`), ""},
		{"json path to an object", httpapi.Extract{JSONPath: "data"}, httpapitest.JSON(200, `{"data":{"id":"x"}}`), ""},
		{"index out of range", httpapi.Extract{JSONPath: "messages.1.id"}, httpapitest.JSON(200, `{"messages":[{"id":"x"}]}`), ""},
		{"not json", httpapi.Extract{JSONPath: "data.id"}, httpapitest.Reply{Body: "accepted"}, ""},
		{"regex no match", httpapi.Extract{Regex: `id=(\w+)`}, httpapitest.Reply{Body: "accepted"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httpapitest.NewServer(t, nil)
			s.Enqueue(tt.reply)
			p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) { c.MessageID = tt.extract }))
			res, err := p.Send(t.Context(), message(otp.SMS, "Your code is "+code))
			if tt.want != "" {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if res.ProviderMessageID != tt.want {
					t.Errorf("ProviderMessageID = %q, want %q", res.ProviderMessageID, tt.want)
				}
				return
			}
			pe := asProviderError(t, err)
			if pe.Permanent || !strings.Contains(pe.Message, "malformed answer") {
				t.Errorf("error = %+v, want a transient malformed answer", pe)
			}
		})
	}
}

// TestRefusals covers each class of refusal: permanent by status and by
// JSON value, transient, throttled with Retry-After, and 5xx.
func TestRefusals(t *testing.T) {
	permanent := httpapi.Permanent{Status: []int{400, 404}, JSONPath: "error.code", Values: httpapi.StringList{"invalid_number", "21610"}}
	tests := []struct {
		name  string
		reply httpapitest.Reply
		want  otp.ProviderError // Message is checked as a substring
	}{
		{"permanent by status", httpapitest.JSON(400, `{"error":{"code":"bad_request","message":"Invalid destination"}}`),
			otp.ProviderError{Code: "bad_request", Message: "HTTP 400: Invalid destination", Permanent: true}},
		{"permanent by status without body", httpapitest.Reply{Status: 404},
			otp.ProviderError{Message: "HTTP 404 Not Found", Permanent: true}},
		{"permanent by json value", httpapitest.JSON(422, `{"error":{"code":"invalid_number","message":"Number is not valid"}}`),
			otp.ProviderError{Code: "invalid_number", Message: "HTTP 422: Number is not valid", Permanent: true}},
		{"permanent by json number value in a 200", httpapitest.JSON(200, `{"error":{"code":21610}}`),
			otp.ProviderError{Code: "21610", Message: "HTTP 200", Permanent: true}},
		{"other 4xx refused", httpapitest.JSON(401, `{"error":{"code":"auth","message":"Bad token"}}`),
			otp.ProviderError{Code: "auth", Message: "HTTP 401: Bad token", Refused: true}},
		{"403 refused", httpapitest.JSON(403, `{"error":{"code":"sender","message":"Sender id not allowed"}}`),
			otp.ProviderError{Code: "sender", Message: "HTTP 403: Sender id not allowed", Refused: true}},
		{"other json value refused", httpapitest.JSON(422, `{"error":{"code":"no_credit"}}`),
			otp.ProviderError{Code: "no_credit", Message: "HTTP 422", Refused: true}},
		{"bare 409", httpapitest.Reply{Status: 409},
			otp.ProviderError{Message: "HTTP 409", Refused: true}},
		{"408 transient", httpapitest.Reply{Status: 408, Header: map[string]string{"Retry-After": "3"}},
			otp.ProviderError{Message: "HTTP 408 Request Timeout", RetryAfter: 3 * time.Second}},
		{"425 transient", httpapitest.Reply{Status: 425},
			otp.ProviderError{Message: "HTTP 425 Too Early"}},
		{"429 with seconds", httpapitest.Throttled("30"),
			otp.ProviderError{Message: "HTTP 429 Too Many Requests", RetryAfter: 30 * time.Second}},
		{"429 without Retry-After", httpapitest.Throttled(""),
			otp.ProviderError{Message: "HTTP 429 Too Many Requests"}},
		{"429 with garbage Retry-After", httpapitest.Throttled("soon"),
			otp.ProviderError{Message: "HTTP 429"}},
		{"429 wins over a permanent json value", httpapitest.Reply{Status: 429, Header: map[string]string{"Retry-After": "2"}, Body: `{"error":{"code":"invalid_number"}}`},
			otp.ProviderError{Code: "invalid_number", Message: "HTTP 429", RetryAfter: 2 * time.Second}},
		{"500", httpapitest.Reply{Status: 500, Body: "boom"},
			otp.ProviderError{Message: "HTTP 500 Internal Server Error"}},
		{"503 with Retry-After", httpapitest.Reply{Status: 503, Header: map[string]string{"Retry-After": "120"}},
			otp.ProviderError{Message: "HTTP 503 Service Unavailable", RetryAfter: 2 * time.Minute}},
		{"502 with a permanent json value", httpapitest.JSON(502, `{"error":{"code":"invalid_number"}}`),
			otp.ProviderError{Code: "invalid_number", Message: "HTTP 502"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httpapitest.NewServer(t, nil)
			s.Enqueue(tt.reply)
			p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) {
				c.Permanent = permanent
				c.ErrorCode = httpapi.Extract{JSONPath: "error.code"}
				c.ErrorMessage = httpapi.Extract{JSONPath: "error.message"}
			}))
			_, err := p.Send(t.Context(), message(otp.SMS, "Your code is "+code))
			pe := asProviderError(t, err)
			want := tt.want
			want.Provider = "gw-json"
			if diff := cmp.Diff(&want, pe, cmpopts.IgnoreFields(otp.ProviderError{}, "Message")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if !strings.Contains(pe.Message, want.Message) {
				t.Errorf("message %q does not contain %q", pe.Message, want.Message)
			}
			if got := errors.Is(err, otp.ErrPermanent); got != want.Permanent {
				t.Errorf("errors.Is(err, otp.ErrPermanent) = %v, want %v", got, want.Permanent)
			}
		})
	}
}

func TestRetryAfterHeaderName(t *testing.T) {
	s := httpapitest.NewServer(t, nil)
	s.Enqueue(httpapitest.Reply{Status: 429, Header: map[string]string{"X-RateLimit-Reset-After": "7", "Retry-After": "1"}})
	p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) { c.RetryAfterHeader = "X-RateLimit-Reset-After" }))
	_, err := p.Send(t.Context(), message(otp.SMS, "Your code is "+code))
	if got, want := asProviderError(t, err).RetryAfter, 7*time.Second; got != want {
		t.Errorf("RetryAfter = %v, want %v from retry_after_header", got, want)
	}
}

func TestTimeout(t *testing.T) {
	s := httpapitest.NewServer(t, nil)
	s.Enqueue(httpapitest.Slow(time.Minute))
	p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) { c.Timeout = 20 * time.Millisecond }))
	_, err := p.Send(t.Context(), message(otp.SMS, "Your code is "+code))
	pe := asProviderError(t, err)
	// net/http says "Client.Timeout exceeded" when its timer marked the
	// timeout before the request's context deadline was seen; on a busy
	// machine the context can win that race, and the text is only the
	// context's. Both are the timeout.
	timedOut := strings.Contains(pe.Message, "Client.Timeout exceeded") || strings.Contains(pe.Message, "context deadline exceeded")
	if pe.Permanent || !timedOut {
		t.Errorf("error = %+v, want a transient timeout", pe)
	}
}

func TestContextCanceled(t *testing.T) {
	s := httpapitest.NewServer(t, nil)
	p := newProvider(t, jsonGateway(s.URL, nil))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := p.Send(ctx, message(otp.SMS, "Your code is "+code))
	pe := asProviderError(t, err)
	if pe.Permanent || !strings.Contains(pe.Message, "context canceled") {
		t.Errorf("error = %+v, want a transient cancellation", pe)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("gateway got %d requests after cancellation, want 0", n)
	}
}

// TestErrorsDoNotLeak checks that neither the code, the number nor a
// secret reaches an error, whether the gateway quotes them or the
// transport fails on a URL that holds them.
func TestErrorsDoNotLeak(t *testing.T) {
	secret := "tok_secret_123456"
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("Send succeeded, want an error")
		}
		for _, s := range []string{code, recipient, recipient[1:], secret, "7700 900123"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q quotes %q", err, s)
			}
		}
	}
	t.Run("gateway quotes them", func(t *testing.T) {
		s := httpapitest.NewServer(t, nil)
		s.Enqueue(httpapitest.JSON(400, `{"error":{"code":"`+code+`","message":"Bad number +44 7700 900123 (447700900123) for code `+code+` with key `+secret+`"}}`))
		p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) {
			c.ErrorCode = httpapi.Extract{JSONPath: "error.code"}
			c.ErrorMessage = httpapi.Extract{JSONPath: "error.message"}
		}))
		_, err := p.Send(t.Context(), message(otp.SMS, "Your code is "+code))
		check(t, err)
	})
	t.Run("connection refused", func(t *testing.T) {
		s := httpapitest.NewServer(t, nil)
		s.Close()
		p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) {
			c.URL = s.URL + "/send?key={{urlquery .Vars.token}}&to={{urlquery .To}}&text={{urlquery .Body}}"
		}))
		_, err := p.Send(t.Context(), message(otp.SMS, "Your code is "+code))
		check(t, err)
		if pe := asProviderError(t, err); pe.Permanent || !strings.Contains(pe.Message, "127.0.0.1") {
			t.Errorf("error = %+v, want transient, naming the address it could not reach", pe)
		}
	})
	t.Run("template fails at send", func(t *testing.T) {
		s := httpapitest.NewServer(t, nil)
		// The sample messages are in English; a Russian one takes the
		// branch the start-up rendering did not.
		p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) {
			c.Body = `{{if eq .Locale "ru"}}{{range .Code}}{{end}}{{end}}{}`
		}))
		m := message(otp.SMS, "Ваш код "+code)
		m.Locale = "ru"
		_, err := p.Send(t.Context(), m)
		check(t, err)
		pe := asProviderError(t, err)
		if pe.Permanent || !strings.Contains(pe.Message, "render request: body:") {
			t.Errorf("error = %+v, want a transient render error naming body", pe)
		}
		if n := len(s.Requests()); n != 0 {
			t.Errorf("gateway got %d requests, want 0", n)
		}
	})
}

func TestRedirects(t *testing.T) {
	other := httpapitest.NewServer(t, nil)
	tests := []struct {
		name         string
		location     func(base string) string
		wantErr      string // "" for acceptance
		wantOtherHit bool
	}{
		{"same host", func(base string) string { return base + "/v3/messages" }, "", false},
		{"other host", func(string) string { return other.URL + "/steal" }, "HTTP 307", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httpapitest.NewServer(t, nil)
			s.Enqueue(httpapitest.Reply{Status: 307, Header: map[string]string{"Location": tt.location(s.URL)}},
				httpapitest.JSON(200, `{"data":{"id":"after-redirect"}}`))
			p := newProvider(t, jsonGateway(s.URL, nil))
			res, err := p.Send(t.Context(), message(otp.SMS, "Your code is "+code))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if res.ProviderMessageID != "after-redirect" {
					t.Errorf("ProviderMessageID = %q, want after-redirect", res.ProviderMessageID)
				}
				reqs := s.Requests()
				if len(reqs) != 2 || !bytes.Equal(reqs[0].Body, reqs[1].Body) {
					t.Errorf("gateway got %d requests, want the same POST twice", len(reqs))
				}
				return
			}
			pe := asProviderError(t, err)
			if pe.Permanent || !strings.Contains(pe.Message, tt.wantErr) {
				t.Errorf("error = %+v, want transient %q", pe, tt.wantErr)
			}
			if n := len(other.Requests()); n != 0 {
				t.Errorf("the other host got %d requests, want 0", n)
			}
		})
	}
}

func TestSendRefusedBeforeRequest(t *testing.T) {
	s := httpapitest.NewServer(t, nil)
	p := newProvider(t, jsonGateway(s.URL, nil))
	tests := []struct {
		name          string
		m             otp.OutgoingMessage
		wantPermanent bool
	}{
		{"channel not served", message(otp.Voice, "Your code is 4 8 2 9 1 3"), false},
		{"no recipient", func() otp.OutgoingMessage { m := message(otp.SMS, "x"); m.To = ""; return m }(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Send(t.Context(), tt.m)
			pe := asProviderError(t, err)
			if pe.Permanent != tt.wantPermanent || pe.Refused == tt.wantPermanent {
				t.Errorf("Permanent = %v, Refused = %v; want permanent %v, else refused", pe.Permanent, pe.Refused, tt.wantPermanent)
			}
		})
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("gateway got %d requests, want 0", n)
	}
}

func TestChannels(t *testing.T) {
	p := newProvider(t, jsonGateway("https://gw.example", nil))
	got := p.Channels()
	if diff := cmp.Diff([]otp.Channel{otp.SMS, otp.WhatsApp}, got); diff != "" {
		t.Errorf("Channels (-want +got):\n%s", diff)
	}
	got[0] = otp.Email
	if p.Channels()[0] != otp.SMS {
		t.Error("Channels returns the provider's own slice")
	}
}

func TestCheck(t *testing.T) {
	t.Run("not configured", func(t *testing.T) {
		s := httpapitest.NewServer(t, nil)
		p := newProvider(t, jsonGateway(s.URL, nil))
		if p.HasCheck() {
			t.Error("HasCheck = true without check_url")
		}
		if err := p.Check(t.Context()); err != nil {
			t.Errorf("Check = %v, want nil", err)
		}
		if n := len(s.Requests()); n != 0 {
			t.Errorf("Check made %d requests without check_url, want 0", n)
		}
	})

	tests := []struct {
		name       string
		method     string
		reply      httpapitest.Reply
		wantMethod string
		want       *otp.ProviderError // nil for success; Message is a substring
	}{
		{"ok", "", httpapitest.JSON(200, `{"balance":"12.50"}`), "GET", nil},
		{"head", "HEAD", httpapitest.Reply{Status: 204}, "HEAD", nil},
		{"bad credentials", "", httpapitest.JSON(401, `{}`), "GET",
			&otp.ProviderError{Provider: "gw-json", Message: "HTTP 401: the check URL did not answer 2xx", Refused: true}},
		{"throttled", "", httpapitest.Throttled("9"), "GET",
			&otp.ProviderError{Provider: "gw-json", Message: "HTTP 429", RetryAfter: 9 * time.Second}},
		{"down", "", httpapitest.Reply{Status: 503}, "GET",
			&otp.ProviderError{Provider: "gw-json", Message: "HTTP 503"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httpapitest.NewServer(t, nil)
			s.Enqueue(tt.reply)
			p := newProvider(t, jsonGateway(s.URL, func(c *httpapi.Config) {
				c.CheckURL = s.URL + "/v2/balance?key={{urlquery .Vars.token}}"
				c.CheckMethod = tt.method
			}))
			if !p.HasCheck() {
				t.Error("HasCheck = false with check_url")
			}
			err := p.Check(t.Context())
			reqs := s.Requests()
			if len(reqs) != 1 {
				t.Fatalf("Check made %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.wantMethod || r.Path != "/v2/balance" || r.Query.Get("key") != "tok_secret_123456" || len(r.Body) != 0 {
				t.Errorf("check request = %s %s?%s with %d body bytes, want %s /v2/balance?key=… and no body",
					r.Method, r.Path, r.RawQuery, len(r.Body), tt.wantMethod)
			}
			if got := r.Header.Get("Authorization"); got != "Bearer tok_secret_123456" {
				t.Errorf("check Authorization = %q, want the configured header", got)
			}
			if tt.want == nil {
				if err != nil {
					t.Errorf("Check = %v, want nil", err)
				}
				return
			}
			pe := asProviderError(t, err)
			if diff := cmp.Diff(tt.want, pe, cmpopts.IgnoreFields(otp.ProviderError{}, "Message")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if !strings.Contains(pe.Message, tt.want.Message) {
				t.Errorf("message %q does not contain %q", pe.Message, tt.want.Message)
			}
		})
	}
}
