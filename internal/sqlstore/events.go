package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// This read is not part of otp.Store yet. It lets the conformance suite
// see that events commit with the change they record.

// ListEvents returns the events of an application in the order they were
// written, up to limit of them.
func (s *Store) ListEvents(ctx context.Context, appID string, limit int) ([]otp.Event, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT id, type, app_id, verification_id, created_at FROM events
		WHERE app_id = $1 ORDER BY seq`+limitClause(limit), appID)
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
// their verification, filtered by f (zero fields match all). Newest is
// the highest seq, and a record's cursor is its seq: one application's
// log is a backward range of events_app (app_id, seq), everyone's of the
// seq index (SQLite's rowid, PostgreSQL's primary key).
func (s *Store) ListEventLog(ctx context.Context, f otp.EventFilter) ([]otp.EventRecord, error) {
	var args argList
	var where []string
	add := func(cond string, arg any) {
		where = append(where, fmt.Sprintf(cond, args.add(arg)))
	}
	if f.VerificationID != "" {
		add("e.verification_id = %s", f.VerificationID)
	}
	if f.Type != "" {
		add("e.type = %s", string(f.Type))
	}
	if !f.From.IsZero() {
		add("e.created_at >= %s", micros(f.From))
	}
	if !f.To.IsZero() {
		add("e.created_at < %s", micros(f.To))
	}
	if f.Cursor != "" {
		seq, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || seq < 0 {
			return nil, &otp.Error{Code: otp.CodeInvalidParameter, Key: "invalid_query", Field: "cursor", Message: "cursor is not one this API gave"}
		}
		add("e.seq < %s", seq)
	}
	limit := args.add(f.Limit)
	arm := func(appCond string) string {
		return `SELECT e.seq AS seq, e.id AS id, e.type AS type, e.app_id AS app_id, e.verification_id AS verification_id, e.created_at AS created_at,
				e.reason AS reason, e.detail AS detail, COALESCE(v.channel, '') AS channel, COALESCE(v.destination, '') AS destination,
				COALESCE(v.status, '') AS status, COALESCE(v.delivery_status, '') AS delivery_status
			FROM events e LEFT JOIN verifications v ON v.id = e.verification_id AND v.app_id = e.app_id
			WHERE ` + strings.Join(append([]string{appCond}, where...), " AND ") + ` ORDER BY e.seq DESC LIMIT ` + limit
	}
	var q string
	switch {
	case f.AppID != "":
		q = arm("e.app_id = " + args.add(f.AppID))
	case f.OwnerID != nil:
		var ok bool
		var err error
		if q, ok, err = s.ownerList(ctx, *f.OwnerID, &args, arm, "e.app_id", "seq DESC", limit); err != nil || !ok {
			return nil, s.dbErr("list event log", err)
		}
	default:
		q = arm("1 = 1")
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.dbErr("list event log", err)
	}
	defer rows.Close()
	var out []otp.EventRecord
	for rows.Next() {
		var (
			r       otp.EventRecord
			seq     int64
			created int64
			detail  string
		)
		if err := rows.Scan(&seq, &r.ID, &r.Type, &r.AppID, &r.VerificationID, &created, &r.Reason, &detail,
			&r.Channel, &r.To, &r.Status, &r.DeliveryStatus); err != nil {
			return nil, s.dbErr("list event log", err)
		}
		r.Cursor, r.CreatedAt = strconv.FormatInt(seq, 10), fromMicros(created)
		if r.Block, err = decodeEventDetail(detail); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, s.dbErr("list event log", rows.Err())
}

// AddEvents writes events about no verification, their subject (the
// block) as JSON in detail.
func (s *Store) AddEvents(ctx context.Context, events []otp.Event) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		for _, e := range events {
			detail, err := encodeEventDetail(e.Block)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx,
				`INSERT INTO events (id, type, app_id, verification_id, created_at, channel, country, cost_micros, cost_currency, detail)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 0, '', $8)`,
				e.ID, string(e.Type), e.AppID, e.VerificationID, micros(e.CreatedAt), string(e.Channel), e.Country, detail)
			if err != nil {
				return s.dbErr("add events", err)
			}
		}
		return nil
	})
}

func encodeEventDetail(b *otp.PrefixBlock) (string, error) {
	if b == nil {
		return "", nil
	}
	j, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("encode event detail: %w", err)
	}
	return string(j), nil
}

func decodeEventDetail(s string) (*otp.PrefixBlock, error) {
	if s == "" {
		return nil, nil
	}
	var b otp.PrefixBlock
	if err := json.Unmarshal([]byte(s), &b); err != nil {
		return nil, fmt.Errorf("decode event detail: %w", err)
	}
	return &b, nil
}
