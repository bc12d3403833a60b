package telemetry

import "net/http"

// Transport returns base (http.DefaultTransport when nil) wrapped so that
// a request made inside a trace carries it on: a client span for the
// call, when the caller's span records, and the W3C traceparent header,
// so that a provider or a webhook receiver that traces can join otpd's
// trace. A request made outside any trace goes to base untouched.
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base}
}

type transport struct{ base http.RoundTripper }

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := r.Context()
	carried := FromContext(ctx)
	if carried == nil {
		return t.base.RoundTrip(r)
	}
	// The span's name is the method alone: the URL may hold a token (the
	// Telegram bot's is in its path).
	ctx, span := Child(ctx, r.Method, Client)
	if span != nil {
		carried = span
		span.SetAttributes(HTTPMethod.String(r.Method), ServerAddress.String(r.URL.Hostname()))
	}
	// A RoundTripper must not change the caller's request: the header
	// goes on a copy.
	r = r.Clone(ctx)
	r.Header.Set("traceparent", Traceparent(carried))
	res, err := t.base.RoundTrip(r)
	if err == nil && span.IsRecording() {
		span.SetAttributes(HTTPStatus.Int(res.StatusCode))
		if res.StatusCode >= 400 {
			span.Fail()
		}
	}
	End(span, err)
	return res, err
}

// CloseIdleConnections passes on to base, so that http.Client's method of
// the same name still reaches the pooled connections.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
