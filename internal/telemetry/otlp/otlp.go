// Package otlp turns otpd's tracing on when the standard OpenTelemetry
// variables name an OTLP endpoint: it installs a telemetry.Tracer that
// samples as OTEL_TRACES_SAMPLER says and batches the spans that end to
// the endpoint over OTLP/HTTP. Otherwise it installs nothing and starts
// nothing.
//
// The variables are read from the process environment, by their
// specification's names and rules: config.go for the exporter's
// (endpoint, headers, timeout, compression, certificates), resource.go
// for the service's (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES),
// sampler.go for OTEL_TRACES_SAMPLER and batch.go for OTEL_BSP_*.
package otlp

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/otpd/otpd/internal/telemetry"
)

// Tracing is the tracing of one process: on or off.
type Tracing struct {
	batch *batcher // nil when off
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
// started no goroutine and installed nothing. A variable the exporter
// cannot serve is an error naming it. Export failures are logged to
// logger as warnings: a collector that is down costs the spans of that
// time, never a request.
func Start(ctx context.Context, version string, logger *slog.Logger) (*Tracing, error) {
	if !Enabled(os.Getenv) {
		return &Tracing{}, nil
	}
	cfg, err := readExporterConfig(os.Getenv)
	if err != nil {
		return nil, err
	}
	sampler, err := readSampler(os.Getenv)
	if err != nil {
		return nil, err
	}
	res, err := readResource(os.Getenv, version)
	if err != nil {
		return nil, err
	}
	bc, err := readBatchConfig(os.Getenv)
	if err != nil {
		return nil, err
	}
	b := startBatcher(bc, newExporter(cfg, res), logger)
	telemetry.Install(&telemetry.Tracer{Sample: sampler.sample, FollowParent: sampler.followParent, Ended: b.add})
	return &Tracing{batch: b}, nil
}

// Enabled reports whether t exports spans.
func (t *Tracing) Enabled() bool { return t.batch != nil }

// Handler wraps h in the request spans of telemetry.Handler when tracing
// is on, and returns h itself when it is off, which costs nothing.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	if t.batch == nil {
		return h
	}
	return telemetry.Handler(h)
}

// Shutdown uninstalls the tracer and exports the spans still batched,
// within ctx. Call it last, once the server and the workers have stopped
// making spans.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.batch == nil {
		return nil
	}
	telemetry.Install(nil)
	return t.batch.stop(ctx)
}
