package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/otpd/otpd/internal/otp"
)

const messageColumns = `id, app_id, verification_id, channel, destination, provider, provider_message_id,
	status, attempts, error, cost_micros, cost_currency, created_at, sent_at, delivered_at, next_attempt_at`

func scanMessage(row interface{ Scan(...any) error }) (*otp.Message, error) {
	var (
		m                              otp.Message
		created, sent, delivered, next int64
	)
	err := row.Scan(&m.ID, &m.AppID, &m.VerificationID, &m.Channel, &m.To, &m.Provider, &m.ProviderMessageID,
		&m.Status, &m.Attempts, &m.Error, &m.Cost.Micros, &m.Cost.Currency, &created, &sent, &delivered, &next)
	if err != nil {
		return nil, err
	}
	m.CreatedAt, m.SentAt, m.DeliveredAt = fromMicros(created), fromMicros(sent), fromMicros(delivered)
	m.NextAttemptAt = fromMicros(next)
	if m.Provider == otp.TestInboxProvider && m.ProviderMessageID == "" {
		m.ProviderMessageID = m.ID // see storedProviderMessageID
	}
	return &m, nil
}

// storedProviderMessageID is the provider_message_id stored for m. The
// test inbox names each message by its own id, which the row holds
// already: stored as the empty string, it is 36 bytes fewer on every
// message of a test application, and scanMessage gives it back.
func storedProviderMessageID(m otp.Message) string {
	if m.Provider == otp.TestInboxProvider && m.ProviderMessageID == m.ID {
		return ""
	}
	return m.ProviderMessageID
}

// ListMessages returns the messages of a verification, oldest first, a
// delivery's attempts in order.
func (s *Store) ListMessages(ctx context.Context, appID, verificationID string) ([]otp.Message, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT `+messageColumns+` FROM messages WHERE app_id = $1 AND verification_id = $2 ORDER BY created_at, id, attempts`,
		appID, verificationID)
	if err != nil {
		return nil, s.dbErr("list messages", err)
	}
	defer rows.Close()
	var out []otp.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, s.dbErr("list messages", err)
		}
		out = append(out, *m)
	}
	return out, s.dbErr("list messages", rows.Err())
}

// ApplyReceipt finds the message (the attempt) a provider knows as providerMessageID,
// locks its verification and lets change update both, writing the message,
// the verification and the effects in one transaction. An unknown message
// is ErrNotFound; an error from change is returned as it is. The test
// inbox sends no receipts, and its messages are not in messages_provider
// (WHERE provider <> 'test_inbox'): the query names that condition
// literally, since the engines use a partial index only when the query
// implies its predicate and a bound parameter does not.
func (s *Store) ApplyReceipt(ctx context.Context, provider, providerMessageID string,
	change func(v *otp.Verification, m *otp.Message) (otp.Effects, error)) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		m, err := scanMessage(tx.QueryRowContext(ctx,
			`SELECT `+messageColumns+` FROM messages WHERE provider = $1 AND provider_message_id = $2
				AND provider <> '`+otp.TestInboxProvider+`'
			ORDER BY created_at DESC, id DESC, attempts DESC LIMIT 1`, provider, providerMessageID))
		if err != nil {
			return s.dbErr("apply receipt", err)
		}
		v, err := s.lockVerification(ctx, tx, m.AppID, m.VerificationID)
		if errors.Is(err, sql.ErrNoRows) {
			return otp.ErrNotFound
		}
		if err != nil {
			return s.dbErr("apply receipt", err)
		}
		err = s.applyChange(ctx, tx, v, func(v *otp.Verification) (otp.Effects, error) { return change(v, m) })
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE messages SET status = $3, error = $4, delivered_at = $5 WHERE id = $1 AND attempts = $2`,
			m.ID, m.Attempts, string(m.Status), m.Error, micros(m.DeliveredAt))
		return s.dbErr("apply receipt", err)
	})
}
