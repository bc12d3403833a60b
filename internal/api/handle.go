package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// handlerFunc is an HTTP handler that returns its error for one place to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc: a returned error becomes the error answer,
// and a panic becomes a logged 500 instead of a dropped connection.
func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", p)
				s.writeError(w, r, errInternal)
			}
		}()
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// wrap applies a route's authentication before its handler.
func (s *Server) wrap(rt route) http.Handler {
	h := rt.handler
	switch rt.auth {
	case authConsole:
		if rt.method != http.MethodGet || rt.audit {
			h = s.audited(rt, h)
		}
		return s.handle(func(w http.ResponseWriter, r *http.Request) error {
			if d, err := s.svc.LimitConsoleAddress(r.Context(), httpjson.RemoteIP(r)); err != nil {
				if d.Limit > 0 {
					httpjson.SetRateHeaders(w, d)
				}
				return err
			}
			ctx, err := s.consolePrincipal(r)
			if err != nil {
				return err
			}
			d, err := s.svc.LimitConsole(ctx)
			if d.Limit > 0 {
				httpjson.SetRateHeaders(w, d)
			}
			if err != nil {
				return err
			}
			return h(w, r.WithContext(ctx))
		})
	case authApp:
		if rt.auditKeys {
			h = s.audited(rt, h) // called below with the application in the context
		}
		return s.handle(func(w http.ResponseWriter, r *http.Request) error {
			key := bearer(r)
			if key == "" && rt.apiKeyHeader {
				key = r.Header.Get("x-api-key")
			}
			app, d, err := s.svc.AuthenticateCall(r.Context(), otp.APICall{Key: key, RemoteIP: httpjson.RemoteIP(r),
				ReadOnly: r.Method == http.MethodGet || r.Method == http.MethodHead})
			if app != nil {
				httpjson.SetRateHeaders(w, d)
			}
			if err != nil {
				return err
			}
			return h(w, r.WithContext(context.WithValue(r.Context(), appKey{}, app)))
		})
	case authConsoleOrApp:
		// Both doors keep the route's method and path, so that the audit
		// log names the route (test-inbox reads, erasures).
		console, app := s.wrap(route{method: rt.method, path: rt.path, audit: rt.audit, auth: authConsole, handler: func(w http.ResponseWriter, r *http.Request) error {
			id := r.URL.Query().Get("appId")
			if id == "" && rt.appOptional {
				return h(w, r) // every application the caller may see
			}
			if id == "" {
				return queryError("appId", "appId is required with the console token")
			}
			a, err := s.svc.GetApplication(r.Context(), id)
			if err != nil {
				return err
			}
			return h(w, r.WithContext(context.WithValue(r.Context(), appKey{}, a)))
		}}), s.wrap(route{method: rt.method, path: rt.path, auditKeys: rt.auditKeys, auth: authApp, apiKeyHeader: rt.apiKeyHeader, handler: h})
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if t := bearer(r); s.adminOK(t) || strings.HasPrefix(t, sessionPrefix) || s.idToken(t) {
				console.ServeHTTP(w, r)
				return
			}
			app.ServeHTTP(w, r)
		})
	default:
		return s.handle(h)
	}
}

// sessionPrefix starts every developer session token.
const sessionPrefix = "otpd_session_"

// consolePrincipal authenticates a console request: the admin token is
// the operator; a session token, or an ID token of the operator's OpenID
// Connect issuer, a developer.
func (s *Server) consolePrincipal(r *http.Request) (context.Context, error) {
	t := bearer(r)
	if s.adminOK(t) {
		return otp.WithPrincipal(r.Context(), otp.Principal{}), nil
	}
	if strings.HasPrefix(t, sessionPrefix) {
		dev, err := s.svc.AuthenticateSession(r.Context(), t)
		if err != nil {
			return nil, err
		}
		return otp.WithPrincipal(r.Context(), otp.Principal{Developer: dev}), nil
	}
	if s.idToken(t) {
		dev, err := s.svc.AuthenticateIDToken(r.Context(), t, s.openSignup)
		if err != nil {
			return nil, err
		}
		return otp.WithPrincipal(r.Context(), otp.Principal{Developer: dev}), nil
	}
	return nil, &otp.Error{Code: otp.CodeUnauthenticated, Key: "invalid_admin_token", Message: "A valid console token is required: send Authorization: Bearer <admin token or session token>"}
}

// idToken reports whether t is to be checked as an ID token: it has a
// JWT's shape and the operator configured an issuer. Otherwise it gets the
// answer of any unknown console token.
func (s *Server) idToken(t string) bool {
	return s.svc.AcceptsIDTokens() && otp.LooksLikeIDToken(t)
}

// audited records a console action in the audit log once it is answered,
// whatever the outcome: refused attempts are worth knowing about too.
func (s *Server) audited(rt route, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sw := &httpjson.StatusRecorder{ResponseWriter: w}
		err := h(sw, r)
		status := sw.Status
		if err != nil {
			status = errorStatus(err)
		}
		var host string // the client, through trusted proxies
		if ip := httpjson.RemoteIP(r); ip.IsValid() {
			host = ip.String()
		}
		e := otp.AuditEntry{Action: rt.method + " " + rt.path, Target: auditTarget(rt, r), Status: status,
			RemoteAddr: host, UserAgent: r.UserAgent()}
		if a := appOrNil(r); a != nil {
			e.Actor = "application:" + a.ID // an API key's call (route.auditKeys)
		}
		ctx, cancel := auditContext(r)
		defer cancel()
		if aerr := s.svc.Audit(ctx, e); aerr != nil {
			s.log.Error("audit log", "err", aerr, "action", rt.method+" "+rt.path)
		}
		return err
	}
}

// auditTimeout bounds the audit record's write after the request's work:
// with the request timeout it stays under the server's write timeout.
const auditTimeout = 5 * time.Second

// auditContext is the context of a served request's audit record: not
// canceled with the request, because what was done must be recorded even
// if the client left or the deadline just passed, but bounded, so that a
// frozen database cannot hold the answer.
func auditContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), auditTimeout)
}

// auditTarget is the path as called, with a phone number or email in it
// masked: the audit log of an erasure must not keep what was erased.
func auditTarget(rt route, r *http.Request) string {
	if !strings.Contains(rt.path, "{phoneNumber}") {
		return r.URL.Path
	}
	return strings.Replace(rt.path, "{phoneNumber}", webhook.MaskDestination(r.PathValue("phoneNumber")), 1)
}

type appKey struct{}

// appFrom returns the authenticated application of an app-auth route.
func appFrom(r *http.Request) *otp.Application {
	return r.Context().Value(appKey{}).(*otp.Application)
}

// appOrNil is appFrom for a route whose console caller may name no
// application (route.appOptional): nil then.
func appOrNil(r *http.Request) *otp.Application {
	a, _ := r.Context().Value(appKey{}).(*otp.Application)
	return a
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
