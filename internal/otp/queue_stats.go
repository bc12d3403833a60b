package otp

import (
	"context"
	"time"
)

// QueueStats are the sizes of the durable queues and the ages of their
// oldest items, for monitoring.
type QueueStats struct {
	Outbox         int           // messages waiting for a provider, leased ones included
	OutboxOldest   time.Duration // age of the oldest of them; 0 when there is none
	Webhooks       int           // webhook deliveries pending
	WebhooksOldest time.Duration // age of the oldest of them; 0 when there is none
}

// QueueStats reads the queues' sizes and oldest ages from the store.
func (s *Service) QueueStats(ctx context.Context) (QueueStats, error) {
	now := s.clock.Now()
	q, err := s.store.QueueStats(ctx)
	if err != nil {
		return QueueStats{}, err
	}
	return QueueStats{
		Outbox: q.Outbox, OutboxOldest: age(now, q.OutboxOldest),
		Webhooks: q.Webhooks, WebhooksOldest: age(now, q.WebhooksOldest),
	}, nil
}

// StoredQueues is what Store.QueueStats reads: the queues' sizes and the
// creation times of their oldest items (zero when empty).
type StoredQueues struct {
	Outbox         int
	OutboxOldest   time.Time
	Webhooks       int
	WebhooksOldest time.Time
}

func age(now, oldest time.Time) time.Duration {
	if oldest.IsZero() || oldest.After(now) {
		return 0
	}
	return now.Sub(oldest)
}
