// Package otlp sets up otpd's tracing: when the standard OpenTelemetry
// variables name an OTLP endpoint, it installs an SDK TracerProvider that
// batches spans to it over OTLP/HTTP, and the W3C trace-context
// propagator, as the process's globals that the hooks of the telemetry
// package use. Otherwise it installs nothing and starts nothing.
//
// The variables are read from the process environment, as the SDK reads
// its own (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_TRACES_SAMPLER, OTEL_BSP_*); the exporter's (endpoint, headers,
// timeout, compression, certificates) are read here, by config.go, to the
// specification's rules.
package otlp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/otpd/otpd/internal/telemetry"
)

// Tracing is the tracing of one process: on or off.
type Tracing struct {
	provider *sdktrace.TracerProvider // nil when off
}

// Enabled reports whether an OTLP endpoint is configured, so spans are
// recorded and exported (as OTEL_TRACES_SAMPLER samples them).
func Enabled(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") ||
		strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")) == "none" {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Start turns tracing on when Enabled says so, for a service whose
// version is version; otherwise it returns a Tracing that is off, having
// started no goroutine and changed no global. A configuration the
// exporter cannot serve is an error, naming the variable.
//
// Export failures are logged to logger as warnings: a collector that is
// down costs the spans of that time, never a request.
func Start(ctx context.Context, version string, logger *slog.Logger) (*Tracing, error) {
	if !Enabled(os.Getenv) {
		return &Tracing{}, nil
	}
	cfg, err := readExporterConfig(os.Getenv)
	if err != nil {
		return nil, err
	}
	// otpd and its version unless OTEL_SERVICE_NAME or
	// OTEL_RESOURCE_ATTRIBUTES say otherwise: the later detector wins.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "otpd"), attribute.String("service.version", version)),
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(newExporter(cfg)), sdktrace.WithResource(res))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { logger.Warn("traces", "err", err) }))
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return &Tracing{provider: provider}, nil
}

// Enabled reports whether t exports spans.
func (t *Tracing) Enabled() bool { return t.provider != nil }

// Handler wraps h in the request spans of telemetry.Handler when tracing
// is on, and returns h itself when it is off, which costs nothing.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	if t.provider == nil {
		return h
	}
	return telemetry.Handler(h)
}

// Shutdown exports the spans still batched, within ctx, and stops the
// exporter. Call it last, once the server and the workers have stopped
// making spans. The globals go back to no-ops, so that anything still
// running records nothing rather than into a provider that is shut down.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.provider == nil {
		return nil
	}
	otel.SetTracerProvider(noop.NewTracerProvider())
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
	if err := t.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("flush traces: %w", err)
	}
	return nil
}
