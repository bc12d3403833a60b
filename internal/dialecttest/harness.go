// Package dialecttest runs otpd in process for the wire dialects'
// contract tests: a real store (SQLite, and PostgreSQL when
// OTPD_TEST_POSTGRES_URL is set), the domain service on a settable clock,
// and the native API with the dialects under test mounted as cmd/otpd
// mounts them. Tests set up projects and applications through the native
// API, as an operator would, then speak the dialect over HTTP, as its
// clients do. It is for _test.go files only.
package dialecttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/postgres"
	"github.com/otpd/otpd/internal/postgres/pgtest"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// AdminToken is the operator's console token in every harness.
const AdminToken = "dialecttest-admin-token"

// Engines are the store engines Each runs a test on.
var Engines = []string{"sqlite", "postgres"}

// Each runs f as a subtest per engine. The PostgreSQL run skips when
// OTPD_TEST_POSTGRES_URL is not set (and fails under CI, which sets it).
func Each(t *testing.T, f func(t *testing.T, engine string)) {
	for _, e := range Engines {
		t.Run(e, func(t *testing.T) { f(t, e) })
	}
}

// Clock is a settable clock shared by the service and the test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Options configure a harness.
type Options struct {
	// Engine is "sqlite" (the default) or "postgres".
	Engine string
	// Store, if set, is the store to serve instead of one of Engine; the
	// test closes it.
	Store otp.Store
	// Dialects builds the dialects under test over the service.
	Dialects func(svc *otp.Service) []api.Dialect
	// Limits are the service's limits; zero values take its defaults.
	Limits otp.Limits
	// Config, if set, changes the service's configuration before it is built
	// (Sender-free extras such as Webhooks or Prices).
	Config func(c *otp.Config)
}

// Harness is otpd in process with the dialects under test.
type Harness struct {
	T   testing.TB
	URL string // the server's base URL, without a trailing slash
	// Handler is the server's handler, for calling it in process without a
	// connection: fuzz targets, whose inputs are many and small.
	Handler http.Handler
	Svc     *otp.Service
	Store   otp.Store
	Clock   *Clock
}

// New starts a harness; everything is closed when the test ends.
func New(t testing.TB, o Options) *Harness {
	t.Helper()
	var (
		store otp.Store
		err   error
	)
	switch {
	case o.Store != nil:
		store = o.Store
	case o.Engine == "" || o.Engine == "sqlite":
		store, err = sqlite.Open(t.Context(), sqlitetest.Path(t))
	case o.Engine == "postgres":
		store, err = postgres.Open(t.Context(), pgtest.NewSchema(t))
	default:
		t.Fatalf("unknown engine %q", o.Engine)
	}
	if err != nil {
		t.Fatal(err)
	}
	if o.Store == nil {
		t.Cleanup(func() { store.Close() })
	}
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &Clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	cfg := otp.Config{Store: store, Limiter: ratelimit.NewMemory(clk.Now), Keys: keys, Clock: clk, Limits: o.Limits}
	if o.Config != nil {
		o.Config(&cfg)
	}
	svc, err := otp.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var dialects []api.Dialect
	if o.Dialects != nil {
		dialects = o.Dialects(svc)
	}
	h, err := api.New(api.Config{Service: svc, AdminTokenHash: sha256.Sum256([]byte(AdminToken)), Version: "test", Dialects: dialects})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Harness{T: t, URL: srv.URL, Handler: h, Svc: svc, Store: store, Clock: clk}
}

// Response is an answer, its body kept raw and decoded.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	// Body is the decoded JSON body; nil when it is not a JSON object.
	Body map[string]any
}

// Data returns body.data as an object, or nil.
func (r Response) Data() map[string]any { d, _ := r.Body["data"].(map[string]any); return d }

// Request is one HTTP request of a test.
type Request struct {
	Method string
	Path   string // with its query string
	Header http.Header
	Body   string
	// Form, if set, is sent as application/x-www-form-urlencoded.
	Form url.Values
}

// Do sends req and decodes the answer.
func (h *Harness) Do(req Request) Response {
	h.T.Helper()
	body := io.Reader(strings.NewReader(req.Body))
	if req.Form != nil {
		body = strings.NewReader(req.Form.Encode())
	}
	r, err := http.NewRequestWithContext(context.Background(), req.Method, h.URL+req.Path, body)
	if err != nil {
		h.T.Fatal(err)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if req.Form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if req.Body != "" && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		h.T.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		h.T.Fatal(err)
	}
	out := Response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	json.Unmarshal(raw, &out.Body)
	return out
}

