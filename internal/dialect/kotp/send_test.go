package kotp_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

var otpID = regexp.MustCompile(`^otp_[0-9a-f]{32}$`)

// POST /send with the seed's body: every field of the seed's answer, as
// the seed writes it. A sandbox (test) application's message is in its
// test inbox already, so the OTP reads sent, and costs nothing.
func TestSend(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		now := h.Clock.Now()
		got := sendSeed(t, h, app.APIKey, "+14155552671")
		wantKeys(t, "send answer", got, "id to method type status created_at expires_at cost")
		if id, _ := got["id"].(string); !otpID.MatchString(id) {
			t.Errorf("id = %v, want otp_ and 32 hex digits", got["id"])
		}
		for field, want := range map[string]any{
			"to": "+14155552671", "method": "sms", "type": "verification", "status": "sent",
			"created_at": wireTime(now), "expires_at": wireTime(now.Add(300 * time.Second)),
		} {
			if got[field] != want {
				t.Errorf("%s = %v, want %v", field, got[field], want)
			}
		}
		c, _ := got["cost"].(map[string]any)
		wantKeys(t, "cost", c, "amount currency")
		if c["amount"] != 0.0 || c["currency"] != "USD" {
			t.Errorf("cost = %v, want 0 USD: a sandbox message costs nothing", c)
		}
		if code := h.Code(app, "+14155552671"); len(code) != 6 {
			t.Errorf("code %q, want the 6 digits asked for", code)
		}
	})
}

// The seed's own number, +1234567890, is not a valid phone number: its
// body as it is gets the seed's INVALID_PHONE error, naming the value.
func TestSendSeedNumberIsInvalid(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		e := wantError(t, call(h, "POST", "/v1/send", app.APIKey, seedSend), 400, "INVALID_PHONE", "to")
		if e.Details["value"] != "+1234567890" || e.Message != "The phone number format is invalid" {
			t.Errorf("error = %+v, want the seed's message and the value", e)
		}
	})
}

