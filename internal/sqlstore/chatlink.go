package sqlstore

import (
	"context"

	"github.com/otpd/otpd/internal/otp"
)

// SaveChatLink inserts l, or replaces the link of the same provider and
// phone number.
func (s *Store) SaveChatLink(ctx context.Context, l otp.ChatLink) error {
	_, err := s.writeExec(ctx,
		`INSERT INTO chat_links (provider, destination, chat_id, linked_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (provider, destination) DO UPDATE SET chat_id = excluded.chat_id, linked_at = excluded.linked_at`,
		l.Provider, l.Phone, l.ChatID, micros(l.LinkedAt))
	return s.dbErr("save chat link", err)
}

// GetChatLink returns the chat linked to phone for provider, or ErrNotFound.
func (s *Store) GetChatLink(ctx context.Context, provider, phone string) (otp.ChatLink, error) {
	l := otp.ChatLink{Provider: provider, Phone: phone}
	var linked int64
	err := s.reader.QueryRowContext(ctx,
		`SELECT chat_id, linked_at FROM chat_links WHERE provider = $1 AND destination = $2`,
		provider, phone).Scan(&l.ChatID, &linked)
	if err != nil {
		return otp.ChatLink{}, s.dbErr("get chat link", err)
	}
	l.LinkedAt = fromMicros(linked)
	return l, nil
}
