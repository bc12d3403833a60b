package otp

import (
	"context"
	"errors"
	"time"
)

// OutgoingMessage is what a Sender delivers. Code is plaintext here and
// nowhere else outside the test inbox.
type OutgoingMessage struct {
	ID             string // stable per delivery, so a receiver can drop duplicates
	AppID          string
	AppName        string
	VerificationID string
	To             string
	Channel        Channel
	Purpose        Purpose
	Locale         string
	Code           string
	Body           string
	ExpiresAt      time.Time
}

// SendResult is a provider's acceptance of a message.
type SendResult struct {
	Provider          string
	ProviderMessageID string
}

// Sender hands messages to a provider. It returns an error wrapping
// ErrPermanent when retrying cannot help (an invalid number, say); any
// other error is treated as transient and retried.
type Sender interface {
	Send(ctx context.Context, m OutgoingMessage) (SendResult, error)
}

// ErrPermanent marks a delivery failure that retries cannot fix.
var ErrPermanent = errors.New("permanent delivery failure")
