package telemetry_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/telemetry/telemetrytest"
)

// nestedMux is otpd's shape: an outer mux handing "/" to an inner one, as
// cmd/otpd's callbacks mux hands the API its routes.
func nestedMux(status int) http.Handler {
	inner := http.NewServeMux()
	inner.HandleFunc("POST /v1/verifications/{id}/check", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	})
	outer := http.NewServeMux()
	outer.Handle("/", inner)
	return outer
}

func TestHandlerNamesTheSpanAfterTheInnermostPattern(t *testing.T) {
	rec := telemetrytest.Record(t)
	h := telemetry.Handler(nestedMux(http.StatusUnprocessableEntity))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/v1/verifications/ver_secretish42/check", nil))

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("got %d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "POST /v1/verifications/{id}/check" || s.Kind() != telemetry.Server {
		t.Errorf("span %q kind %v, want POST /v1/verifications/{id}/check, server", s.Name(), s.Kind())
	}
	for key, want := range map[string]string{"http.route": "/v1/verifications/{id}/check", "http.response.status_code": "422", "http.request.method": "POST"} {
		if got := s.Attr(telemetry.Key(key)); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	for _, a := range s.Attrs() {
		if strings.Contains(a.Text(), "ver_secretish42") {
			t.Errorf("attribute %s holds the raw path's id: %q", a.Key, a.Text())
		}
	}
	if s.Failed() {
		t.Errorf("a 4xx marked the server span failed")
	}
}

func TestHandlerMarksServerErrorsAndContinuesTheCallersTrace(t *testing.T) {
	rec := telemetrytest.Record(t)
	h := telemetry.Handler(nestedMux(http.StatusServiceUnavailable))
	r := httptest.NewRequest("POST", "/v1/verifications/x/check", nil)
	r.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	h.ServeHTTP(httptest.NewRecorder(), r)

	s := rec.Ended()[0]
	if !s.Failed() {
		t.Errorf("a 503 did not mark the server span failed")
	}
	if got := s.TraceIDHex(); got != "0af7651916cd43dd8448eb211c80319c" {
		t.Errorf("trace id %s, want the caller's", got)
	}
	if pid := s.ParentID(); hex.EncodeToString(pid[:]) != "b7ad6b7169203331" || !s.RemoteParent() {
		t.Errorf("parent span id %x, want the caller's, remote", pid)
	}
}

func TestHandlerWithoutPatternIsNamedByMethodOnly(t *testing.T) {
	rec := telemetrytest.Record(t)
	h := telemetry.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/some/raw/path", nil))
	if s := rec.Ended()[0]; s.Name() != "GET" || s.Attr(telemetry.HTTPStatus) != "200" {
		t.Errorf("span %q status %q, want GET and 200", s.Name(), s.Attr(telemetry.HTTPStatus))
	}
}

func TestSetDialectNamesTheDialectOnTheRequestSpan(t *testing.T) {
	rec := telemetrytest.Record(t)
	h := telemetry.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		telemetry.SetDialect(r.Context(), "kotp")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	if got := rec.Ended()[0].Attr(telemetry.Dialect); got != "kotp" {
		t.Errorf("otpd.dialect = %q, want kotp", got)
	}
}

func TestChildSpansOnlyUnderARecordingSpan(t *testing.T) {
	rec := telemetrytest.Record(t)
	_, orphan := telemetry.Child(context.Background(), "orphan", telemetry.Internal)
	if orphan.IsRecording() {
		t.Error("a child span without a parent records")
	}
	telemetry.End(orphan, nil)

	ctx, parent := telemetry.Start(context.Background(), "parent", telemetry.Internal)
	_, child := telemetry.Child(ctx, "child", telemetry.Internal)
	telemetry.End(child, context.DeadlineExceeded)
	parent.End()

	if len(telemetrytest.Named(rec, "orphan")) != 0 {
		t.Error("the orphan child span was exported")
	}
	children := telemetrytest.Named(rec, "child")
	if len(children) != 1 {
		t.Fatalf("got %d child spans, want 1", len(children))
	}
	c := children[0]
	if c.ParentID() != parent.SpanID() {
		t.Error("the child span's parent is not the span in its context")
	}
	if !c.Failed() || c.Attr(telemetry.ErrorType) != "timeout" {
		t.Errorf("failed %v error.type %q, want failed and timeout", c.Failed(), c.Attr(telemetry.ErrorType))
	}
}

// With tracing off (the global no-op provider, as in every test that does
// not call Record), the hooks on the request path allocate nothing.
func TestHooksCostNoAllocationsWhenOff(t *testing.T) {
	ctx := context.WithValue(context.Background(), struct{}{}, "request")
	allocs := testing.AllocsPerRun(200, func() {
		c, span := telemetry.Child(ctx, "sqlstore.tx", telemetry.Client)
		if span.IsRecording() {
			span.SetAttributes(telemetry.DBSystem.String("sqlite"))
		}
		telemetry.SetDialect(c, "kotp")
		telemetry.End(span, context.Canceled)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call with tracing off, want 0", allocs)
	}
}

func TestTransportCarriesTraceparent(t *testing.T) {
	rec := telemetrytest.Record(t)
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("traceparent")
	}))
	defer srv.Close()
	client := &http.Client{Transport: telemetry.Transport(nil)}

	ctx, parent := telemetry.Start(context.Background(), "provider.send", telemetry.Internal)
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/bot123:TOKEN/sendMessage", nil)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	parent.End()
	header := <-got
	if req.Header.Get("traceparent") != "" {
		t.Error("the transport changed the caller's request")
	}

	calls := telemetrytest.Named(rec, "POST")
	if len(calls) != 1 {
		t.Fatalf("got %d client spans, want 1", len(calls))
	}
	call := calls[0]
	want := "00-" + parent.TraceIDHex() + "-" + call.SpanIDHex() + "-01"
	if header != want {
		t.Errorf("traceparent %q, want %q (the client span, in the caller's trace)", header, want)
	}
	if call.Kind() != telemetry.Client || call.ParentID() != parent.SpanID() {
		t.Errorf("client span kind %v parent %x, want client under provider.send", call.Kind(), call.ParentID())
	}
	for _, a := range call.Attrs() {
		if strings.Contains(a.Text(), "TOKEN") {
			t.Errorf("attribute %s holds the URL's token", a.Key)
		}
	}
}

func TestTransportOutsideATraceSendsNoHeader(t *testing.T) {
	telemetrytest.Record(t)
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header }))
	defer srv.Close()
	res, err := (&http.Client{Transport: telemetry.Transport(nil)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if h := <-got; h.Get("traceparent") != "" {
		t.Errorf("traceparent %q sent outside any trace", h.Get("traceparent"))
	}
}
