package otlp_test

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/telemetry/otlp"
	"github.com/otpd/otpd/internal/telemetry/telemetrytest"
)

// clearEnv unsets the OpenTelemetry variables this package and the SDK
// read, whatever the machine running the test has set.
func clearEnv(t *testing.T) {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME",
		"OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
		"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
		"OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY"} {
		t.Setenv(k, "")
	}
}

func TestOffWithoutEndpointExportsNothingAndStartsNoGoroutine(t *testing.T) {
	clearEnv(t)
	collector := telemetrytest.NewCollector(t) // listening, but named nowhere
	goroutines := runtime.NumGoroutine()

	tracing, err := otlp.Start(context.Background(), "v1.2.3", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n != goroutines {
		t.Errorf("%d goroutines after Start, %d before: tracing off started some", n, goroutines)
	}
	if tracing.Enabled() {
		t.Error("tracing is on without OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	h := http.NewServeMux()
	if got := tracing.Handler(h); got != http.Handler(h) {
		t.Error("Handler wrapped the server's handler with tracing off")
	}
	_, span := telemetry.Start(context.Background(), "delivery.attempt", telemetry.Internal)
	if span.IsRecording() {
		t.Error("a span records with tracing off")
	}
	span.End()
	if err := tracing.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if collector.Posts() != 0 {
		t.Errorf("%d exports with tracing off", collector.Posts())
	}
}

func TestExportsSpansToTheOTLPEndpointAndFlushesOnShutdown(t *testing.T) {
	clearEnv(t)
	collector := telemetrytest.NewCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)

	tracing, err := otlp.Start(context.Background(), "v1.2.3", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !tracing.Enabled() {
		t.Fatal("tracing is off with OTEL_EXPORTER_OTLP_ENDPOINT set")
	}
	ctx, root := telemetry.Start(context.Background(), "delivery.attempt", telemetry.Internal)
	_, child := telemetry.Child(ctx, "provider.send", telemetry.Internal)
	child.End()
	root.End()
	// The batcher holds the spans until its schedule or Shutdown: this
	// Shutdown is what sends them.
	if err := tracing.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	spans := collector.Spans()
	names := map[string]bool{}
	for _, s := range spans {
		names[s.Name] = true
	}
	if len(spans) != 2 || !names["delivery.attempt"] || !names["provider.send"] {
		t.Fatalf("exported %d spans %v, want delivery.attempt and provider.send", len(spans), names)
	}
	if got := collector.Services(); len(got) == 0 || got[0] != "otpd" {
		t.Errorf("service.name %v, want otpd", got)
	}
	if _, span := telemetry.Start(context.Background(), "late", telemetry.Internal); span.IsRecording() {
		t.Error("a span records after Shutdown")
	}
}

// exportOneSpan starts tracing from the environment, ends one span and
// shuts down, which sends it.
func exportOneSpan(t *testing.T) {
	t.Helper()
	tracing, err := otlp.Start(context.Background(), "v1.2.3", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, span := telemetry.Start(context.Background(), "webhook.send", telemetry.Internal)
	span.End()
	if err := tracing.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestServiceNameComesFromTheEnvironment(t *testing.T) {
	clearEnv(t)
	collector := telemetrytest.NewCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.URL+"/v1/traces")
	t.Setenv("OTEL_SERVICE_NAME", "otpd-eu")

	exportOneSpan(t)
	if got := collector.Services(); len(got) != 1 || got[0] != "otpd-eu" {
		t.Errorf("service.name %v, want otpd-eu from OTEL_SERVICE_NAME", got)
	}
}

func TestOffWhenTheSDKIsDisabled(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_SDK_DISABLED", "true")
	tracing, err := otlp.Start(context.Background(), "v1.2.3", slog.New(slog.DiscardHandler))
	if err != nil || tracing.Enabled() {
		t.Errorf("Start = %v, enabled %v; want off without error", err, tracing != nil && tracing.Enabled())
	}
}

func TestGRPCProtocolIsRefusedByName(t *testing.T) {
	clearEnv(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	_, err := otlp.Start(context.Background(), "v1.2.3", slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_PROTOCOL=grpc") || !strings.Contains(err.Error(), "http/protobuf") {
		t.Errorf("Start = %v, want an error naming OTEL_EXPORTER_OTLP_PROTOCOL=grpc and the value to use", err)
	}
}

func TestExportSendsHeadersAndGzip(t *testing.T) {
	clearEnv(t)
	collector := telemetrytest.NewCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector.URL+"/v1/traces")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc")
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")

	exportOneSpan(t)
	h := collector.Header()
	if len(collector.Spans()) != 1 || h.Get("Authorization") != "Bearer abc" || h.Get("Content-Encoding") != "gzip" {
		t.Errorf("%d spans, Authorization %q, Content-Encoding %q; want 1, Bearer abc, gzip",
			len(collector.Spans()), h.Get("Authorization"), h.Get("Content-Encoding"))
	}
}
