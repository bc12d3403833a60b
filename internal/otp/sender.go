package otp

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// OutgoingMessage is what a Sender delivers. Code is plaintext here and
// nowhere else outside the test inbox.
type OutgoingMessage struct {
	ID             string // stable per delivery, so a receiver can drop duplicates
	AppID          string
	AppName        string
	VerificationID string
	To             string // E.164 phone number or email address
	Channel        Channel
	Purpose        Purpose
	Locale         string // BCP 47 tag of the language the texts are written in
	Code           string
	// Body is the text to deliver: the SMS text, the words a voice call
	// speaks (the code already spelled out digit by digit), the text part
	// of an email, or a chat message.
	Body      string
	Subject   string // email only
	HTML      string // email only: the HTML part, Body being the text part
	CallerID  string // requested caller id or sender id, honoured where the provider allows it
	Country   string // ISO 3166 region of a phone destination, "" for email
	Attempt   int    // 1 for the first try of this delivery, counting retries
	ExpiresAt time.Time
	// Provider is the configured provider (by name) the caller pinned
	// the message to; the router sends through it alone. "" lets the
	// router choose.
	Provider string
	// Skip names the providers that refused this message on an earlier
	// attempt (ProviderError.Refused): the router does not ask them again.
	Skip []string
}

// SendResult is a provider's acceptance of a message.
type SendResult struct {
	Provider          string
	ProviderMessageID string
}

// Sender hands messages to a provider. It returns an error wrapping
// ErrPermanent when retrying cannot help (an invalid number, say); any
// other error is treated as transient and retried. Providers report
// refusals as *ProviderError.
type Sender interface {
	Send(ctx context.Context, m OutgoingMessage) (SendResult, error)
}

// ErrPermanent marks a delivery failure that retries cannot fix.
var ErrPermanent = errors.New("permanent delivery failure")

// ProviderError is a provider's refusal of a message, in the terms the
// delivery pipeline decides on: give up or retry, and how soon.
type ProviderError struct {
	Provider string // provider name, e.g. "twilio"
	Code     string // the provider's own error code, e.g. "21211"; may be empty
	Message  string // the provider's reason, for the message record
	// Permanent: the destination cannot be reached (an invalid or
	// unreachable number, a blocked recipient): no provider and no retry
	// can help, so the message fails at once.
	Permanent bool
	// Refused: this provider will not accept this message however often
	// it is asked (a 4xx validation answer, our credentials, sender id,
	// account or balance), though another provider may. The message goes
	// to the channel's next provider at once, without a retry, and never
	// back to this one; with no provider left it fails.
	Refused bool
	// Failover is set by the router, never by a provider: the failure was
	// transient and the next attempt goes to another provider that has
	// not failed since the last backoff, so it is due at once.
	Failover   bool
	RetryAfter time.Duration // the provider asked to wait this long (throttling); zero if it did not say
}

func (e *ProviderError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: %s (code %s)", e.Provider, e.Message, e.Code)
	}
	return e.Provider + ": " + e.Message
}

// Is makes errors.Is(err, ErrPermanent) true for a permanent refusal.
func (e *ProviderError) Is(target error) bool { return target == ErrPermanent && e.Permanent }

// Receipt is a provider's report on a message it accepted earlier: an SMPP
// deliver_sm receipt, a Twilio or Vonage status callback.
type Receipt struct {
	Provider          string
	ProviderMessageID string
	Status            DeliveryStatus // DeliveryDelivered or DeliveryFailed; others are ignored
	Error             string         // the provider's reason when Status is DeliveryFailed
	At                time.Time      // when the provider says it happened; zero if it did not say
}

// ReceiptSink records delivery receipts. *Service is one.
type ReceiptSink interface {
	RecordReceipt(ctx context.Context, r Receipt) error
}

// ReceiptFunc adapts a function to ReceiptSink.
type ReceiptFunc func(ctx context.Context, r Receipt) error

// RecordReceipt calls f.
func (f ReceiptFunc) RecordReceipt(ctx context.Context, r Receipt) error { return f(ctx, r) }

// Checker is a provider that can tell, without sending anything, whether
// it is reachable and accepts its credentials (`otpd providers check`).
type Checker interface {
	Check(ctx context.Context) error
}
