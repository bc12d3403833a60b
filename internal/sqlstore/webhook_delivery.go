package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

const webhookDeliveryColumns = `id, webhook_id, app_id, event_id, event_type, payload, status, attempts, next_attempt_at,
	last_status_code, last_error, last_latency_us, response_excerpt, created_at, updated_at, url, verification_id`

func scanWebhookDelivery(row interface{ Scan(...any) error }) (*otp.WebhookDelivery, error) {
	var (
		d                               otp.WebhookDelivery
		next, latency, created, updated int64
	)
	err := row.Scan(&d.ID, &d.WebhookID, &d.AppID, &d.EventID, &d.EventType, &d.Payload, &d.Status, &d.Attempts, &next,
		&d.LastStatusCode, &d.LastError, &latency, &d.ResponseExcerpt, &created, &updated, &d.URL, &d.VerificationID)
	if err != nil {
		return nil, err
	}
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = fromMicros(next), fromMicros(created), fromMicros(updated)
	d.LastLatency = time.Duration(latency) * time.Microsecond
	return &d, nil
}

// webhookDeliveryInsert queues d, unless its endpoint already has the
// same event queued or, for a per-send callback, its verification
// already has a callback: either unique index drops the duplicate.
func webhookDeliveryInsert(d otp.WebhookDelivery) rowWrite {
	return rowWrite{"enqueue webhook delivery",
		`INSERT INTO webhook_deliveries (` + webhookDeliveryColumns + `, claimed_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 0)
		ON CONFLICT DO NOTHING`,
		[]any{d.ID, d.WebhookID, d.AppID, d.EventID, string(d.EventType), d.Payload, string(d.Status), d.Attempts,
			micros(d.NextAttemptAt), d.LastStatusCode, d.LastError, d.LastLatency.Microseconds(), d.ResponseExcerpt,
			micros(d.CreatedAt), micros(d.UpdatedAt), d.URL, d.VerificationID}}
}

// ClaimWebhookDeliveries leases up to limit due pending deliveries until
// leaseUntil and counts the attempt: round-robin across applications
// (each one's oldest first, then each one's second, ...), leaving no
// application more than perApp deliveries in flight and no slow endpoint
// more than one. A delivery is in flight while its lease runs, so the
// caps hold across instances; ClaimLock makes their claims take turns.
//
// The ranks are taken in two steps so that a slow endpoint's backlog,
// which it may not claim, does not use up its application's turns.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, limit, perApp int) ([]otp.WebhookDelivery, error) {
	var out []otp.WebhookDelivery
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		out = out[:0]
		if s.d.ClaimLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.ClaimLock); err != nil {
				return s.dbErr("claim webhook deliveries", err)
			}
		}
		rows, err := tx.QueryContext(ctx,
			`UPDATE webhook_deliveries SET claimed_until = $1, attempts = attempts + 1
			WHERE status = 'pending' AND claimed_until <= $2 AND id IN (
				WITH busy AS (
					SELECT app_id, webhook_id, COUNT(*) AS n FROM webhook_deliveries
					WHERE claimed_until > $2 AND status = 'pending'
					GROUP BY app_id, webhook_id
				), app_busy AS (
					SELECT app_id, SUM(n) AS n FROM busy GROUP BY app_id
				), due AS (
					SELECT d.id, d.app_id, d.next_attempt_at, COALESCE(w.slow_score, 0) AS slow_score,
						COALESCE(b.n, 0) + ROW_NUMBER() OVER (PARTITION BY d.app_id, d.webhook_id ORDER BY d.next_attempt_at, d.id) AS hook_load
					FROM webhook_deliveries d
					LEFT JOIN webhooks w ON w.id = d.webhook_id
					LEFT JOIN busy b ON b.app_id = d.app_id AND b.webhook_id = d.webhook_id
					WHERE d.status = 'pending' AND d.next_attempt_at <= $2 AND d.claimed_until <= $2
				), allowed AS (
					SELECT id, app_id, next_attempt_at,
						ROW_NUMBER() OVER (PARTITION BY app_id ORDER BY next_attempt_at, id) AS app_rank
					FROM due WHERE slow_score < $3 OR hook_load <= 1
				)
				SELECT a.id FROM allowed a LEFT JOIN app_busy ab ON ab.app_id = a.app_id
				WHERE a.app_rank + COALESCE(ab.n, 0) <= $4
				ORDER BY a.app_rank, a.next_attempt_at, a.id`+limitClause(limit)+`
			)
			RETURNING `+webhookDeliveryColumns,
			micros(leaseUntil), micros(now), otp.WebhookSlowScore, max(perApp, 1))
		if err != nil {
			return s.dbErr("claim webhook deliveries", err)
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanWebhookDelivery(rows)
			if err != nil {
				return s.dbErr("claim webhook deliveries", err)
			}
			out = append(out, *d)
		}
		return s.dbErr("claim webhook deliveries", rows.Err())
	})
	return out, err
}

