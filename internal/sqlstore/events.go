package sqlstore

import (
	"context"
	"fmt"

	"github.com/otpd/otpd/internal/otp"
)

// This read is not part of otp.Store yet. It lets the conformance suite
// see that events commit with the change they record.

// ListEvents returns the events of an application in the order they were
// written, up to limit of them.
func (s *Store) ListEvents(ctx context.Context, appID string, limit int) ([]otp.Event, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT id, type, app_id, verification_id, created_at FROM events
		WHERE app_id = $1 ORDER BY id`+limitClause(limit), appID)
	if err != nil {
		return nil, s.dbErr("list events", err)
	}
	defer rows.Close()
	var out []otp.Event
	for rows.Next() {
		var (
			e       otp.Event
			created int64
		)
		if err := rows.Scan(&e.ID, &e.Type, &e.AppID, &e.VerificationID, &created); err != nil {
			return nil, s.dbErr("list events", err)
		}
		e.CreatedAt = fromMicros(created)
		out = append(out, e)
	}
	return out, s.dbErr("list events", rows.Err())
}

// ListEventLog returns events newest first with what the log shows of
// their verification, filtered by f (zero fields match all).
func (s *Store) ListEventLog(ctx context.Context, f otp.EventFilter) ([]otp.EventRecord, error) {
	q := `SELECT e.id, e.type, e.app_id, e.verification_id, e.created_at,
			COALESCE(v.channel, ''), COALESCE(v.destination, ''), COALESCE(v.status, ''), COALESCE(v.delivery_status, '')
		FROM events e LEFT JOIN verifications v ON v.id = e.verification_id AND v.app_id = e.app_id
		WHERE 1 = 1`
	var args []any
	if f.AppID != "" {
		args = append(args, f.AppID)
		q += fmt.Sprintf(` AND e.app_id = $%d`, len(args))
	}
	if f.VerificationID != "" {
		args = append(args, f.VerificationID)
		q += fmt.Sprintf(` AND e.verification_id = $%d`, len(args))
	}
	if f.Type != "" {
		args = append(args, string(f.Type))
		q += fmt.Sprintf(` AND e.type = $%d`, len(args))
	}
	if !f.From.IsZero() {
		args = append(args, micros(f.From))
		q += fmt.Sprintf(` AND e.created_at >= $%d`, len(args))
	}
	if !f.To.IsZero() {
		args = append(args, micros(f.To))
		q += fmt.Sprintf(` AND e.created_at < $%d`, len(args))
	}
	if f.Cursor != "" {
		args = append(args, f.Cursor)
		q += fmt.Sprintf(` AND e.id < $%d`, len(args))
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY e.id DESC LIMIT $%d`, len(args))
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.dbErr("list event log", err)
	}
	defer rows.Close()
	var out []otp.EventRecord
	for rows.Next() {
		var (
			r       otp.EventRecord
			created int64
		)
		if err := rows.Scan(&r.ID, &r.Type, &r.AppID, &r.VerificationID, &created,
			&r.Channel, &r.To, &r.Status, &r.DeliveryStatus); err != nil {
			return nil, s.dbErr("list event log", err)
		}
		r.CreatedAt = fromMicros(created)
		out = append(out, r)
	}
	return out, s.dbErr("list event log", rows.Err())
}
