package sqlstore

import (
	"context"
	"database/sql"

	"github.com/otpd/otpd/internal/otp"
)

// QueueStats counts the outbox and the pending webhook deliveries and
// reads the creation time of the oldest of each (see otp.Store). Both
// queues stay short while the workers keep up, so the counts are cheap;
// the caller (the metrics scrape) caches the answer for a few seconds.
func (s *Store) QueueStats(ctx context.Context) (otp.StoredQueues, error) {
	var (
		q                   otp.StoredQueues
		outboxOld, hooksOld sql.NullInt64
	)
	err := s.read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM outbox), (SELECT MIN(created_at) FROM outbox),
		(SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'),
		(SELECT MIN(created_at) FROM webhook_deliveries WHERE status = 'pending')`).
		Scan(&q.Outbox, &outboxOld, &q.Webhooks, &hooksOld)
	if err != nil {
		return otp.StoredQueues{}, s.dbErr("queue stats", err)
	}
	if outboxOld.Valid {
		q.OutboxOldest = fromMicros(outboxOld.Int64)
	}
	if hooksOld.Valid {
		q.WebhooksOldest = fromMicros(hooksOld.Int64)
	}
	return q, nil
}