// A live application's message waits for a provider: the OTP reads
// pending and its cost is the price table's for one message.
func TestSendLive(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, func(o *dialecttest.Options) {
			o.Config = func(c *otp.Config) { c.Prices = fixedPrices{otp.SMS: {Micros: 50000, Currency: "USD"}} }
		})
		app := h.CreateApp("live", "")
		got := sendSeed(t, h, app.APIKey, "+447400123456")
		if got["status"] != "pending" {
			t.Errorf("status = %v, want pending: the message is queued", got["status"])
		}
		if c := got["cost"].(map[string]any); c["amount"] != 0.05 || c["currency"] != "USD" {
			t.Errorf("cost = %v, want the seed's 0.05 USD, the price of one SMS", c)
		}
		email := want(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"Person@Example.com","method":"email","type":"two_factor"}`), 200).Body
		if c := email["cost"].(map[string]any); c["amount"] != 0.0 || c["currency"] != "USD" {
			t.Errorf("cost of an email without a price = %v, want 0 USD", c)
		}
		if email["to"] != "person@example.com" || email["method"] != "email" || email["type"] != "two_factor" {
			t.Errorf("email send = %v", email)
		}
	})
}

// Omitted ttl and length take the project's policy, whose defaults are
// K-OTP's (300 s, 6 digits); the request's values win over the policy.
func TestSendDefaults(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		now := h.Clock.Now()
		for _, tc := range []struct {
			name, policy, body string
			wantTTL            time.Duration
			wantLength         int
		}{
			{"K-OTP's defaults", "", `{"to":"+14155552601","method":"sms","type":"verification"}`, 300 * time.Second, 6},
			{"the project's", `{"ttl":600,"codeLength":8}`, `{"to":"+14155552602","method":"sms","type":"verification"}`, 600 * time.Second, 8},
			{"the request's", `{"ttl":600,"codeLength":8}`, `{"to":"+14155552603","method":"voice","type":"verification","ttl":900,"length":4}`, 900 * time.Second, 4},
		} {
			t.Run(tc.name, func(t *testing.T) {
				app := h.CreateApp("test", tc.policy)
				got := want(t, call(h, "POST", "/v1/send", app.APIKey, tc.body), 200).Body
				if got["expires_at"] != wireTime(now.Add(tc.wantTTL)) {
					t.Errorf("expires_at = %v, want %s", got["expires_at"], wireTime(now.Add(tc.wantTTL)))
				}
				if code := h.Code(app, got["to"].(string)); len(code) != tc.wantLength {
					t.Errorf("code %q, want %d digits", code, tc.wantLength)
				}
			})
		}
	})
}

// template names a project's template set; type transaction takes what
// the code confirms from the metadata's amount and payee.
func TestSendTemplateAndTransaction(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", `{"messages":{"templates":[
			{"name":"login","channel":"sms","purpose":"verification","body":"Login code {{.Code}}"},
			{"channel":"sms","purpose":"verification","body":"Default code {{.Code}}"}]}}`)
		for to, tc := range map[string]struct{ template, prefix string }{
			"+14155552611": {"login", "Login code "},
			"+14155552612": {"default", "Default code "},
		} {
			want(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"`+to+`","method":"sms","type":"verification","template":"`+tc.template+`"}`), 200)
			body := inbox(t, h, app, to)
			if !strings.HasPrefix(body, tc.prefix) {
				t.Errorf("template %s: message %q, want it to begin with %q", tc.template, body, tc.prefix)
			}
		}
		want(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"+14155552613","method":"sms","type":"transaction",
			"metadata":{"amount":"25.00 EUR","payee":"ACME","order":"A-17"}}`), 200)
		if body := inbox(t, h, app, "+14155552613"); !strings.Contains(body, "25.00 EUR") || !strings.Contains(body, "ACME") {
			t.Errorf("transaction message %q, want the amount and payee", body)
		}
	})
}

// inbox returns the newest test-inbox message body to to.
func inbox(t *testing.T, h *dialecttest.Harness, a dialecttest.App, to string) string {
	t.Helper()
	r := want(t, h.Do(dialecttest.Request{Method: "GET", Path: "/v1/test/messages?to=" + strings.TrimPrefix(to, "+"),
		Header: http.Header{"Authorization": {"Bearer " + a.APIKey}}}), 200)
	ms, _ := r.Body["data"].([]any)
	if len(ms) == 0 {
		t.Fatalf("no message to %s", to)
	}
	return ms[0].(map[string]any)["body"].(string)
}

// Every way a send can be wrong is a 4xx in K-OTP's error shape with a
// stable code, the field at fault and the value it had.
func TestSendErrors(t *testing.T) {
	big := `{"to":"+14155552671","method":"sms","type":"verification","metadata":{"x":"` + strings.Repeat("a", 1100) + `"}}`
	tests := []struct {
		name        string
		body        string
		contentType string
		status      int
		code, field string
		value       any // details.value, nil for none
	}{
		{"the seed's error example", `{"to":"123456","method":"sms","type":"verification"}`, "", 400, "INVALID_PHONE", "to", "123456"},
		{"not an email", `{"to":"someone@","method":"email","type":"verification"}`, "", 400, "INVALID_EMAIL", "to", "someone@"},
		{"sms to an email address", `{"to":"someone@example.com","method":"sms","type":"verification"}`, "", 400, "INVALID_PHONE", "to", "someone@example.com"},
		{"voice to an email address", `{"to":"someone@example.com","method":"voice","type":"verification"}`, "", 400, "INVALID_PHONE", "to", "someone@example.com"},
		{"email to a phone", `{"to":"+14155552671","method":"email","type":"verification"}`, "", 400, "INVALID_EMAIL", "to", "+14155552671"},
		{"to missing", `{"method":"sms","type":"verification"}`, "", 400, "INVALID_PARAMETER", "to", nil},
		{"method missing", `{"to":"+14155552671","type":"verification"}`, "", 400, "INVALID_PARAMETER", "method", nil},
		{"method unknown", `{"to":"+14155552671","method":"fax","type":"verification"}`, "", 400, "INVALID_PARAMETER", "method", "fax"},
		{"method not K-OTP's", `{"to":"+14155552671","method":"telegram","type":"verification"}`, "", 400, "INVALID_PARAMETER", "method", "telegram"},
		{"type missing", `{"to":"+14155552671","method":"sms"}`, "", 400, "INVALID_PARAMETER", "type", nil},
		{"type unknown", `{"to":"+14155552671","method":"sms","type":"login"}`, "", 400, "INVALID_PARAMETER", "type", "login"},
		{"ttl over 900", `{"to":"+14155552671","method":"sms","type":"verification","ttl":901}`, "", 400, "INVALID_PARAMETER", "ttl", 901.0},
		{"ttl 0", `{"to":"+14155552671","method":"sms","type":"verification","ttl":0}`, "", 400, "INVALID_PARAMETER", "ttl", 0.0},
		{"ttl a string", `{"to":"+14155552671","method":"sms","type":"verification","ttl":"300"}`, "", 400, "INVALID_PARAMETER", "ttl", "300"},
		{"length 3", `{"to":"+14155552671","method":"sms","type":"verification","length":3}`, "", 400, "INVALID_PARAMETER", "length", 3.0},
		{"length 9", `{"to":"+14155552671","method":"sms","type":"verification","length":9}`, "", 400, "INVALID_PARAMETER", "length", 9.0},
		{"metadata over 1 KB", big, "", 400, "INVALID_PARAMETER", "metadata", nil},
		{"metadata not an object", `{"to":"+14155552671","method":"sms","type":"verification","metadata":[1,2]}`, "", 400, "INVALID_PARAMETER", "metadata", nil},
		{"template unknown", `{"to":"+14155552671","method":"sms","type":"verification","template":"nope"}`, "", 400, "INVALID_PARAMETER", "template", "nope"},
		{"transaction without amount and payee", `{"to":"+14155552671","method":"sms","type":"transaction","metadata":{"order":"A-17"}}`, "", 400, "INVALID_PARAMETER", "metadata", nil},
		{"unknown field", `{"to":"+14155552671","method":"sms","type":"verification","channel":"sms"}`, "", 400, "INVALID_PARAMETER", "channel", "sms"},
		{"malformed JSON", `{"to":"+14155552671",`, "", 400, "INVALID_REQUEST", "", nil},
		{"not an object", `["+14155552671"]`, "", 400, "INVALID_REQUEST", "", nil},
		{"no body", ``, "application/json", 400, "INVALID_REQUEST", "", nil},
		{"not JSON", `to=+14155552671`, "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE", "", nil},
		{"body too large", `{"to":"` + strings.Repeat("1", 20000) + `"}`, "", 413, "PAYLOAD_TOO_LARGE", "", nil},
	}
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var extra []string
				if tc.contentType != "" {
					extra = []string{"Content-Type", tc.contentType}
				}
				r := call(h, "POST", "/v1/send", app.APIKey, tc.body, extra...)
				e := wantError(t, r, tc.status, tc.code, tc.field)
				if tc.field == "" && e.Details["field"] != nil {
					t.Errorf("details.field = %v, want none", e.Details["field"])
				}
				if e.Details["value"] != tc.value {
					t.Errorf("details.value = %#v, want %#v", e.Details["value"], tc.value)
				}
				if r.Header.Get("X-RateLimit-Limit") == "" {
					t.Errorf("no X-RateLimit-Limit on an authenticated error answer")
				}
			})
		}
	})
}
