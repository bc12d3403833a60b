package otlp

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/telemetry/telemetrytest"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestExporterConfigFollowsTheSpecification(t *testing.T) {
	c, err := readExporterConfig(envOf(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://collector:4318/",
		"OTEL_EXPORTER_OTLP_HEADERS":         "authorization=Bearer%20abc, x-tenant=eu",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":  "x-tenant=us",
		"OTEL_EXPORTER_OTLP_TIMEOUT":         "2500",
		"OTEL_EXPORTER_OTLP_COMPRESSION":     "gzip",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
	}))
	if err != nil {
		t.Fatal(err)
	}
	// The traces-specific headers replace the general ones, as the
	// specification has it for every pair.
	if c.url != "http://collector:4318/v1/traces" || len(c.headers) != 1 || c.headers["x-tenant"] != "us" ||
		c.timeout != 2500*time.Millisecond || !c.gzip || c.tls != nil {
		t.Errorf("config %+v, want /v1/traces appended, the traces headers, 2.5 s, gzip", c)
	}
	c, err = readExporterConfig(envOf(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://ignored:4318",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector/custom/path",
		"OTEL_EXPORTER_OTLP_HEADERS":         "authorization=Bearer%20abc",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.url != "https://collector/custom/path" || c.headers["authorization"] != "Bearer abc" || c.timeout != 10*time.Second {
		t.Errorf("config %+v, want the traces endpoint as it is, the decoded header, the 10 s default", c)
	}
}

func TestBadExporterVariablesAreNamed(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1:4318", "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "OTEL_EXPORTER_OTLP_PROTOCOL=http/json"},
		{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=soon"},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", "OTEL_EXPORTER_OTLP_COMPRESSION=zstd"},
		{"OTEL_EXPORTER_OTLP_HEADERS", "no-value", "OTEL_EXPORTER_OTLP_HEADERS"},
		{"OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem", "OTEL_EXPORTER_OTLP_CERTIFICATE"},
	} {
		env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", tc.name: tc.value}
		if _, err := readExporterConfig(envOf(env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: error %v, want one naming %s", tc.name, tc.value, err, tc.want)
		}
	}
}

func TestExportedSpanFields(t *testing.T) {
	rec := telemetrytest.Record(t)
	parent, _ := telemetry.ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	_, span := telemetry.Start(telemetry.ContextWith(context.Background(), parent), "POST /v1/verifications", telemetry.Server)
	span.SetAttributes(telemetry.HTTPStatus.Int(503), telemetry.LimiterAllowed.Bool(true), telemetry.HTTPRoute.String("/v1/verifications"))
	span.Fail()
	span.End()
	s := rec.Ended()[0]

	p := spanProto(s)
	tid, sid := s.TraceID(), s.SpanID()
	if hex.EncodeToString(p.TraceId) != "0af7651916cd43dd8448eb211c80319c" || string(p.TraceId) != string(tid[:]) ||
		string(p.SpanId) != string(sid[:]) || hex.EncodeToString(p.ParentSpanId) != "b7ad6b7169203331" {
		t.Errorf("ids %x %x %x, want the span's, under the caller's", p.TraceId, p.SpanId, p.ParentSpanId)
	}
	if p.Kind != tracepb.Span_SPAN_KIND_SERVER || p.Status.Code != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("kind %v status %v, want SERVER and ERROR", p.Kind, p.Status.Code)
	}
	if p.StartTimeUnixNano == 0 || p.EndTimeUnixNano < p.StartTimeUnixNano {
		t.Errorf("times %d–%d", p.StartTimeUnixNano, p.EndTimeUnixNano)
	}
	if p.Flags != 0x01|0x100|0x200 {
		t.Errorf("flags %#x, want sampled, and a remote parent", p.Flags)
	}
	got := map[string]string{}
	for _, kv := range p.Attributes {
		got[kv.Key] = kv.Value.String()
	}
	if !strings.Contains(got["http.response.status_code"], "int_value:503") || !strings.Contains(got["otpd.ratelimit.allowed"], "bool_value:true") ||
		!strings.Contains(got["http.route"], `string_value:"/v1/verifications"`) {
		t.Errorf("attributes %v, want typed values", got)
	}
}

func TestExportReportsACollectorError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	e := newExporter(exporterConfig{url: srv.URL + "/v1/traces", timeout: 5 * time.Second}, nil)
	rec := telemetrytest.Record(t)
	_, span := telemetry.Start(context.Background(), "x", telemetry.Internal)
	span.End()
	err := e.export(context.Background(), rec.Ended())
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("export = %v, want an error with the collector's 503", err)
	}
}
