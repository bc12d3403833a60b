package cobinar_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/dialect/cobinar"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

var _ api.Dialect = (*cobinar.Dialect)(nil)

// newHarness starts otpd with the Cobinar dialect mounted as cmd/otpd
// mounts it, webhooks signed and posted for real (to local receivers).
func newHarness(t testing.TB, engine string) *dialecttest.Harness {
	t.Helper()
	return dialecttest.New(t, dialecttest.Options{
		Engine:   engine,
		Dialects: func(svc *otp.Service) []api.Dialect { return []api.Dialect{cobinar.New(svc, nil)} },
		Config: func(c *otp.Config) {
			c.Webhooks = webhook.Transport{Sender: webhook.NewSender(webhook.Config{AllowPrivate: true}),
				Payloads: map[webhook.Scheme]webhook.PayloadFunc{webhook.Cobinar: cobinar.Payload}}
			c.WebhookAllowPrivate = true
		},
	})
}

// auth is Cobinar's application auth for app: the triple of headers.
func auth(app dialecttest.App) http.Header {
	h := http.Header{}
	h.Set("x-client-id", app.ClientID)
	h.Set("x-client-secret", app.ClientSecret)
	h.Set("x-api-key", app.APIKey)
	return h
}

// message is the error message of r, "" if it has none.
func message(r dialecttest.Response) string {
	e, _ := r.Body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// with returns h with the extra headers set (a value "" removes one).
func with(h http.Header, kv ...string) http.Header {
	out := h.Clone()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

func post(h *dialecttest.Harness, path string, header http.Header, body string) dialecttest.Response {
	h.T.Helper()
	return h.Do(dialecttest.Request{Method: "POST", Path: path, Header: header, Body: body})
}

// send sends the seed's request to phone and returns the requestId.
func send(t *testing.T, h *dialecttest.Harness, app dialecttest.App, phone string) string {
	t.Helper()
	r := post(h, "/v1/otp/send", auth(app), `{ "phone": "`+phone+`" }`)
	if r.Status != 200 {
		t.Fatalf("send to %s: %d %s", phone, r.Status, r.Raw)
	}
	return r.Data()["requestId"].(string)
}

// verifyBody is the seed's verify request with requestId and code.
func verifyBody(requestID, code string) string {
	return `{ "requestId": "` + requestID + `", "code": "` + code + `" }`
}

// wrongCode is a code of the same length that is not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// keys returns the sorted keys of m.
func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// wantError fails unless r is the native error shape with status and code.
func wantError(t *testing.T, name string, r dialecttest.Response, status int, code string) map[string]any {
	t.Helper()
	e, _ := r.Body["error"].(map[string]any)
	if r.Status != status || e == nil || e["code"] != code || e["message"] == "" || e["message"] == nil {
		t.Errorf("%s: %d %s, want %d with error code %s and a message", name, r.Status, r.Raw, status, code)
		return nil
	}
	if extra := keys(r.Body); extra != "error" {
		t.Errorf("%s: body has %s, want only error", name, extra)
	}
	d, _ := e["details"].(map[string]any)
	return d
}
