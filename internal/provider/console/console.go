// Package console is the development provider: instead of sending a
// message it writes it, code included, to a log. Apart from the test inbox
// it is the one place otpd lets a code out in the clear, so it must never
// be configured in production.
package console

import (
	"context"
	"log/slog"

	"github.com/otpd/otpd/internal/otp"
)

// Warning is the text to log loudly at start-up whenever the console
// provider is in use.
const Warning = "DEVELOPMENT ONLY: the console provider writes every message, verification code included, " +
	"to the log in plain text and delivers nothing. Never use it in production."

// Sender writes each message as one structured log line.
type Sender struct {
	logger *slog.Logger
}

var _ otp.Sender = (*Sender)(nil)

// New returns a Sender that logs to logger, or to slog.Default() if it is nil.
func New(logger *slog.Logger) *Sender {
	if logger == nil {
		logger = slog.Default()
	}
	return &Sender{logger: logger}
}

// Send logs m and accepts it; it never fails.
func (s *Sender) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	s.logger.LogAttrs(ctx, slog.LevelInfo, "console message",
		slog.String("id", m.ID),
		slog.String("verification", m.VerificationID),
		slog.String("app", m.AppID),
		slog.String("channel", string(m.Channel)),
		slog.String("to", m.To),
		slog.String("body", m.Body),
	)
	return otp.SendResult{Provider: "console", ProviderMessageID: m.ID}, nil
}
