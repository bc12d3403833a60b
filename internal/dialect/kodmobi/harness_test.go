package kodmobi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/dialect/kodmobi"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// newHarness starts otpd with the kod.mobi dialect on engine; config, if
// set, changes the service's configuration.
func newHarness(t testing.TB, engine string, config func(c *otp.Config)) *dialecttest.Harness {
	t.Helper()
	return dialecttest.New(t, dialecttest.Options{
		Engine:   engine,
		Dialects: func(svc *otp.Service) []api.Dialect { return []api.Dialect{kodmobi.New(svc, nil)} },
		Config:   config,
	})
}

// client speaks the dialect with one key, as the SDK or a server does.
type client struct {
	h   *dialecttest.Harness
	key string
	// header is added to every request (Origin, Accept-Language, …).
	header http.Header
}

func (c client) do(method, path, body string) dialecttest.Response {
	c.h.T.Helper()
	hd := http.Header{"X-Api-Key": {c.key}}
	for k, vs := range c.header {
		hd[k] = vs
	}
	return c.h.Do(dialecttest.Request{Method: method, Path: path, Header: hd, Body: body})
}

func (c client) get(path string) dialecttest.Response {
	c.h.T.Helper()
	return c.do("GET", path, "")
}

func (c client) post(path, body string) dialecttest.Response {
	c.h.T.Helper()
	return c.do("POST", path, body)
}

// must fails the test unless r has status want.
func must(t *testing.T, what string, r dialecttest.Response, want int) dialecttest.Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, want, r.Raw)
	}
	return r
}

// wantError fails the test unless r is kod.mobi's error with status and sys_message.
func wantError(t *testing.T, what string, r dialecttest.Response, status int, sys string) {
	t.Helper()
	if r.Status != status || r.Body["success"] != false || r.Body["sys_message"] != sys {
		t.Fatalf("%s: %d %s, want %d with sys_message %s", what, r.Status, r.Raw, status, sys)
	}
	if msg, _ := r.Body["message"].(string); strings.TrimSpace(msg) == "" {
		t.Errorf("%s: error without a message: %s", what, r.Raw)
	}
}

// array decodes a bare JSON array answer.
func array(t *testing.T, r dialecttest.Response) []any {
	t.Helper()
	var out []any
	if err := json.Unmarshal(r.Raw, &out); err != nil {
		t.Fatalf("answer is not a JSON array: %s", r.Raw)
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }

func num(v any) int { f, _ := v.(float64); return int(f) }

// wrong is a code that differs from code in its first character.
func wrong(code string) string {
	if code[0] == '1' {
		return "2" + code[1:]
	}
	return "1" + code[1:]
}
