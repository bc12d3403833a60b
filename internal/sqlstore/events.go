package sqlstore

import (
	"context"

	"github.com/otpd/otpd/internal/otp"
)

// This read is not part of otp.Store yet. It lets the conformance suite
// see that events commit with the change they record.

// ListEvents returns the events of an application in the order they were
// written, up to limit of them.
func (s *Store) ListEvents(ctx context.Context, appID string, limit int) ([]otp.Event, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT id, type, app_id, verification_id, created_at FROM events
		WHERE app_id = $1 ORDER BY id LIMIT $2`, appID, limit)
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
