package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// Sign-in cannot exhaust the server: password hashes are bounded, and
// attempts are limited per client address as well as per account; each
// console principal has its own rate limit.

// serveFrom sends a request to handler as if from the peer address
// ("192.0.2.1:1234"); extra headers come in pairs.
func serveFrom(t *testing.T, handler http.Handler, peer, method, path, token string, body any, headers ...string) response {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(j))
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = peer
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, req)
	r := response{status: w.Code, header: w.Header(), raw: w.Body.Bytes()}
	if len(r.raw) > 0 {
		if err := json.Unmarshal(r.raw, &r.body); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, r.raw)
		}
	}
	return r
}

// hashProbe counts the password hashes in flight (otp.Config.OnPasswordHash)
// and can hold the first few until released.
type hashProbe struct {
	mu       sync.Mutex
	inFlight int
	most     int
	toHold   int           // how many more hashes to hold
	held     chan struct{} // one send per hash held
	release  chan struct{} // closed: held hashes go on
	once     sync.Once
}

// releaseAll lets the held hashes go on.
func (p *hashProbe) releaseAll() { p.once.Do(func() { close(p.release) }) }

func newHashProbe() *hashProbe {
	return &hashProbe{held: make(chan struct{}, 100), release: make(chan struct{})}
}

func (p *hashProbe) around(hash func()) {
	p.mu.Lock()
	p.inFlight++
	p.most = max(p.most, p.inFlight)
	hold := p.toHold > 0
	if hold {
		p.toHold--
	}
	p.mu.Unlock()
	if hold {
		p.held <- struct{}{}
		<-p.release
	}
	hash()
	p.mu.Lock()
	p.inFlight--
	p.mu.Unlock()
}

func (p *hashProbe) maxInFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.most
}

func TestPasswordHashesAreBounded(t *testing.T) {
	const slots = 2
	probe := newHashProbe()
	probe.toHold = slots
	h := newHarness(t, harnessOptions{config: func(c *otp.Config) {
		c.Limits.PasswordHashes = slots
		c.Limits.PasswordHashWait = 10 * time.Millisecond
		c.Limits.SignInsPerIP = otp.Limit{Count: 1000, Period: time.Minute}
		c.OnPasswordHash = probe.around
	}})
	t.Cleanup(probe.releaseAll) // before the server closes: it waits for the held requests
	login := func(email string) response {
		return h.do("POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "correct horse battery"})
	}

	// Every slot taken by a sign-in whose hash is held: the next ones,
	// unknown emails included (their dummy hash is bounded too), and an
	// account creation are refused at once with 503 and Retry-After.
	var wg sync.WaitGroup
	held := make([]response, slots)
	for i := range slots {
		wg.Go(func() { held[i] = login(fmt.Sprintf("held%d@example.com", i)) })
	}
	for range slots {
		<-probe.held
	}
	for i := range 3 {
		r := login(fmt.Sprintf("overflow%d@example.com", i))
		if r.status != http.StatusServiceUnavailable || r.errCode() != "SERVICE_BUSY" || r.header.Get("Retry-After") != "1" {
			t.Errorf("overflow sign-in: %d %s, Retry-After %q; want 503 SERVICE_BUSY, Retry-After 1", r.status, r.raw, r.header.Get("Retry-After"))
		}
	}
	r := h.do("POST", "/v1/developers", adminToken, map[string]any{"email": "new@example.com", "password": "correct horse battery"})
	if r.status != http.StatusServiceUnavailable || r.errCode() != "SERVICE_BUSY" || r.header.Get("Retry-After") == "" {
		t.Errorf("account creation while busy: %d %s, Retry-After %q; want 503 SERVICE_BUSY with Retry-After", r.status, r.raw, r.header.Get("Retry-After"))
	}
	probe.releaseAll()
	wg.Wait()
	for _, r := range held {
		if r.status != http.StatusUnauthorized {
			t.Errorf("held sign-in of an unknown email: %d %s, want 401", r.status, r.raw)
		}
	}

	// Many parallel sign-ins with made-up emails: never more than slots
	// hashes at once; each is answered 401 or 503, never anything else.
	answers := make([]response, 40)
	for i := range answers {
		wg.Go(func() { answers[i] = login(fmt.Sprintf("random%d@example.com", i)) })
	}
	wg.Wait()
	for _, r := range answers {
		if r.status != http.StatusUnauthorized && r.status != http.StatusServiceUnavailable {
			t.Errorf("parallel sign-in: %d %s, want 401 or 503", r.status, r.raw)
		}
		if r.status == http.StatusServiceUnavailable && r.header.Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After: %s", r.raw)
		}
	}
	if got := probe.maxInFlight(); got > slots {
		t.Errorf("at most %d hashes ran at once, want at most %d", got, slots)
	}
}

