package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/telemetry/telemetrytest"
)

// A webhook post is a span of its own (a root one, from the background
// poster) and carries its trace to the receiver in traceparent.
func TestSendCarriesTraceparent(t *testing.T) {
	rec := telemetrytest.Record(t)
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("traceparent")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	s := newTestSender(t, Config{AllowHTTP: true})

	res := s.Send(context.Background(), srv.URL+"/hook?token=s3cret", http.Header{}, []byte(`{}`))
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", res.StatusCode)
	}
	header := <-got

	sends := telemetrytest.Named(rec, "webhook.send")
	posts := telemetrytest.Named(rec, "POST")
	if len(sends) != 1 || len(posts) != 1 {
		t.Fatalf("got %d webhook.send and %d POST spans, want one each", len(sends), len(posts))
	}
	send, post := sends[0], posts[0]
	if send.ParentID() != ([8]byte{}) {
		t.Error("webhook.send from a context without a span is not a root")
	}
	if post.ParentID() != send.SpanID() {
		t.Error("the POST span is not under webhook.send")
	}
	want := "00-" + send.TraceIDHex() + "-" + post.SpanIDHex() + "-01"
	if header != want {
		t.Errorf("traceparent %q, want %q", header, want)
	}
	if got := send.Attr(telemetry.HTTPStatus); got != "503" {
		t.Errorf("webhook.send status attribute %q, want 503", got)
	}
	for _, s := range rec.Ended() {
		for _, a := range s.Attrs() {
			if v := a.Text(); strings.Contains(v, "s3cret") {
				t.Errorf("span %s attribute %s holds the URL or its token: %q", s.Name(), a.Key, v)
			}
		}
	}
}
