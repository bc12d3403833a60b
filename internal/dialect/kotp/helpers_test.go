package kotp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/dialect/kotp"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// newHarness starts otpd with the K-OTP dialect mounted, on engine;
// change, if set, adjusts the options first.
func newHarness(t *testing.T, engine string, change func(o *dialecttest.Options)) *dialecttest.Harness {
	t.Helper()
	o := dialecttest.Options{Engine: engine, Dialects: func(svc *otp.Service) []api.Dialect {
		return []api.Dialect{kotp.New(svc, nil)}
	}}
	if change != nil {
		change(&o)
	}
	return dialecttest.New(t, o)
}

// call sends a K-OTP request with API key key ("" for none) and body
// (a JSON text, "" for none); extra adds headers as name, value pairs.
func call(h *dialecttest.Harness, method, path, key, body string, extra ...string) dialecttest.Response {
	h.T.Helper()
	hdr := http.Header{}
	if key != "" {
		hdr.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		hdr.Set(extra[i], extra[i+1])
	}
	return h.Do(dialecttest.Request{Method: method, Path: path, Header: hdr, Body: body})
}

// want fails the test unless r has status status.
func want(t *testing.T, r dialecttest.Response, status int) dialecttest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

// wireErr is the error of an answer in K-OTP's shape.
type wireErr struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// errorOf decodes K-OTP's error body, failing the test if r has none.
func errorOf(t *testing.T, r dialecttest.Response) wireErr {
	t.Helper()
	var b struct {
		Error *wireErr `json:"error"`
	}
	if err := json.Unmarshal(r.Raw, &b); err != nil || b.Error == nil {
		t.Fatalf("answer %d %s is not K-OTP's error shape", r.Status, r.Raw)
	}
	if b.Error.Message == "" || b.Error.Details == nil {
		t.Errorf("error %s: want a message and a details object", r.Raw)
	}
	return *b.Error
}

// wantError fails the test unless r is K-OTP's error code with status,
// and, when field is set, details.field is field.
func wantError(t *testing.T, r dialecttest.Response, status int, code, field string) wireErr {
	t.Helper()
	e := errorOf(t, r)
	if r.Status != status || e.Code != code {
		t.Errorf("got %d %s, want %d %s: %s", r.Status, e.Code, status, code, r.Raw)
	}
	if field != "" && e.Details["field"] != field {
		t.Errorf("details.field = %v, want %s: %s", e.Details["field"], field, r.Raw)
	}
	return e
}

// keys returns an object's keys, sorted.
func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// wantKeys fails the test unless object m has exactly the keys of the
// seed's example, named in ks.
func wantKeys(t *testing.T, what string, m map[string]any, ks string) {
	t.Helper()
	want := strings.Fields(ks)
	slices.Sort(want)
	if got := keys(m); !slices.Equal(got, want) {
		t.Errorf("%s has keys %v, want the seed's %v", what, got, want)
	}
}

// wireTime is t as K-OTP writes times.
func wireTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// sendSeed sends the seed document's body of POST /send to to and
// returns the answer, failing the test unless it is a 200.
func sendSeed(t *testing.T, h *dialecttest.Harness, key, to string) map[string]any {
	t.Helper()
	r := want(t, call(h, "POST", "/v1/send", key, strings.Replace(seedSend, "+1234567890", to, 1)), 200)
	return r.Body
}

// seedSend is the request body of POST /send in the seed document,
// copied as it is. Its number +1234567890 is not a valid phone number.
const seedSend = `{
"to": "+1234567890",
"method": "sms",
"type": "verification",
"template": "default",
"ttl": 300,
"length": 6,
"metadata": {
"user_id": "user_123",
"action": "login"
}
}`

// seedVerify is the request body of POST /verify in the seed document,
// with the id and code to fill in.
func seedVerify(id, code string) string {
	return `{
"id": "` + id + `",
"code": "` + code + `"
}`
}

// fixedPrices is a price table: one price per channel, everywhere.
type fixedPrices map[otp.Channel]otp.Money

func (p fixedPrices) Price(c otp.Channel, _ string) (otp.Money, bool) {
	m, ok := p[c]
	return m, ok
}

// fakeSender accepts every message, or refuses each for good when fail is set.
type fakeSender struct{ fail bool }

func (s fakeSender) Send(_ context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if s.fail {
		return otp.SendResult{}, &otp.ProviderError{Provider: "fake", Message: "unreachable", Permanent: true}
	}
	return otp.SendResult{Provider: "fake", ProviderMessageID: "pm-" + m.ID}, nil
}

// deliverAll hands every due message of live applications to sender, as
// the delivery worker does.
func deliverAll(t *testing.T, h *dialecttest.Harness, sender otp.Sender) {
	t.Helper()
	ds, err := h.Svc.ClaimDeliveries(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if err := h.Svc.Deliver(t.Context(), sender, d); err != nil {
			t.Fatal(err)
		}
	}
}

// verID is otpd's id of a K-OTP id.
func verID(id string) string { return "ver_" + strings.TrimPrefix(id, "otp_") }

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