func TestSignInsAreLimitedPerClientAddress(t *testing.T) {
	const perIP = 3
	h := newHarness(t, harnessOptions{config: func(c *otp.Config) {
		c.Limits.SignInsPerIP = otp.Limit{Count: perIP, Period: 15 * time.Minute}
	}})
	attempts := 0
	login := func(handler http.Handler, peer string, headers ...string) response {
		attempts++
		email := fmt.Sprintf("guess%d@example.com", attempts) // a new email each time: the per-account limit never applies
		return serveFrom(t, handler, peer, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "correct horse battery"}, headers...)
	}
	for range perIP {
		h.mustStatus(login(h.handler, "198.51.100.1:1000"), http.StatusUnauthorized)
	}
	r := h.mustStatus(login(h.handler, "198.51.100.1:1000"), http.StatusTooManyRequests)
	if r.errCode() != "RATE_LIMITED" || r.header.Get("Retry-After") == "" {
		t.Errorf("sign-in over the address's limit: code %q, Retry-After %q", r.errCode(), r.header.Get("Retry-After"))
	}
	signup := serveFrom(t, h.handler, "198.51.100.1:1000", "POST", "/v1/auth/signup", "", map[string]any{"email": "x@example.com", "password": "correct horse battery"})
	h.mustStatus(signup, http.StatusTooManyRequests)
	h.mustStatus(login(h.handler, "198.51.100.2:1000"), http.StatusUnauthorized) // another address is not affected

	// IPv6 clients are counted by their /64: a caller holding one gets no
	// fresh count per address.
	for i := range perIP {
		h.mustStatus(login(h.handler, fmt.Sprintf("[2001:db8:1:2::%d]:1000", i+1)), http.StatusUnauthorized)
	}
	h.mustStatus(login(h.handler, "[2001:db8:1:2::ffff]:1000"), http.StatusTooManyRequests)
	h.mustStatus(login(h.handler, "[2001:db8:1:3::1]:1000"), http.StatusUnauthorized)

	// Behind a trusted proxy each client has its own count; X-Forwarded-For
	// from anyone else is not believed.
	proxies, err := httpjson.ParseTrustedProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	behind := httpjson.WithClientIP(proxies, h.handler)
	for range perIP {
		h.mustStatus(login(behind, "10.0.0.5:1000", "X-Forwarded-For", "203.0.113.1"), http.StatusUnauthorized)
	}
	h.mustStatus(login(behind, "10.0.0.5:1000", "X-Forwarded-For", "203.0.113.1"), http.StatusTooManyRequests)
	h.mustStatus(login(behind, "10.0.0.5:1000", "X-Forwarded-For", "203.0.113.2"), http.StatusUnauthorized)
	for i := range perIP {
		h.mustStatus(login(behind, "192.0.2.9:1000", "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", 100+i)), http.StatusUnauthorized)
	}
	h.mustStatus(login(behind, "192.0.2.9:1000", "X-Forwarded-For", "203.0.113.200"), http.StatusTooManyRequests)
}

func TestConsoleRateLimitIsPerPrincipal(t *testing.T) {
	// Developer A spends its whole limit; the operator and developer B,
	// from the same address, still get in.
	limited := newHarness(t, harnessOptions{apiKeyLimit: 5})
	a, b := limited.developer("a@example.com"), limited.developer("b@example.com")
	for range 5 {
		limited.mustStatus(limited.do("GET", "/v1/projects", a, nil), 200)
	}
	r := limited.mustStatus(limited.do("GET", "/v1/projects", a, nil), http.StatusTooManyRequests)
	if r.errCode() != "RATE_LIMITED" {
		t.Errorf("A over its limit: code %q", r.errCode())
	}
	limited.mustStatus(limited.do("GET", "/v1/projects", adminToken, nil), 200)
	limited.mustStatus(limited.do("GET", "/v1/projects", b, nil), 200)
}

func TestConsoleRequestsAreLimitedPerClientAddress(t *testing.T) {
	h := newHarness(t, harnessOptions{config: func(c *otp.Config) {
		c.Limits.ConsoleRequestsPerIP = otp.Limit{Count: 3, Period: time.Minute}
	}})
	// Made-up tokens count too: checking one costs a database read.
	for i := range 3 {
		h.mustStatus(serveFrom(t, h.handler, "198.51.100.1:1000", "GET", "/v1/projects", fmt.Sprintf("otpd_session_guess%d", i), nil), http.StatusUnauthorized)
	}
	r := h.mustStatus(serveFrom(t, h.handler, "198.51.100.1:1000", "GET", "/v1/projects", adminToken, nil), http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	h.mustStatus(serveFrom(t, h.handler, "198.51.100.2:1000", "GET", "/v1/projects", adminToken, nil), 200)
}

func TestAuditKeepsTheClientAddressThroughTrustedProxies(t *testing.T) {
	h := newHarness(t)
	proxies, err := httpjson.ParseTrustedProxies("10.0.0.5")
	if err != nil {
		t.Fatal(err)
	}
	behind := httpjson.WithClientIP(proxies, h.handler)
	h.mustStatus(serveFrom(t, behind, "10.0.0.5:1000", "POST", "/v1/projects", adminToken, map[string]any{"name": "via proxy"}, "X-Forwarded-For", "203.0.113.7"), 201)
	h.mustStatus(serveFrom(t, behind, "192.0.2.9:1000", "POST", "/v1/projects", adminToken, map[string]any{"name": "direct"}, "X-Forwarded-For", "203.0.113.8"), 201)
	l := h.mustStatus(h.do("GET", "/v1/audit", adminToken, nil), 200).list()
	var got []string
	for _, e := range l {
		if e := e.(map[string]any); e["action"] == "POST /v1/projects" {
			got = append(got, e["remoteAddr"].(string))
		}
	}
	want := []string{"192.0.2.9", "203.0.113.7"} // newest first
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audited addresses = %v, want %v", got, want)
	}
}
