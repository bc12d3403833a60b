package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// ClaimDeliveries leases up to limit due outbox rows until leaseUntil and
// counts the attempt. A row is due when its next attempt is not after now
// and no lease on it is running. On PostgreSQL the inner SELECT skips rows
// another transaction is claiming, so concurrent workers never get the
// same row; SQLite has one writer and needs no such care.
func (s *Store) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]otp.Delivery, error) {
	var out []otp.Delivery
	// The lease as stored: ReleaseDeliveries finds the claim by it.
	leaseUntil = fromMicros(micros(leaseUntil))
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx,
			`UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
			WHERE id IN (
				SELECT id FROM outbox WHERE next_attempt_at <= $2 AND claimed_until <= $2
				ORDER BY next_attempt_at, id`+limitClause(limit)+s.d.SkipLocked+`
			)
			RETURNING id, app_id, verification_id, channel, destination, attempts, next_attempt_at, created_at,
				last_error, skip_providers`,
			micros(leaseUntil), micros(now))
		if err != nil {
			return s.dbErr("claim deliveries", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				d             otp.Delivery
				next, created int64
				skip          string
			)
			if err := rows.Scan(&d.ID, &d.AppID, &d.VerificationID, &d.Channel, &d.To, &d.Attempts, &next, &created,
				&d.LastError, &skip); err != nil {
				return s.dbErr("claim deliveries", err)
			}
			d.NextAttemptAt, d.CreatedAt, d.Skip = fromMicros(next), fromMicros(created), splitSkip(skip)
			d.ClaimedUntil = leaseUntil
			out = append(out, d)
		}
		return s.dbErr("claim deliveries", rows.Err())
	})
	if err != nil {
		return nil, err
	}
	// RETURNING promises no order; hand out the oldest work first.
	slices.SortFunc(out, func(a, b otp.Delivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// FinishDelivery deletes the outbox row of d and, with a non-nil change,
// applies change to its verification, in one transaction. If the row is
// already gone, another worker finished it after this one's lease ran out,
// and nothing is done: the outcome was recorded once. If the verification
// is gone, only the row is deleted. If change returns an error nothing is
// written, the row stays leased, and that error is returned as it is.
func (s *Store) FinishDelivery(ctx context.Context, d otp.Delivery, change func(v *otp.Verification) (otp.Effects, error)) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = $1`, d.ID)
		return s.changeAfterOutboxWrite(ctx, tx, "finish delivery", res, err, d, change)
	})
}

// RetryDelivery ends the lease on d, makes it due again at next with
// lastError and the providers that refused it, and applies change to its
// verification, in one transaction. Only the holder of the latest claim
// may do so: if the row was claimed again after d's lease ran out, the
// attempt counts differ and the newer worker decides, so nothing is
// changed. A missing verification leaves only the row changed; an error
// from change is returned as it is, and nothing is written.
func (s *Store) RetryDelivery(ctx context.Context, d otp.Delivery, next time.Time, lastError string, skip []string,
	change func(v *otp.Verification) (otp.Effects, error)) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE outbox SET next_attempt_at = $2, claimed_until = 0, last_error = $3, skip_providers = $4
			WHERE id = $1 AND attempts = $5`,
			d.ID, micros(next), lastError, joinSkip(skip), d.Attempts)
		return s.changeAfterOutboxWrite(ctx, tx, "retry delivery", res, err, d, change)
	})
}

