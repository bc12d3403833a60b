package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// DeleteOldData removes up to limit finished verifications created before
// verificationsBefore, with their messages and consumed events (and the
// consumed events about no verification from before then), and up to
// limit finished webhook deliveries last changed before webhooksBefore,
// with their attempts. Rollups (users, daily stats) are kept. It returns
// how many verifications and deliveries it removed.
func (s *Store) DeleteOldData(ctx context.Context, verificationsBefore, webhooksBefore time.Time, limit int) (int, error) {
	n := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		n = 0
		// Ids are time-ordered, so the oldest verifications are a range of
		// the primary key, up to the id of the cutoff (SQLite has no index
		// of created_at since migration 0038): a sweep that finds nothing
		// old reads nothing. The time in an id is the wall clock's when it
		// was made, a little after the creation time was read, so a
		// verification made just before the cutoff may have its id after
		// it and wait for a later sweep; created_at keeps it exact the
		// other way, so nothing created after the cutoff goes. (A service
		// clock set far behind the wall clock, as a test may inject, sweeps
		// nothing until the ids fall behind the cutoff.)
		ids, err := selectIDs(ctx, tx,
			`SELECT id FROM verifications WHERE id < $2 AND created_at < $1 AND status <> 'pending' ORDER BY id`+limitClause(limit),
			micros(verificationsBefore), idBound("ver", verificationsBefore))
		if err != nil {
			return s.dbErr("old verifications", err)
		}
		if len(ids) > 0 {
			in, args := inList(ids)
			for _, q := range []string{
				`DELETE FROM events AS e WHERE e.verification_id IN (` + in + `) AND NOT ` + s.unconsumed(),
				`DELETE FROM messages WHERE verification_id IN (` + in + `)`,
				`DELETE FROM outbox WHERE verification_id IN (` + in + `)`,
				`DELETE FROM verifications WHERE id IN (` + in + `)`,
			} {
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return s.dbErr("delete old verifications", err)
				}
			}
		}
		// Events about no verification (fraud.blocked, ...) go by age.
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM events AS e WHERE e.verification_id = '' AND e.created_at < $1 AND NOT `+s.unconsumed(),
			micros(verificationsBefore)); err != nil {
			return s.dbErr("delete old events", err)
		}
		dids, err := selectIDs(ctx, tx,
			`SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < $1 ORDER BY updated_at`+limitClause(limit),
			micros(webhooksBefore))
		if err != nil {
			return s.dbErr("old webhook deliveries", err)
		}
		if len(dids) > 0 {
			in, args := inList(dids)
			for _, q := range []string{
				`DELETE FROM webhook_attempts WHERE delivery_id IN (` + in + `)`,
				`DELETE FROM webhook_deliveries WHERE id IN (` + in + `)`,
			} {
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return s.dbErr("delete old webhook deliveries", err)
				}
			}
		}
		n = len(ids) + len(dids)
		return nil
	})
	return n, err
}

// DeleteFraudTrafficBefore deletes the fraud traffic history's buckets
// that start before before (otp.TrafficRetention ago).
func (s *Store) DeleteFraudTrafficBefore(ctx context.Context, before time.Time) (int, error) {
	res, err := s.writeExec(ctx, `DELETE FROM fraud_traffic WHERE bucket < $1`, micros(before))
	if err != nil {
		return 0, s.dbErr("delete old fraud traffic", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete old fraud traffic: %w", err)
	}
	return int(n), nil
}
