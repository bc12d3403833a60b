package main

import (
	"encoding/hex"
	"strings"
	"testing"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/otpd/otpd/internal/provider/twilio/twiliotest"
	"github.com/otpd/otpd/internal/telemetry/telemetrytest"
)

// TestTracesEndToEnd runs otpd with OTEL_EXPORTER_OTLP_ENDPOINT naming an
// in-process OTLP/HTTP collector: a create is a server span named after
// its route with store and limiter spans under it; its delivery is a
// trace of its own, down to the HTTP call to Twilio, which carries that
// call's span in traceparent; and the spans reach the collector when
// otpd shuts down, with no destination or key in any attribute.
func TestTracesEndToEnd(t *testing.T) {
	collector := telemetrytest.NewCollector(t)
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
		"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	fake := twiliotest.NewServer(t)
	base, stop := serveWithTwilio(t, fake)
	key := setupLiveApp(t, base)
	if st, res := call(t, "POST", base+"/v1/verifications", key, map[string]any{"to": "+1 415 555 2671", "channel": "sms"}); st != 201 {
		t.Fatalf("create: %d %v", st, res)
	}
	waitFor(t, "the message at Twilio", func() bool { return len(fake.Messages()) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	spans := collector.Spans()
	byID := map[string]*tracepb.Span{}
	for _, s := range spans {
		byID[hex.EncodeToString(s.SpanId)] = s
	}
	// under reports whether s descends from the span with id ancestor.
	under := func(s *tracepb.Span, ancestor []byte) bool {
		for p := byID[hex.EncodeToString(s.ParentSpanId)]; p != nil; p = byID[hex.EncodeToString(p.ParentSpanId)] {
			if string(p.SpanId) == string(ancestor) {
				return true
			}
		}
		return false
	}
	named := func(name string) []*tracepb.Span {
		var out []*tracepb.Span
		for _, s := range spans {
			if s.Name == name {
				out = append(out, s)
			}
		}
		return out
	}

	creates := named("POST /v1/verifications")
	if len(creates) != 1 {
		t.Fatalf("%d spans named POST /v1/verifications among %d, want 1", len(creates), len(spans))
	}
	create := creates[0]
	if create.Kind != tracepb.Span_SPAN_KIND_SERVER || telemetrytest.SpanAttr(create, "http.route") != "/v1/verifications" ||
		telemetrytest.SpanAttr(create, "http.response.status_code") != "201" {
		t.Errorf("create span kind %v route %q status %q, want server, /v1/verifications, 201", create.Kind,
			telemetrytest.SpanAttr(create, "http.route"), telemetrytest.SpanAttr(create, "http.response.status_code"))
	}
	for _, name := range []string{"sqlstore.tx", "sqlstore.read", "ratelimit.allow"} {
		found := false
		for _, s := range named(name) {
			found = found || under(s, create.SpanId)
		}
		if !found {
			t.Errorf("no %s span under the create's server span", name)
		}
	}
	for _, s := range named("sqlstore.tx") {
		if under(s, create.SpanId) && telemetrytest.SpanAttr(s, "db.system.name") != "sqlite" {
			t.Errorf("sqlstore.tx db.system.name %q, want sqlite", telemetrytest.SpanAttr(s, "db.system.name"))
		}
	}

	// The delivery: a root span per attempt, the provider under it, and
	// the HTTP call under that, whose id Twilio received.
	var sends []*tracepb.Span
	for _, s := range named("provider.send") {
		if telemetrytest.SpanAttr(s, "otpd.provider") == "twilio-us" {
			sends = append(sends, s)
		}
	}
	if len(sends) != 1 {
		t.Fatalf("%d provider.send spans for twilio-us, want 1", len(sends))
	}
	attempt := byID[hex.EncodeToString(sends[0].ParentSpanId)]
	if attempt == nil || attempt.Name != "delivery.attempt" || len(attempt.ParentSpanId) != 0 {
		t.Fatalf("provider.send's parent is %v, want a root delivery.attempt", attempt)
	}
	var traceparents []string
	for _, r := range fake.Requests() {
		if r.Traceparent != "" {
			traceparents = append(traceparents, r.Traceparent)
		}
	}
	if len(traceparents) != 1 {
		t.Fatalf("Twilio got %d requests with traceparent, want 1 (the send)", len(traceparents))
	}
	parts := strings.Split(traceparents[0], "-")
	if len(parts) != 4 || parts[1] != hex.EncodeToString(attempt.TraceId) {
		t.Fatalf("traceparent %q is not in the delivery attempt's trace %x", traceparents[0], attempt.TraceId)
	}
	call := byID[parts[2]]
	if call == nil || call.Kind != tracepb.Span_SPAN_KIND_CLIENT || !under(call, sends[0].SpanId) {
		t.Errorf("traceparent's span %s is %v, want a client span under provider.send", parts[2], call)
	}

	for _, s := range spans {
		for _, kv := range s.Attributes {
			v := kv.Value.String()
			if strings.Contains(v, "4155552671") || strings.Contains(v, key) || strings.Contains(v, fake.AuthToken) {
				t.Errorf("span %s attribute %s holds personal data or a secret: %s", s.Name, kv.Key, v)
			}
		}
	}
	if got := collector.Services(); len(got) == 0 || got[0] != "otpd" {
		t.Errorf("service.name %v, want otpd", got)
	}
}
