package sqlstore

import (
	"context"

	"github.com/otpd/otpd/internal/otp"
)

// These reads are not part of otp.Store yet. They let the conformance
// suite see that events and messages commit with the change they record.

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

// ListMessages returns the provider hand-overs recorded for a verification
// of an application, oldest first.
func (s *Store) ListMessages(ctx context.Context, appID, verificationID string) ([]otp.Message, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT id, app_id, verification_id, channel, provider, provider_message_id, status, attempts,
			error, created_at, sent_at
		FROM messages WHERE app_id = $1 AND verification_id = $2 ORDER BY id`, appID, verificationID)
	if err != nil {
		return nil, s.dbErr("list messages", err)
	}
	defer rows.Close()
	var out []otp.Message
	for rows.Next() {
		var (
			m             otp.Message
			created, sent int64
		)
		err := rows.Scan(&m.ID, &m.AppID, &m.VerificationID, &m.Channel, &m.Provider, &m.ProviderMessageID,
			&m.Status, &m.Attempts, &m.Error, &created, &sent)
		if err != nil {
			return nil, s.dbErr("list messages", err)
		}
		m.CreatedAt, m.SentAt = fromMicros(created), fromMicros(sent)
		out = append(out, m)
	}
	return out, s.dbErr("list messages", rows.Err())
}
