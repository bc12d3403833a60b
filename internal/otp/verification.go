package otp

import (
	"encoding/json"
	"time"
)

// Channel is how a code reaches a person.
type Channel string

// Channels.
const (
	SMS      Channel = "sms"
	Voice    Channel = "voice"
	Email    Channel = "email"
	Telegram Channel = "telegram"
	WhatsApp Channel = "whatsapp"
)

// Channels lists every channel in its default order.
var Channels = []Channel{SMS, Voice, Email, Telegram, WhatsApp}

// Purpose is why a code is sent; templates differ by purpose.
type Purpose string

// Purposes.
const (
	PurposeVerification  Purpose = "verification"
	PurposeTwoFactor     Purpose = "two_factor"
	PurposePasswordReset Purpose = "password_reset"
	PurposeTransaction   Purpose = "transaction"
)

// Status is where a verification stands. Only pending can change.
type Status string

// Verification statuses.
const (
	StatusPending     Status = "pending"
	StatusVerified    Status = "verified"
	StatusExpired     Status = "expired"
	StatusCanceled    Status = "canceled"
	StatusMaxAttempts Status = "max_attempts"
)

// DeliveryStatus is where the message carrying the code stands: a
// verification's (queued until a provider accepts it), or one attempt's
// (Message.Status).
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryQueued    DeliveryStatus = "queued"
	DeliverySent      DeliveryStatus = "sent"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
	// DeliveryExpired: the code expired (or was about to) before a
	// provider accepted the message, which was therefore never sent.
	DeliveryExpired DeliveryStatus = "expired"
	// DeliveryRetrying is an attempt's only: it failed, and another
	// follows. The verification stays queued meanwhile.
	DeliveryRetrying DeliveryStatus = "retrying"
)

// Verification is one code sent to one destination.
type Verification struct {
	ID             string
	AppID          string
	To             string // E.164 phone or lower-case email
	Channel        Channel
	Purpose        Purpose
	Locale         string
	Status         Status
	DeliveryStatus DeliveryStatus
	CodeHash       []byte // HMAC of the code, bound to ID
	CodeSealed     []byte // the code encrypted for (re)sends; erased once no send needs it (dropDeliveredCode, finish)
	// InboxCode is the code sealed as CodeSealed is, for the test inbox
	// of a test application: set by the message its creation sends to
	// the inbox and kept after CodeSealed is erased, until the inbox's
	// retention (Store.DeleteTestMessagesBefore) or an erasure of its
	// destination. Always nil for a live application.
	InboxCode   []byte
	Attempts    int
	MaxAttempts int
	Resends     int
	MaxResends  int
	Metadata    json.RawMessage // a JSON object, or nil
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   time.Time
	LastSentAt  time.Time // when the latest send was queued
	ResendAt    time.Time // earliest time of the next resend
	SentAt      time.Time // zero until a provider accepted the message
	VerifiedAt  time.Time
	LastError   string // the latest delivery error, safe to show

	Country     string    // ISO 3166 region of a phone destination, "" for email
	Carrier     string    // the phone number's original carrier, when libphonenumber knows it
	Cost        Money     // what the messages sent so far cost, from the configured price table
	DeliveredAt time.Time // zero until a provider reported delivery
	Options     SendOptions
	// FallbackStep is the index in Options.Fallback of the step sent
	// last; NextStepAt is when the next one is due, zero if none is.
	FallbackStep int
	NextStepAt   time.Time
	// MessageNumber is the application's sequence number of a send whose
	// code the caller checks itself (SendManual, kod.mobi's message_id);
	// 0 for every other verification.
	MessageNumber int64
}

// SendOptions are the rarer parts of a send request, kept together.
type SendOptions struct {
	Transaction *Transaction   `json:"transaction,omitempty"`
	CallerID    string         `json:"callerId,omitempty"`
	Fallback    []FallbackStep `json:"fallback,omitempty"`
	// Template names the project's template overrides the messages are
	// written from; "" is the default set.
	Template string `json:"template,omitempty"`
	// Provider is the configured provider (by name) the caller pinned the
	// messages to, where it delivers their channel; "" lets the router
	// choose.
	Provider string `json:"provider,omitempty"`
	// CallbackURL receives the final delivery status of the message
	// (SendManual's callback); "" for none.
	CallbackURL string `json:"callbackUrl,omitempty"`
}

// IsZero reports whether no option is set.
func (o SendOptions) IsZero() bool {
	return o.Transaction == nil && o.CallerID == "" && len(o.Fallback) == 0 && o.Template == "" &&
		o.Provider == "" && o.CallbackURL == ""
}

// Transaction is what a code of purpose transaction confirms; the message
// names it so the person sees what they approve.
type Transaction struct {
	Amount string `json:"amount"` // as it should read, e.g. "25.00 EUR"
	Payee  string `json:"payee"`
}

// AttemptsRemaining is how many checks are left.
func (v *Verification) AttemptsRemaining() int {
	if v.Status != StatusPending {
		return 0
	}
	return max(v.MaxAttempts-v.Attempts, 0)
}

// CheckResult is the answer to a check.
type CheckResult struct {
	Valid bool
	// Evaluated says the code was compared, so this check counted as an
	// attempt; false when the verification was already final (or expired
	// just now), and then its Status says why.
	Evaluated    bool
	Verification *Verification
}

// check counts one attempt and then evaluates it. It is called inside the
// store's write transaction, so counting and evaluating are atomic.
// It reports whether the code was valid and whether it was evaluated.
func (v *Verification) check(keys *ServerKey, code string, now time.Time) (valid, evaluated bool, events []Event) {
	if v.Status == StatusPending && !now.Before(v.ExpiresAt) {
		return false, false, v.finish(StatusExpired, now)
	}
	if v.Status != StatusPending {
		return false, false, nil
	}
	v.Attempts++
	v.UpdatedAt = now
	if keys.codeMatches(v.ID, normalizeCode(code), v.CodeHash) {
		v.VerifiedAt = now
		return true, true, v.finish(StatusVerified, now)
	}
	if v.Attempts >= v.MaxAttempts {
		return false, true, v.finish(StatusMaxAttempts, now)
	}
	return false, true, nil
}