// RecordWebhookAttempt writes d's state and ends its lease, and inserts a
// and writes w's health when they are not nil, in one transaction.
func (s *Store) RecordWebhookAttempt(ctx context.Context, d *otp.WebhookDelivery, claimed int, a *otp.WebhookAttempt, w *otp.Webhook) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, claimed_until = 0,
				last_status_code = $5, last_error = $6, last_latency_us = $7, response_excerpt = $8, updated_at = $9
			WHERE id = $1 AND attempts = $10`,
			d.ID, string(d.Status), d.Attempts, micros(d.NextAttemptAt), d.LastStatusCode, d.LastError,
			d.LastLatency.Microseconds(), d.ResponseExcerpt, micros(d.UpdatedAt), claimed)
		if err != nil {
			return s.dbErr("record webhook attempt", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("record webhook attempt: %w", err)
		}
		if n == 0 {
			w = nil // claimed again since: the newer holder decides
		}
		if a != nil {
			_, err := tx.ExecContext(ctx,
				`INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_us, response_excerpt, error)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (delivery_id, attempt) DO NOTHING`,
				a.DeliveryID, a.Attempt, micros(a.At), a.StatusCode, a.Latency.Microseconds(), a.ResponseExcerpt, a.Error)
			if err != nil {
				return s.dbErr("record webhook attempt", err)
			}
		}
		if n == 1 && a != nil && d.WebhookID != "" {
			step := -1
			if a.Slow {
				step = 1
			}
			_, err := tx.ExecContext(ctx,
				`UPDATE webhooks SET slow_score = CASE WHEN slow_score + $2 > $3 THEN $3
					WHEN slow_score + $2 < 0 THEN 0 ELSE slow_score + $2 END WHERE id = $1`,
				d.WebhookID, step, otp.WebhookSlowScoreMax)
			if err != nil {
				return s.dbErr("record webhook slowness", err)
			}
		}
		if w != nil {
			_, err := tx.ExecContext(ctx,
				`UPDATE webhooks SET status = $2, disabled_reason = $3, failing_since = $4, updated_at = $5 WHERE id = $1`,
				w.ID, string(w.Status), w.DisabledReason, micros(w.FailingSince), micros(w.UpdatedAt))
			if err != nil {
				return s.dbErr("record webhook health", err)
			}
		}
		return nil
	})
}

// RequeueWebhookDelivery makes delivery id pending and due at now unless
// its lease runs past now; it reports whether it did. An unknown id is
// ErrNotFound.
func (s *Store) RequeueWebhookDelivery(ctx context.Context, id string, now time.Time) (bool, error) {
	var requeued bool
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, updated_at = $2
			WHERE id = $1 AND claimed_until <= $2`,
			id, micros(now))
		if err != nil {
			return s.dbErr("requeue webhook delivery", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("requeue webhook delivery: %w", err)
		}
		if requeued = n == 1; requeued {
			return nil
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM webhook_deliveries WHERE id = $1`, id).Scan(&one)
		return s.dbErr("requeue webhook delivery", err)
	})
	return requeued, err
}

// ListWebhookDeliveries returns an endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, webhookID string, f otp.WebhookDeliveryFilter) ([]otp.WebhookDelivery, error) {
	q := `SELECT ` + webhookDeliveryColumns + ` FROM webhook_deliveries WHERE webhook_id = $1`
	args := []any{webhookID}
	if f.Cursor != "" {
		args = append(args, f.Cursor)
		q += ` AND id < $2`
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.dbErr("list webhook deliveries", err)
	}
	defer rows.Close()
	var out []otp.WebhookDelivery
	for rows.Next() {
		d, err := scanWebhookDelivery(rows)
		if err != nil {
			return nil, s.dbErr("list webhook deliveries", err)
		}
		out = append(out, *d)
	}
	return out, s.dbErr("list webhook deliveries", rows.Err())
}

// GetWebhookDelivery returns a delivery, or ErrNotFound.
func (s *Store) GetWebhookDelivery(ctx context.Context, id string) (*otp.WebhookDelivery, error) {
	d, err := scanWebhookDelivery(s.reader.QueryRowContext(ctx,
		`SELECT `+webhookDeliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if err != nil {
		return nil, s.dbErr("get webhook delivery", err)
	}
	return d, nil
}

// ListWebhookAttempts returns a delivery's attempts, first first.
func (s *Store) ListWebhookAttempts(ctx context.Context, deliveryID string) ([]otp.WebhookAttempt, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT delivery_id, attempt, at, status_code, latency_us, response_excerpt, error
		FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`, deliveryID)
	if err != nil {
		return nil, s.dbErr("list webhook attempts", err)
	}
	defer rows.Close()
	var out []otp.WebhookAttempt
	for rows.Next() {
		var (
			a           otp.WebhookAttempt
			at, latency int64
		)
		if err := rows.Scan(&a.DeliveryID, &a.Attempt, &at, &a.StatusCode, &latency, &a.ResponseExcerpt, &a.Error); err != nil {
			return nil, s.dbErr("list webhook attempts", err)
		}
		a.At, a.Latency = fromMicros(at), time.Duration(latency)*time.Microsecond
		out = append(out, a)
	}
	return out, s.dbErr("list webhook attempts", rows.Err())
}
