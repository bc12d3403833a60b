package telemetry

import (
	"context"
	"net/http"
	"strings"

	"github.com/otpd/otpd/internal/httpjson"
)

// Handler serves next with one server span per request, continuing the
// caller's trace when it sent a traceparent. The span is named after the
// method and the http.ServeMux pattern that matched, never the raw path,
// which holds ids: "POST /v1/verifications", "GET /v1/verifications/{id}".
//
// It must wrap the outermost ServeMux directly, with no middleware between
// that copies the request (r.WithContext): each ServeMux writes the
// pattern it matched into the *http.Request it was given, and the muxes
// nested below hand the same request on, so after serving, the request
// Handler passed down holds the innermost pattern.
//
// Install it only when tracing is on (otlp.Tracing.Handler does): it
// costs a few allocations per request.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if parent, ok := ParseTraceparent(r.Header.Get("traceparent")); ok {
			ctx = ContextWith(ctx, parent)
		}
		ctx, span := Start(ctx, r.Method, Server)
		defer span.End()
		span.SetAttributes(HTTPMethod.String(r.Method))
		sw := &httpjson.StatusRecorder{ResponseWriter: w}
		r = r.WithContext(ctx)
		next.ServeHTTP(sw, r)
		if route := routeOf(r.Pattern); route != "" {
			span.SetName(r.Method + " " + route)
			span.SetAttributes(HTTPRoute.String(route))
		}
		status := sw.Status
		if status == 0 {
			status = http.StatusOK // the handler wrote nothing: net/http answers 200
		}
		span.SetAttributes(HTTPStatus.Int(status))
		if status >= 500 {
			span.Fail()
		}
	})
}

// routeOf is the path of a ServeMux pattern: "POST /v1/x/{id}" gives
// "/v1/x/{id}". A pattern may also name a host, which is left out.
func routeOf(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:]
	}
	return pattern
}

// SetDialect names, on the request's span, the wire dialect that serves
// the request. It does nothing (and allocates nothing) when the span does
// not record.
func SetDialect(ctx context.Context, name string) {
	if span := FromContext(ctx); span.IsRecording() {
		span.SetAttributes(Dialect.String(name))
	}
}