// canResend reports why v cannot be sent again now, on channel if it is
// set, or nil if it can. The order of the checks decides which error a
// caller sees when several apply.
func (v *Verification) canResend(channel Channel, now time.Time) error {
	if v.Status != StatusPending || !now.Before(v.ExpiresAt) {
		return conflict("not_pending", "The verification is no longer pending")
	}
	if channel != "" {
		dest, _ := parseLookup(v.To, "to")
		if err := validateChannel(channel, dest, "channel"); err != nil {
			return err
		}
	}
	if v.Resends >= v.MaxResends {
		return rateLimited("max_resends", "The maximum number of resends was reached", v.ExpiresAt.Sub(now))
	}
	if now.Before(v.ResendAt) {
		return rateLimited("resend_cooldown", "A resend is not available yet", v.ResendAt.Sub(now))
	}
	return nil
}

// finish moves a pending verification to a final status and wipes the
// sealed code, which is no longer needed for resends.
func (v *Verification) finish(s Status, now time.Time) []Event {
	v.Status = s
	v.CodeSealed = nil
	v.NextStepAt = time.Time{} // no fallback step after the end
	v.UpdatedAt = now
	return []Event{newEvent(eventForStatus[s], v, now)}
}

// maySendAgain reports whether another message of v may still be queued:
// a resend (Resend, or a session's send on another channel) or a
// fallback step. While one may, v keeps its sealed code.
func (v *Verification) maySendAgain() bool {
	return v.Status == StatusPending && (v.Resends < v.MaxResends || v.FallbackStep+1 < len(v.Options.Fallback))
}

// dropDeliveredCode erases v's sealed code once a provider accepted
// record, the latest message v queued, and no further message may be
// queued: nothing will need the code again, and only its HMAC stays for
// checks. An older message of v still waiting for a retry is then
// dropped unsent (Deliver), since the code has reached the person.
// A verification that ends loses its sealed code in finish.
func (v *Verification) dropDeliveredCode(record Message) {
	if !v.maySendAgain() && !record.CreatedAt.Before(v.LastSentAt) {
		v.CodeSealed = nil
	}
}

var eventForStatus = map[Status]EventType{
	StatusVerified:    EventVerified,
	StatusExpired:     EventExpired,
	StatusCanceled:    EventCanceled,
	StatusMaxAttempts: EventMaxAttempts,
}

// VerificationFilter selects verifications in a list. Zero fields match all.
type VerificationFilter struct {
	Status        Status
	Channel       Channel
	To            string
	CreatedFrom   time.Time
	CreatedBefore time.Time
	// States, if set, match verifications in any one of them, as of
	// AsOf (see State). The Service sets AsOf to its clock's time.
	States []State
	AsOf   time.Time
	Cursor string // list items with IDs after this one (older)
	// Offset skips that many matching items before the first listed, for
	// APIs that page by position rather than by cursor.
	Offset int
	Limit  int
	// OwnerID, in a list across applications (no application named),
	// keeps the verifications of this developer's applications; nil
	// keeps every application's.
	OwnerID *string
}

// State is one combination of a verification's two state dimensions,
// its status and its delivery status; a zero field matches any value.
// Judged as of a time, a pending verification past its expiry is in the
// state {StatusExpired, any}, not in any pending state: it cannot succeed
// any more, though nobody has checked it or swept it yet.
type State struct {
	Status   Status
	Delivery DeliveryStatus
}

// Matches reports whether v is in state st as of now.
func (st State) Matches(v *Verification, now time.Time) bool {
	status := v.Status
	if status == StatusPending && !now.Before(v.ExpiresAt) {
		status = StatusExpired
	}
	return (st.Status == "" || st.Status == status) && (st.Delivery == "" || st.Delivery == v.DeliveryStatus)
}

// CreateRequest is what a caller asks for when sending a code. Zero values
// take the project's policy.
type CreateRequest struct {
	To          string
	Channel     Channel
	Purpose     Purpose
	TTL         time.Duration
	CodeLength  int
	Locale      string
	Metadata    json.RawMessage
	Transaction *Transaction   // required for purpose transaction
	CallerID    string         // caller id / sender id, where the provider allows it
	Fallback    []FallbackStep // an ordered workflow replacing Channel; its first step is sent at once
	// Template names the project's template overrides to write the
	// messages from; "" and "default" are the default set, which falls
	// back to otpd's built-in texts. An unknown name is INVALID_PARAMETER.
	Template       string
	IdempotencyKey string
	// RequestHash identifies the request body for idempotent retries.
	RequestHash []byte
	// ChallengeToken is the CAPTCHA token of the end user, needed when the
	// project's challenge is enabled; RemoteIP is that user's address,
	// optional, passed on to the provider.
	ChallengeToken string
	RemoteIP       string
	// challengeAction is the action a CAPTCHA token must have been made
	// for, where the provider reports actions; "" accepts any.
	challengeAction string
	// fromConsole marks a test send by a signed-in developer or the
	// operator (TestSend): a CAPTCHA tells people from bots on a public
	// form, and the console's caller has already signed in.
	fromConsole bool
	// manual, if set, makes this a manual send (SendManual): the caller's
	// own code, a pinned provider, a callback, a message number.
	manual *manualSend
}

// MaxMetadataSize is the largest metadata object accepted, in bytes.
const MaxMetadataSize = 1024
