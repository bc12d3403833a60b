package metrics

import (
	"time"

	"github.com/otpd/otpd/internal/delivery"
)

// ProviderSend is a delivery.SendObserver: one message handed to a
// configured provider.
func (m *Metrics) ProviderSend(provider string, outcome delivery.SendOutcome, took time.Duration) {
	m.sends.WithLabelValues(provider, string(outcome)).Inc()
	m.sendDuration.WithLabelValues(provider).Observe(took.Seconds())
}

// StoreCommit is a sqlstore.CommitObserver: one write transaction
// committed with requests requests in it.
func (m *Metrics) StoreCommit(took time.Duration, requests int) {
	m.commitDuration.Observe(took.Seconds())
	m.commitBatch.Observe(float64(requests))
}
