// Package captchatest is an in-process fake of the four CAPTCHA
// providers' verification endpoints, speaking each one's wire protocol:
// Turnstile's and reCAPTCHA's and hCaptcha's siteverify, and Yandex
// SmartCaptcha's validate. Tests hand out tokens with Token; the fake
// accepts each once, as the providers do, and refuses a reused one with
// the provider's own error. It also serves the providers' browser widgets
// (widget.go), which solve themselves, for browser tests.
package captchatest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Server is the fake. Point each provider's base URL at URL.
type Server struct {
	URL string

	mu       sync.Mutex
	tokens   map[string]*token
	requests []Request
	failWith int // HTTP status of every answer while the fake is "down"
}

// Solve is how a user solved a widget: what the provider will report.
type Solve struct {
	Hostname string
	Action   string
	// Score is reCAPTCHA v3's score; nil for a v2 key, which has none.
	Score *float64
}

type token struct {
	provider otp.ChallengeProvider
	solve    Solve
	used     bool
	// usedWith is the Turnstile idempotency key of the first check.
	usedWith string
	solvedAt time.Time
}

// Request is one verification request the fake received.
type Request struct {
	Provider       otp.ChallengeProvider
	Method         string
	Secret         string
	Token          string
	RemoteIP       string
	SiteKey        string // hCaptcha's sitekey parameter
	IdempotencyKey string // Turnstile's idempotency_key
	UserAgent      string // the User-Agent header as sent
}

// NewServer starts the fake for the test's lifetime.
func NewServer(t testing.TB) *Server {
	s := &Server{tokens: map[string]*token{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/turnstile/v0/siteverify", s.siteverify(otp.Turnstile))
	mux.HandleFunc("/recaptcha/api/siteverify", s.siteverify(otp.ReCAPTCHA))
	mux.HandleFunc("/siteverify", s.siteverify(otp.HCaptcha))
	mux.HandleFunc("/validate", s.validate)
	s.serveWidgets(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// SiteKey is the public key of the fake's site at provider p.
func (s *Server) SiteKey(p otp.ChallengeProvider) string { return "site-key-of-" + string(p) }

// Secret is the secret key the fake expects from a server using p.
func (s *Server) Secret(p otp.ChallengeProvider) string {
	return "secret-key-of-" + string(p) + "-0123456789"
}

// Token returns a new token, as p's widget would give a user who solved it.
func (s *Server) Token(p otp.ChallengeProvider, solve Solve) string {
	b := make([]byte, 24)
	rand.Read(b)
	tok := string(p) + "." + hex.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = &token{provider: p, solve: solve, solvedAt: time.Now().UTC()}
	return tok
}

// FailWith makes every answer an HTTP error with status (such as 503)
// until it is called with 0.
func (s *Server) FailWith(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failWith = status
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// params reads a request's parameters from a form body, the query, or
// (Turnstile only) a JSON body.
func params(r *http.Request, p otp.ChallengeProvider) (map[string]string, bool) {
	out := map[string]string{}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		if p != otp.Turnstile {
			return nil, false
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return nil, false
		}
		return body, true
	}
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	for k := range r.Form {
		out[k] = r.Form.Get(k)
	}
	return out, true
}

// siteverify serves the protocol Turnstile, reCAPTCHA and hCaptcha share.
func (s *Server) siteverify(p otp.ChallengeProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if s.down(w) {
			return
		}
		in, ok := params(r, p)
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "error-codes": []string{"bad-request"}})
			return
		}
		req := Request{Provider: p, Method: r.Method, Secret: in["secret"], Token: in["response"], RemoteIP: in["remoteip"],
			SiteKey: in["sitekey"], IdempotencyKey: in["idempotency_key"], UserAgent: r.UserAgent()}
		writeJSON(w, http.StatusOK, s.judge(p, req))
	}
}

// judge records req and answers it as provider p would.
func (s *Server) judge(p otp.ChallengeProvider, req Request) map[string]any {
	fail := func(code string) map[string]any {
		return map[string]any{"success": false, "error-codes": []string{code}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	tok := s.tokens[req.Token]
	switch {
	case req.Secret == "":
		return fail("missing-input-secret")
	case req.Secret != s.Secret(p):
		return fail("invalid-input-secret")
	case req.Token == "":
		return fail("missing-input-response")
	case tok == nil || tok.provider != p:
		return fail("invalid-input-response")
	case p == otp.HCaptcha && req.SiteKey != "" && req.SiteKey != s.SiteKey(p):
		return fail("sitekey-secret-mismatch")
	case tok.used && p == otp.HCaptcha:
		return fail("already-seen-response")
	case tok.used && !(p == otp.Turnstile && tok.usedWith != "" && tok.usedWith == req.IdempotencyKey):
		return fail("timeout-or-duplicate")
	}
	tok.used, tok.usedWith = true, req.IdempotencyKey
	reply := map[string]any{"success": true, "challenge_ts": tok.solvedAt.Format(time.RFC3339), "hostname": tok.solve.Hostname}
	switch p {
	case otp.Turnstile:
		reply["error-codes"], reply["action"], reply["cdata"] = []string{}, tok.solve.Action, ""
	case otp.ReCAPTCHA:
		if tok.solve.Score != nil {
			reply["score"], reply["action"] = *tok.solve.Score, tok.solve.Action
		}
	case otp.HCaptcha:
		reply["credit"] = false
	}
	return reply
}

// validate serves Yandex SmartCaptcha's /validate (GET or POST).
func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if s.down(w) {
		return
	}
	in, ok := params(r, otp.SmartCaptcha)
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	req := Request{Provider: otp.SmartCaptcha, Method: r.Method, Secret: in["secret"], Token: in["token"], RemoteIP: in["ip"],
		UserAgent: r.UserAgent()}
	failed := func(msg string) { writeJSON(w, http.StatusOK, map[string]any{"status": "failed", "message": msg}) }
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	tok := s.tokens[req.Token]
	switch {
	case req.Secret == "":
		failed("Authentication failed. Secret has not provided.")
	case req.Secret != s.Secret(otp.SmartCaptcha):
		failed("Authentication failed. Invalid secret.")
	case tok == nil || tok.provider != otp.SmartCaptcha || tok.used:
		failed("Invalid or expired Token.")
	default:
		tok.used = true
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "message": "", "host": tok.solve.Hostname})
	}
}

func (s *Server) down(w http.ResponseWriter) bool {
	s.mu.Lock()
	status := s.failWith
	s.mu.Unlock()
	if status == 0 {
		return false
	}
	http.Error(w, http.StatusText(status), status)
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