// changeAfterOutboxWrite applies change to d's verification once the
// statement that wrote d's outbox row (res, err) has run: only if it
// touched the row (this worker still holds the latest claim) and change
// is not nil; a missing verification leaves only the row written.
func (s *Store) changeAfterOutboxWrite(ctx context.Context, tx *txRunner, what string, res sql.Result, err error,
	d otp.Delivery, change func(v *otp.Verification) (otp.Effects, error)) error {
	if err != nil {
		return s.dbErr(what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	} else if n == 0 || change == nil {
		return nil
	}
	v, err := s.lockVerification(ctx, tx, d.AppID, d.VerificationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return s.dbErr(what, err)
	}
	return s.applyChange(ctx, tx, v, change)
}

// joinSkip and splitSkip store a skip list as comma-separated provider
// names, "" for none; provider names hold no commas.
func joinSkip(names []string) string { return strings.Join(names, ",") }

func splitSkip(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// testInboxColumns are what a test-inbox message is rendered from: its
// record's columns, then its verification's (scanTestInboxMessage).
const testInboxColumns = `m.id, m.app_id, m.verification_id, m.channel, m.destination, m.attempts, m.created_at, m.sent_at,
	v.destination, v.purpose, v.locale, v.expires_at, v.options, v.country, v.inbox_code`

// testInboxMessage is the predicate of a message m of the test inbox
// whose verification is v, sent at or after $2. The provider is written
// out, not a parameter, so that the engines match the partial indexes
// messages_test_inbox and messages_test_inbox_to (migration 0035).
const testInboxMessage = `m.provider = '` + otp.TestInboxProvider + `' AND m.sent_at >= $2 AND v.inbox_code IS NOT NULL`

// testInboxTo selects cols of the test-inbox messages of the applications
// apps (a condition on an app_id: "= $1", "IN (...)") sent since the time
// placeholder since to the destination placeholder to, in two parts that
// each have their index: a message to its verification's destination
// (stored as "") is found through the verification
// (verifications_destination, then messages_verification); a fallback
// step to another destination through messages_test_inbox_to, which holds
// only those. In the first part the provider is compared as an
// expression: SQLite, which has no statistics of these tables, would
// otherwise read the messages by application (messages_test_inbox) rather
// than by verification. (messages_provider, partial since migration 0038,
// holds no message of the test inbox.)
func testInboxTo(cols, apps, since, to string) string {
	return `SELECT ` + cols + ` FROM verifications v JOIN messages m ON m.verification_id = v.id
	WHERE v.app_id ` + apps + ` AND v.destination = ` + to + ` AND v.inbox_code IS NOT NULL
		AND m.destination = '' AND m.provider || '' = '` + otp.TestInboxProvider + `' AND m.sent_at >= ` + since + `
	UNION ALL
	SELECT ` + cols + ` FROM messages m JOIN verifications v ON v.id = m.verification_id
	WHERE m.app_id ` + apps + ` AND m.destination = ` + to + ` AND m.destination <> '' AND m.provider = '` + otp.TestInboxProvider + `'
		AND m.sent_at >= ` + since + ` AND v.inbox_code IS NOT NULL`
}

// ListTestMessages returns up to limit messages of the application's test
// inbox sent at or after since, newest first, only those to destination
// to if it is set (see otp.Store). Without to, messages_test_inbox
// (app_id, sent_at) reads them in order.
func (s *Store) ListTestMessages(ctx context.Context, appID, to string, since time.Time, limit int) ([]otp.TestInboxMessage, error) {
	q := `SELECT ` + testInboxColumns + ` FROM messages m JOIN verifications v ON v.id = m.verification_id
		WHERE m.app_id = $1 AND ` + testInboxMessage
	args := []any{appID, micros(since)}
	if to != "" {
		q = testInboxTo(testInboxColumns, "= $1", "$2", "$3")
		args = append(args, to)
	}
	// By position, which both engines take after a UNION: m.sent_at, m.id.
	q += ` ORDER BY 8 DESC, 1 DESC` + limitClause(limit)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.dbErr("list test messages", err)
	}
	defer rows.Close()
	var out []otp.TestInboxMessage
	for rows.Next() {
		tm, err := scanTestInboxMessage(rows)
		if err != nil {
			return nil, s.dbErr("list test messages", err)
		}
		out = append(out, tm)
	}
	return out, s.dbErr("list test messages", rows.Err())
}

// scanTestInboxMessage reads a row of testInboxColumns.
func scanTestInboxMessage(rows *sql.Rows) (otp.TestInboxMessage, error) {
	var (
		tm                     otp.TestInboxMessage
		m, v                   = &tm.Message, &tm.Verification
		created, sent, expires int64
		options                sql.NullString
	)
	err := rows.Scan(&m.ID, &m.AppID, &m.VerificationID, &m.Channel, &m.To, &m.Attempts, &created, &sent,
		&v.To, &v.Purpose, &v.Locale, &expires, &options, &v.Country, &v.InboxCode)
	if err != nil {
		return tm, err
	}
	m.Provider = otp.TestInboxProvider
	m.CreatedAt, m.SentAt = fromMicros(created), fromMicros(sent)
	v.ID, v.AppID, v.ExpiresAt = m.VerificationID, m.AppID, fromMicros(expires)
	if options.Valid {
		if err := json.Unmarshal([]byte(options.String), &v.Options); err != nil {
			return tm, fmt.Errorf("decode options of %s: %w", v.ID, err)
		}
	}
	return tm, nil
}

// DeleteTestMessagesBefore erases the inbox codes of the verifications
// that expired before before, through verifications_inbox_code, and so
// takes their messages out of the test inbox (see otp.Store).
func (s *Store) DeleteTestMessagesBefore(ctx context.Context, before time.Time) (int, error) {
	res, err := s.writeExec(ctx, `UPDATE verifications SET inbox_code = NULL
		WHERE inbox_code IS NOT NULL AND expires_at < $1`, micros(before))
	if err != nil {
		return 0, s.dbErr("delete old test messages", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete old test messages: %w", err)
	}
	return int(n), nil
}
