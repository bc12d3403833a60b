// Package kotp speaks K-OTP's API (k-otp.dev, seed 001) over otpd's
// verifications: POST /v1/send, POST /v1/verify, GET /v1/status/{id} and
// GET /v1/otps with an application's API key as the Bearer key, K-OTP's
// answer and error shapes, its rate-limit headers, and its webhook
// envelope. It translates only: every rule is the domain's (otp.Service),
// so a verification made here is one like any other.
package kotp

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// Dialect serves K-OTP's API; it is an api.Dialect.
type Dialect struct {
	svc     *otp.Service
	log     *slog.Logger
	routes  []route
	openapi []byte
}

// maxBody bounds request bodies: a send is a few hundred bytes, its
// metadata at most 1 KB.
const maxBody = 16 << 10

// New returns the K-OTP dialect over svc; logger may be nil.
func New(svc *otp.Service, logger *slog.Logger) *Dialect {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Dialect{svc: svc, log: logger}
	d.routes = d.routeTable()
	doc, err := buildOpenAPI(d.routes)
	if err != nil {
		panic("kotp: OpenAPI document: " + err.Error()) // the types are fixed at compile time
	}
	d.openapi = doc
	return d
}

// Name is the dialect's short name.
func (d *Dialect) Name() string { return "kotp" }

// Title says what the dialect speaks.
func (d *Dialect) Title() string { return "K-OTP API" }

// Patterns are the paths the dialect answers. They are bare (no method):
// the dialect answers a wrong method with its own 405.
func (d *Dialect) Patterns() []string {
	ps := make([]string, 0, len(d.routes))
	for _, rt := range d.routes {
		if !slices.Contains(ps, rt.path) {
			ps = append(ps, rt.path)
		}
	}
	return ps
}

// handlerFunc answers an authenticated request of application a, or
// returns the error to answer with.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a *otp.Application) error

// ServeHTTP answers a request for one of Patterns: it finds the route,
// authenticates the API key, counts the call, and renders any error in
// K-OTP's shape.
func (d *Dialect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			d.log.Error("panic in kotp handler", "method", r.Method, "path", r.URL.Path, "panic", p)
			d.writeError(w, r, errInternal)
		}
	}()
	rt, allowed := d.match(r)
	if rt == nil {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		d.writeError(w, r, &otp.Error{Code: httpjson.CodeMethodNotAllowed, Key: "method_not_allowed",
			Message: "This method is not supported on this path; use " + strings.Join(allowed, " or ")})
		return
	}
	if rt.public {
		if err := rt.handler(w, r, nil); err != nil {
			d.writeError(w, r, err)
		}
		return
	}
	a, dec, err := d.svc.AuthenticateCall(r.Context(), otp.APICall{Key: bearer(r), RemoteIP: httpjson.RemoteIP(r),
		ReadOnly: r.Method == http.MethodGet || r.Method == http.MethodHead})
	if a != nil {
		httpjson.SetRateHeaders(w, dec)
	}
	if err == nil {
		err = rt.handler(w, r, a)
	}
	if err != nil {
		d.writeError(w, r, err)
	}
}

// match returns the route of r's pattern and method, or nil and the
// methods the path allows.
func (d *Dialect) match(r *http.Request) (*route, []string) {
	var allowed []string
	for i, rt := range d.routes {
		if rt.path != r.Pattern {
			continue
		}
		if rt.method == r.Method || rt.method == http.MethodGet && r.Method == http.MethodHead {
			return &d.routes[i], nil
		}
		allowed = append(allowed, rt.method)
	}
	return nil, allowed
}

// bearer returns the key of an "Authorization: Bearer <key>" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// wireTime is t as K-OTP writes times: in UTC, whole seconds, so that
// it encodes as "2024-01-15T10:30:00Z".
func wireTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// timeOrNil is wireTime(t), nil when t is zero (JSON null).
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	w := wireTime(t)
	return &w
}

// stringOrNil is s, nil when empty (JSON null).
func stringOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
