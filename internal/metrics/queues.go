package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/otpd/otpd/internal/otp"
)

// Queue gauges are read from the store when Prometheus scrapes, not kept
// up to date by the workers: the counts are then right whichever
// instance queued or delivered the items (several instances share one
// PostgreSQL), and nothing runs while nobody scrapes. A scrape waits at
// most queueTimeout for the query, and answers from the last reading for
// queueCacheFor, so that many scrapers or a fast scrape interval cannot
// hammer the database.
const (
	queueTimeout  = 2 * time.Second
	queueCacheFor = 5 * time.Second
)

// QueueReader reads the queues' sizes and ages; (*otp.Service).QueueStats is one.
type QueueReader func(ctx context.Context) (otp.QueueStats, error)

// WatchQueues adds the outbox and webhook queue gauges, read with read.
// Call it once.
func (m *Metrics) WatchQueues(read QueueReader) {
	m.reg.MustRegister(&queueCollector{read: read, now: time.Now})
}

var (
	outboxDepthDesc = prometheus.NewDesc("otpd_outbox_messages",
		"Messages in the outbox: queued for a provider or being sent.", nil, nil)
	outboxAgeDesc = prometheus.NewDesc("otpd_outbox_oldest_age_seconds",
		"Age of the oldest message in the outbox; 0 when it is empty.", nil, nil)
	webhookDepthDesc = prometheus.NewDesc("otpd_webhook_queue_deliveries",
		"Webhook deliveries pending (queued or being retried).", nil, nil)
	webhookAgeDesc = prometheus.NewDesc("otpd_webhook_queue_oldest_age_seconds",
		"Age of the oldest pending webhook delivery; 0 when there is none.", nil, nil)
	queueErrorDesc = prometheus.NewDesc("otpd_queue_read_errors_total",
		"Scrapes whose read of the queues failed or timed out.", nil, nil)
)

// queueCollector reads the queues at scrape time, at most every
// queueCacheFor. Its lock is taken by scrapes only, never by requests.
type queueCollector struct {
	read QueueReader
	now  func() time.Time

	mu     sync.Mutex
	last   otp.QueueStats
	readAt time.Time // zero until a read succeeded
	errors int
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- outboxAgeDesc
	ch <- webhookDepthDesc
	ch <- webhookAgeDesc
	ch <- queueErrorDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.readAt.IsZero() || now.Sub(c.readAt) >= queueCacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
		q, err := c.read(ctx)
		cancel()
		if err != nil {
			c.errors++
			c.readAt = time.Time{} // stale gauges would hide the failure
		} else {
			c.last, c.readAt = q, now
		}
	}
	ch <- prometheus.MustNewConstMetric(queueErrorDesc, prometheus.CounterValue, float64(c.errors))
	if c.readAt.IsZero() {
		return // no reading yet: better no gauge than a wrong zero
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(c.last.Outbox))
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, c.last.OutboxOldest.Seconds())
	ch <- prometheus.MustNewConstMetric(webhookDepthDesc, prometheus.GaugeValue, float64(c.last.Webhooks))
	ch <- prometheus.MustNewConstMetric(webhookAgeDesc, prometheus.GaugeValue, c.last.WebhooksOldest.Seconds())
}
