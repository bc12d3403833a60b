// Package metrics exports otpd's metrics in the Prometheus text format
// with the official client library. It owns the registry and every
// collector; the domain and the adapters only see small interfaces or
// funcs (otp.Metrics, delivery.SendObserver, sqlstore.CommitObserver)
// that cmd/otpd wires to a *Metrics. The README's "Metrics" section
// lists every metric with its labels.
//
// Labels take values from small fixed sets only: route patterns, methods,
// status codes, dialect names, channels, ISO countries, outcomes,
// configured provider names and error keys. Never an id, a phone number,
// an email address or an application's name.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds otpd's registry and collectors. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec

	created *prometheus.CounterVec
	checked *prometheus.CounterVec
	expired *prometheus.CounterVec
	refused *prometheus.CounterVec

	sends        *prometheus.CounterVec
	sendDuration *prometheus.HistogramVec
	webhooks     *prometheus.CounterVec

	commitDuration prometheus.Histogram
	commitBatch    prometheus.Histogram
}

// New returns Metrics with a registry of their own (not the client
// library's global one, so that several servers in one test process do
// not share counters), with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otpd_http_requests_total", Help: "HTTP requests answered, by route pattern, method, status code and dialect.",
	}, []string{"route", "method", "code", "dialect"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "otpd_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern, method and dialect.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method", "dialect"})
	m.created = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otpd_verifications_created_total", Help: "Verifications created, by channel and destination country (none for email).",
	}, []string{"channel", "country"})
	m.checked = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otpd_verifications_checked_total", Help: "Checks of a code, by outcome, channel and destination country.",
	}, []string{"outcome", "channel", "country"})
	m.expired = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otpd_verifications_expired_total", Help: "Verifications that expired while pending, by channel and destination country.",
	}, []string{"channel", "country"})
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otpd_refusals_total", Help: "Requests refused by a rate limit (kind rate_limit) or a fraud rule (kind fraud), by the error's key.",
	}, []string{"kind", "reason"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otpd_deliveries_total", Help: "Messages handed to a provider, by configured provider name and outcome.",
	}, []string{"provider", "outcome"})
	m.sendDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "otpd_provider_send_duration_seconds", Help: "Time a provider took to take or refuse a message, by provider.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"provider"})
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otpd_webhook_deliveries_total", Help: "Attempts to post a webhook delivery, by outcome.",
	}, []string{"outcome"})
	m.commitDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "otpd_store_commit_duration_seconds", Help: "Time of a database write transaction from its start to the end of its commit (SQLite: a group commit's batch).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	})
	m.commitBatch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "otpd_store_commit_batch_size", Help: "Requests committed together by one write transaction (always 1 on PostgreSQL).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
	})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestDuration,
		m.created, m.checked, m.expired, m.refused,
		m.sends, m.sendDuration, m.webhooks,
		m.commitDuration, m.commitBatch,
	)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the registry the metrics are in, for tests that gather it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }
