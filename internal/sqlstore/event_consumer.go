package sqlstore

import (
	"context"
	"fmt"

	"github.com/otpd/otpd/internal/otp"
)

// The event consumer's cursor. Events are inserted once, numbered by seq
// as they are inserted, and the consumer keeps its place, a (tx, seq)
// pair, in the one row of event_cursor: consuming a batch moves that row
// in the batch's transaction, so a crash before the commit consumes
// nothing and a crash after it consumes the batch once. Where tx comes
// from and which events may be taken already is the dialect's
// (Dialect.Events): on SQLite everything committed, in seq order; on
// PostgreSQL what transactions older than every running one wrote, in
// (tx, seq) order. Either way no event can later commit before one taken.

// ListUndispatchedEvents returns up to limit events after the consumer's
// cursor, in the order the consumer takes them, each with its position.
func (s *Store) ListUndispatchedEvents(ctx context.Context, limit int) ([]otp.Event, error) {
	at, err := s.eventCursor(ctx)
	if err != nil {
		return nil, s.dbErr("list undispatched events", err)
	}
	next := s.d.Events.After
	if s.d.Events.Settled != "" {
		next += " AND " + s.d.Events.Settled
	}
	rows, err := s.reader.QueryContext(ctx,
		`SELECT `+s.d.Events.Tx+`, e.seq, e.id, e.type, e.app_id, e.verification_id, e.created_at, e.channel, e.country,
			e.cost_micros, e.cost_currency, e.reason, e.detail, COALESCE(v.destination, '')
		FROM events e LEFT JOIN verifications v ON v.id = e.verification_id AND v.app_id = e.app_id
		WHERE `+next+` ORDER BY `+s.d.Events.Order+limitClause(limit), at.Tx, at.Seq)
	if err != nil {
		return nil, s.dbErr("list undispatched events", err)
	}
	defer rows.Close()
	var out []otp.Event
	for rows.Next() {
		var (
			e       otp.Event
			created int64
			detail  string
		)
		if err := rows.Scan(&e.Position.Tx, &e.Position.Seq, &e.ID, &e.Type, &e.AppID, &e.VerificationID, &created,
			&e.Channel, &e.Country, &e.Cost.Micros, &e.Cost.Currency, &e.Reason, &detail, &e.Destination); err != nil {
			return nil, s.dbErr("list undispatched events", err)
		}
		e.CreatedAt = fromMicros(created)
		if e.Block, err = decodeEventDetail(detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, s.dbErr("list undispatched events", rows.Err())
}

// ConsumeEvents inserts the webhook deliveries ds, skipping any already
// queued for the same endpoint and event, adds stats to the daily rollup,
// records usage in the ledger (charging what it newly records), adds
// traffic to the fraud traffic history and moves the cursor past events,
// in one transaction: so each event is counted once and fanned out once,
// and each message charged once, even after a crash. The cursor moves
// only if it is still before the first of events; otherwise another
// consumer took them, and the whole transaction is ErrConflict.
func (s *Store) ConsumeEvents(ctx context.Context, ds []otp.WebhookDelivery, stats []otp.StatDelta, usage []otp.UsageRecord, traffic []otp.TrafficDelta, events []otp.Event) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		// The cursor first: a consumer that lost the race writes nothing
		// else, and of two racing, the second waits here.
		if len(events) > 0 {
			first, last := events[0].Position, events[len(events)-1].Position
			res, err := tx.ExecContext(ctx, `UPDATE event_cursor SET tx = $3, seq = $4 WHERE id = 1 AND (tx, seq) < ($1, $2)`,
				first.Tx, first.Seq, last.Tx, last.Seq)
			if err != nil {
				return s.dbErr("move event cursor", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("move event cursor: %w", err)
			}
			if n == 0 {
				return fmt.Errorf("move event cursor: taken by another consumer: %w", otp.ErrConflict)
			}
		}
		// The ledger next, as DeleteApplication does: of the two racing
		// on the same events, the one that waits holds no other lock.
		if err := s.recordUsage(ctx, tx, usage); err != nil {
			return err
		}
		for _, d := range ds {
			w := webhookDeliveryInsert(d)
			if _, err := tx.ExecContext(ctx, w.sql, w.args...); err != nil {
				return s.dbErr(w.op, err)
			}
		}
		for _, st := range stats {
			_, err := tx.ExecContext(ctx,
				`INSERT INTO daily_stats (app_id, day, channel, country, created, sent, verified, failed, cost_micros, cost_currency)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT (app_id, day, channel, country) DO UPDATE SET
					created = daily_stats.created + excluded.created, sent = daily_stats.sent + excluded.sent,
					verified = daily_stats.verified + excluded.verified, failed = daily_stats.failed + excluded.failed,
					cost_micros = daily_stats.cost_micros + excluded.cost_micros,
					cost_currency = CASE WHEN excluded.cost_currency = '' THEN daily_stats.cost_currency ELSE excluded.cost_currency END`,
				st.AppID, st.Day, string(st.Channel), st.Country, st.Created, st.Sent, st.Verified, st.Failed,
				st.Cost.Micros, st.Cost.Currency)
			if err != nil {
				return s.dbErr("add daily stats", err)
			}
		}
		return s.addTraffic(ctx, tx, traffic)
	})
}

// CountUnconsumedEvents counts the events after the consumer's cursor,
// those it may not take yet among them: its backlog.
func (s *Store) CountUnconsumedEvents(ctx context.Context) (int, error) {
	at, err := s.eventCursor(ctx)
	if err != nil {
		return 0, s.dbErr("count unconsumed events", err)
	}
	var n int
	err = s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM events e WHERE `+s.d.Events.After, at.Tx, at.Seq).Scan(&n)
	return n, s.dbErr("count unconsumed events", err)
}

// eventCursor reads the consumer's place.
func (s *Store) eventCursor(ctx context.Context) (otp.EventPosition, error) {
	var at otp.EventPosition
	err := s.reader.QueryRowContext(ctx, `SELECT tx, seq FROM event_cursor WHERE id = 1`).Scan(&at.Tx, &at.Seq)
	return at, err
}

// unconsumed is the condition that the event named e is after the
// consumer's cursor: not consumed yet.
func (s *Store) unconsumed() string {
	return `EXISTS (SELECT 1 FROM event_cursor c WHERE (` + s.d.Events.Tx + `, e.seq) > (c.tx, c.seq))`
}
