// Package api is otpd's native HTTP API under /v1: JSON in, JSON out,
// errors as {"error":{"code","message","details"}}. It translates HTTP to
// calls of otp.Service and back; business rules live in the domain.
package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// Config wires the API.
type Config struct {
	Service        *otp.Service
	AdminTokenHash [32]byte // SHA-256 of the console bearer token; zero disables console auth
	Logger         *slog.Logger
	Version        string
	// MaxBodyBytes bounds request bodies; default 64 KiB.
	MaxBodyBytes int64
	// OpenSignup lets anyone create a developer account with
	// POST /v1/auth/signup (OTPD_OPEN_SIGNUP); off, only the admin can.
	OpenSignup bool
	// Dialects are served beside the native API and listed in its
	// OpenAPI document.
	Dialects []Dialect
	// ReadyChecks are what GET /v1/ready asks, in order (the database,
	// Redis, shutdown); with none it answers ready.
	ReadyChecks []ReadyCheck
}

// Server serves the native API.
type Server struct {
	svc         *otp.Service
	adminHash   [32]byte
	log         *slog.Logger
	version     string
	maxBody     int64
	openSignup  bool
	started     time.Time
	mux         *http.ServeMux
	handler     http.Handler // mux behind the check of request text
	openapi     []byte
	readyChecks []ReadyCheck
}

// New returns the API as an http.Handler.
func New(c Config) (*Server, error) {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 10
	}
	s := &Server{
		svc: c.Service, log: c.Logger, version: c.Version, maxBody: c.MaxBodyBytes, openSignup: c.OpenSignup,
		started: time.Now(), mux: http.NewServeMux(), readyChecks: c.ReadyChecks,
	}
	s.adminHash = c.AdminTokenHash
	spec, err := buildOpenAPI(s.routes(), c.Version, dialectLinks(c.Dialects))
	if err != nil {
		return nil, err
	}
	s.openapi = spec
	// paths knows every path regardless of method, to tell 405 from 404.
	paths := http.NewServeMux()
	for _, rt := range s.routes() {
		h := s.wrap(rt)
		if rt.secret {
			h = noStore(h)
		}
		s.mux.Handle(rt.method+" "+rt.path, h)
		if _, p := paths.Handler(&http.Request{Method: "GET", URL: &url.URL{Path: rt.path}}); p == "" {
			paths.Handle(rt.path, http.NotFoundHandler())
		}
	}
	for _, d := range c.Dialects {
		for _, p := range d.Patterns() {
			s.mux.Handle(p, d)
		}
	}
	s.mux.Handle("/", s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if _, p := paths.Handler(r); p != "" {
			return &otp.Error{Code: httpjson.CodeMethodNotAllowed, Key: "method_not_allowed", Message: "This method is not supported on this path"}
		}
		return &otp.Error{Code: otp.CodeNotFound, Key: "no_route", Message: "No such endpoint"}
	}))
	s.handler = httpjson.RefuseBadText(s.mux, s.maxBody, s.refuseText)
	return s, nil
}

// noStore sends every answer of h with Cache-Control: no-store.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.NoStore(w)
		h.ServeHTTP(w, r)
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.handler.ServeHTTP(w, r)
}

// adminOK compares a presented token with the admin token in constant time.
func (s *Server) adminOK(token string) bool {
	if s.adminHash == [32]byte{} || token == "" {
		return false
	}
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], s.adminHash[:]) == 1
}
