package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/metrics"
)

// withMetrics counts and times every request of next (the routes'
// muxes) and, unless OTPD_METRICS_ADDR moves it to a listener of its
// own, serves GET /metrics beside them. /metrics on the main port needs
// no credentials: it shows counts by route, channel, country, outcome
// and provider, and no secret, id, destination or application name
// (label values come from fixed sets; TestMetricLabelsAreBounded). An
// operator who does not want it public sets OTPD_METRICS_ADDR to a
// private address.
func withMetrics(m *metrics.Metrics, cfg config, dialects []api.Dialect, next http.Handler) http.Handler {
	byPattern := map[string]string{}
	for _, d := range dialects {
		for _, p := range d.Patterns() {
			byPattern[p] = d.Name()
		}
	}
	counted := m.Instrument(next, byPattern)
	if cfg.MetricsAddr != "" {
		return counted
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/", counted)
	return mux
}

// serveMetrics serves GET /metrics alone on OTPD_METRICS_ADDR, when it is
// set, and returns the function that stops it.
func serveMetrics(m *metrics.Metrics, cfg config, logger *slog.Logger) (stop func(), err error) {
	if cfg.MetricsAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (OTPD_METRICS_ADDR): %w", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	go srv.Serve(ln)
	logger.Info("metrics listening", "addr", "http://"+ln.Addr().String()+"/metrics")
	return func() { srv.Close() }, nil
}