// Admin calls the native API with the operator's token and fails the
// test unless the answer has status want.
func (h *Harness) Admin(method, path, body string, want int) Response {
	h.T.Helper()
	r := h.Do(Request{Method: method, Path: path, Body: body, Header: http.Header{"Authorization": {"Bearer " + AdminToken}}})
	if r.Status != want {
		h.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	return r
}

// App is an application with its credentials as created.
type App struct {
	ID, ProjectID                                            string
	ClientID, ClientSecret, APIKey, PublicKey, WebhookSecret string
}

// CreateApp creates a project (with the given policy JSON, "" for the
// default) and an application of environment env ("live" or "test") in it.
func (h *Harness) CreateApp(env, policy string) App {
	h.T.Helper()
	body := `{"name":"Dialect test"}`
	if policy != "" {
		body = `{"name":"Dialect test","policy":` + policy + `}`
	}
	p := h.Admin("POST", "/v1/projects", body, 201).Data()
	d := h.Admin("POST", "/v1/applications", `{"name":"app","projectId":"`+p["id"].(string)+`","environment":"`+env+`"}`, 201).Data()
	str := func(k string) string { s, _ := d[k].(string); return s }
	return App{ID: str("id"), ProjectID: p["id"].(string), ClientID: str("clientId"), ClientSecret: str("clientSecret"),
		APIKey: str("apiKey"), PublicKey: str("publicKey"), WebhookSecret: str("webhookSecret")}
}

// Code returns the code of the newest test-inbox message to destination
// to (as otpd normalises it, e.g. +14155552671) of a test application,
// failing the test if there is none.
func (h *Harness) Code(a App, to string) string {
	h.T.Helper()
	codes, err := h.Codes(a, to)
	if err != nil {
		h.T.Fatal(err)
	}
	if len(codes) == 0 {
		h.T.Fatalf("no test-inbox message to %s", to)
	}
	return codes[0]
}

// Codes returns the codes of the test-inbox messages to destination to of
// a test application, newest first (at most 100). It never fails the
// test, so fuzz functions may call it.
func (h *Harness) Codes(a App, to string) ([]string, error) {
	app, err := h.Svc.GetApplication(otp.WithPrincipal(context.Background(), otp.Principal{}), a.ID)
	if err != nil {
		return nil, err
	}
	ms, err := h.Svc.TestMessages(context.Background(), app, to)
	if err != nil {
		return nil, err
	}
	codes := make([]string, len(ms))
	for i, m := range ms {
		codes[i] = m.Code
	}
	return codes, nil
}

// ConsumeEvents runs the event consumer until no event is left, as the
// server's background loop does: webhooks are queued, analytics and
// credits counted. On PostgreSQL the consumer takes an event once every
// transaction older than its own has ended, and other tests' transactions
// on the server may hold it back a moment: the harness waits for them.
func (h *Harness) ConsumeEvents() {
	h.T.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := h.Svc.ConsumeEvents(context.Background(), 200)
		if err != nil {
			h.T.Fatal(err)
		}
		if n > 0 {
			continue
		}
		left, err := h.Store.CountUnconsumedEvents(context.Background())
		if err != nil {
			h.T.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.T.Fatalf("%d events left that the consumer may not take", left)
		}
		time.Sleep(time.Millisecond)
	}
}

// Serve runs r through the server's handler in process, without a
// connection, and decodes the answer. It never fails the test, so fuzz
// functions may call it.
func (h *Harness) Serve(r *http.Request) Response {
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, r)
	out := Response{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	json.Unmarshal(out.Raw, &out.Body)
	return out
}

// SameCode reports whether a typed code is code as otpd compares codes:
// letters in either case, O read as 0, I and L as 1. Fuzz targets use it
// to tell a check that should succeed.
func SameCode(typed, code string) bool {
	norm := strings.NewReplacer("O", "0", "I", "1", "L", "1")
	return norm.Replace(strings.ToUpper(typed)) == norm.Replace(strings.ToUpper(code))
}
