package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
)

// Instrument counts and times every request next answers. The route
// label is the pattern of the innermost http.ServeMux that matched
// (r.Pattern, e.g. "POST /v1/verifications/{id}/check"), never the raw
// path; "unmatched" when no mux matched. A ServeMux writes the pattern
// into the request it was given, so Instrument must wrap the muxes
// directly, inside any middleware that replaces the request
// (r.WithContext): cmd/otpd puts it inside httpjson.WithClientIP.
//
// dialects maps the patterns a wire dialect mounts to the dialect's name;
// every other route is "native".
func (m *Metrics) Instrument(next http.Handler, dialects map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		begin := time.Now()
		rec := recorders.Get().(*httpjson.StatusRecorder)
		rec.ResponseWriter, rec.Status = w, 0
		next.ServeHTTP(rec, r)
		status := rec.Status
		rec.ResponseWriter = nil // a handler may not use w after it returns
		recorders.Put(rec)
		if status == 0 {
			status = http.StatusOK // nothing written: net/http answers 200
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		dialect, ok := dialects[route]
		if !ok {
			dialect = "native"
		}
		method := methodLabel(r.Method)
		m.requests.WithLabelValues(route, method, codeLabel(status), dialect).Inc()
		m.requestDuration.WithLabelValues(route, method, dialect).Observe(time.Since(begin).Seconds())
	})
}

// recorders reuses status recorders: Instrument allocates nothing of its
// own per request.
var recorders = sync.Pool{New: func() any { return new(httpjson.StatusRecorder) }}

// methodLabel keeps the method label to the methods otpd serves: a
// client can send any token as a method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// codeLabels are the status codes as label values, made once so that a
// request formats nothing.
var codeLabels = func() []string {
	l := make([]string, 600)
	for i := range l {
		l[i] = strconv.Itoa(i)
	}
	return l
}()

func codeLabel(code int) string {
	if code < 100 || code >= len(codeLabels) {
		return "other"
	}
	return codeLabels[code]
}
