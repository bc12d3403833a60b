package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

const adminToken = "test-admin-token"

// clock is a settable clock shared by the service and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sentMessages records what a live application's messages would have sent.
type sentMessages struct {
	mu   sync.Mutex
	msgs []otp.OutgoingMessage
}

func (s *sentMessages) Send(_ context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return otp.SendResult{Provider: "recorder", ProviderMessageID: m.ID}, nil
}

type harness struct {
	t       testing.TB
	url     string
	handler http.Handler
	svc     *otp.Service
	clock   *clock
	sender  *sentMessages
}

type harnessOptions struct {
	apiKeyLimit int
	challenges  otp.ChallengeVerifier           // CAPTCHA providers; nil: none configured
	openSignup  bool                            // OTPD_OPEN_SIGNUP=1
	config      func(*otp.Config)               // changes the service's configuration last
	wrap        func(http.Handler) http.Handler // wraps the API as cmd/otpd does (metrics)
}

func newHarness(t testing.TB, opts ...harnessOptions) *harness {
	t.Helper()
	var o harnessOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	store, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	limits := otp.Limits{}
	if o.apiKeyLimit > 0 {
		limits.APIKeyRequests = otp.Limit{Count: o.apiKeyLimit, Period: time.Minute}
	}
	lim := ratelimit.NewMemory(clk.Now)
	cfg := otp.Config{Store: store, Limiter: lim, Keys: keys, Clock: clk, Limits: limits, Challenges: o.challenges}
	if o.config != nil {
		o.config(&cfg)
	}
	svc, err := otp.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(api.Config{Service: svc, AdminTokenHash: sha256.Sum256([]byte(adminToken)), Version: "test", OpenSignup: o.openSignup})
	if err != nil {
		t.Fatal(err)
	}
	var served http.Handler = h
	if o.wrap != nil {
		served = o.wrap(h)
	}
	srv := httptest.NewServer(served)
	t.Cleanup(srv.Close)
	return &harness{t: t, url: srv.URL, handler: h, svc: svc, clock: clk, sender: &sentMessages{}}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r response) data() map[string]any {
	d, _ := r.body["data"].(map[string]any)
	return d
}

func (r response) list() []any {
	d, _ := r.body["data"].([]any)
	return d
}

func (r response) pagination() map[string]any {
	p, _ := r.body["pagination"].(map[string]any)
	return p
}

func (r response) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r response) errField() string {
	e, _ := r.body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	f, _ := d["field"].(string)
	return f
}

func (r response) errMessage() string {
	e, _ := r.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// do sends a request; body may be nil, a string (sent as is) or a value
// encoded as JSON. Extra headers come in pairs.
func (h *harness) do(method, path, token string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			h.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, raw)
		}
		// 503 is an answer (a provider otpd depends on is down), not a fault.
		if r.status >= 500 && r.status != http.StatusServiceUnavailable {
			h.t.Errorf("%s %s: server error %d: %s", method, path, r.status, raw)
		}
	}
	return r
}

func (h *harness) mustStatus(r response, want int) response {
	h.t.Helper()
	if r.status != want {
		h.t.Fatalf("status = %d, want %d; body: %s", r.status, want, r.raw)
	}
	return r
}

// createProject returns the id of a new project.
func (h *harness) createProject(name string) string {
	h.t.Helper()
	r := h.mustStatus(h.do("POST", "/v1/projects", adminToken, map[string]any{"name": name}), 201)
	return r.data()["id"].(string)
}

// createApp creates an application in a new project and returns its id and API key.
func (h *harness) createApp(env string) (id, apiKey string) {
	h.t.Helper()
	p := h.createProject("project for " + env)
	r := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": p, "environment": env}), 201)
	return r.data()["id"].(string), r.data()["apiKey"].(string)
}

// deliver runs the delivery pipeline once over everything queued.
func (h *harness) deliver() {
	h.t.Helper()
	ctx := h.t.Context()
	for {
		ds, err := h.svc.ClaimDeliveries(ctx, 100)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(ds) == 0 {
			return
		}
		for _, d := range ds {
			if err := h.svc.Deliver(ctx, h.sender, d); err != nil {
				h.t.Fatal(err)
			}
		}
	}
}

// send creates a verification and returns its id.
func (h *harness) send(key, to, channel string) string {
	h.t.Helper()
	r := h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": to, "channel": channel}), 201)
	return r.data()["id"].(string)
}

// inboxCode delivers and returns the newest code in the test inbox for to.
func (h *harness) inboxCode(key, to string) string {
	h.t.Helper()
	h.deliver()
	r := h.mustStatus(h.do("GET", "/v1/test/messages?to="+urlQuery(to), key, nil), 200)
	msgs := r.list()
	if len(msgs) == 0 {
		h.t.Fatalf("test inbox for %s is empty", to)
	}
	return msgs[0].(map[string]any)["code"].(string)
}

func urlQuery(s string) string {
	return strings.NewReplacer("+", "%2B", "@", "%40", " ", "%20").Replace(s)
}
