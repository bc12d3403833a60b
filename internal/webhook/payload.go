package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// EventType names what happened to a verification.
type EventType string

// Event types. They follow the names K-OTP and Cobinar document, so a
// receiver written for either needs no mapping.
const (
	EventCreated     EventType = "otp.created"
	EventSent        EventType = "otp.sent"
	EventDelivered   EventType = "otp.delivered"
	EventFailed      EventType = "otp.failed"
	EventVerified    EventType = "otp.verified"
	EventExpired     EventType = "otp.expired"
	EventMaxAttempts EventType = "otp.max_attempts"
	EventCanceled    EventType = "otp.canceled"
	// EventFlagged is a send that went beyond a budget in monitor mode:
	// sent, and flagged for review (issue 16).
	EventFlagged EventType = "fraud.flagged"
	// A prefix of the application's project was blocked or released
	// (issue 16); Data is the block (BlockPayload).
	EventFraudBlocked  EventType = "fraud.blocked"
	EventFraudReleased EventType = "fraud.released"
)

// EventTypes lists every event type, in the order a verification meets
// them, then the project's.
var EventTypes = []EventType{
	EventCreated, EventSent, EventDelivered, EventFailed,
	EventVerified, EventExpired, EventMaxAttempts, EventCanceled,
	EventFlagged, EventFraudBlocked, EventFraudReleased,
}

// Valid reports whether t is one of EventTypes.
func (t EventType) Valid() bool { return slices.Contains(EventTypes, t) }

// Payload is the JSON body sent for one event. Its shape follows the
// Standard Webhooks recommendation (type, timestamp, data) and is the same
// whatever signing scheme the endpoint uses.
type Payload struct {
	// ID identifies the event; it stays the same across retries so the
	// receiver can deduplicate. (The webhook-id header is the id of the
	// delivery, one per event and endpoint, also the same across retries.)
	ID string `json:"id"`
	// Type is what happened.
	Type EventType `json:"type"`
	// Timestamp is when it happened (not when it was delivered), written in
	// UTC as RFC 3339.
	Timestamp time.Time `json:"timestamp"`
	// ApplicationID is the application the verification belongs to.
	ApplicationID string `json:"applicationId"`
	// Data is the verification as it stands after the event.
	Data Verification `json:"data"`
	// Reason says why, where the type alone does not: the budgets a
	// monitor-mode send went beyond (fraud.flagged). Left out when empty.
	Reason string `json:"reason,omitempty"`
}

// Verification is the part of a verification a webhook may carry. It has
// no field for the code, by design: a code must never leave otpd except
// towards the person it was sent to.
type Verification struct {
	// ID identifies the verification.
	ID string `json:"id"`
	// To is the destination. Encode always writes it through
	// MaskDestination, so a full phone number or address never leaves otpd
	// even if the caller forgets to mask it; only EncodeFull, for an
	// endpoint that opted in, writes it whole.
	To string `json:"to"`
	// Channel is how the code was sent (sms, voice, email, telegram, whatsapp).
	Channel string `json:"channel"`
	// Status is where the verification stands (pending, verified, ...).
	Status string `json:"status"`
	// DeliveryStatus is where the message carrying the code stands.
	DeliveryStatus string `json:"deliveryStatus"`
	// Metadata is the application's own JSON object, passed through; nil
	// is written as null.
	Metadata json.RawMessage `json:"metadata"`
}

// ErrInvalidPayload is returned by Encode for a payload that must not be sent.
var ErrInvalidPayload = errors.New("webhook: invalid payload")

// Encode returns the JSON body for p. The same payload always gives the
// same bytes, which matters because the signature covers the exact bytes
// and a retried message is re-signed with a new timestamp, not re-encoded.
// The destination is masked, the time written in UTC, and the metadata
// compacted.
func Encode(p Payload) ([]byte, error) {
	return encode(p, true)
}

// EncodeFull is Encode for an endpoint that opted in to full
// destinations (otp.Webhook.IncludeDestination): the destination is
// written as it is.
func EncodeFull(p Payload) ([]byte, error) {
	return encode(p, false)
}

func encode(p Payload, mask bool) ([]byte, error) {
	switch {
	case p.ID == "":
		return nil, fmt.Errorf("%w: id is required", ErrInvalidPayload)
	case !p.Type.Valid():
		return nil, fmt.Errorf("%w: unknown event type %q", ErrInvalidPayload, p.Type)
	case p.Timestamp.IsZero():
		return nil, fmt.Errorf("%w: timestamp is required", ErrInvalidPayload)
	}
	p.Timestamp = p.Timestamp.UTC()
	if mask {
		p.Data.To = MaskDestination(p.Data.To)
	}
	if len(p.Data.Metadata) == 0 {
		p.Data.Metadata = nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		// The only input that can fail is metadata that is not JSON.
		return nil, fmt.Errorf("%w: metadata: %v", ErrInvalidPayload, err)
	}
	return b, nil
}
