package otp

import "time"

// EventType names something that happened to a verification.
type EventType string

// Event types, as webhooks and logs name them.
const (
	EventCreated     EventType = "otp.created"
	EventSent        EventType = "otp.sent"
	EventDelivered   EventType = "otp.delivered"
	EventFailed      EventType = "otp.failed"
	EventVerified    EventType = "otp.verified"
	EventExpired     EventType = "otp.expired"
	EventMaxAttempts EventType = "otp.max_attempts"
	EventCanceled    EventType = "otp.canceled"
	// EventFlagged is a send a monitor-mode budget would have refused:
	// it went, and is flagged for review (issue 16).
	EventFlagged EventType = "fraud.flagged"
	// A project's prefix was blocked (by the pumping detector or by
	// hand) or released: an event of each application of the project,
	// about no verification (Event.Block says which block).
	EventFraudBlocked  EventType = "fraud.blocked"
	EventFraudReleased EventType = "fraud.released"
)

// Event is written in the same transaction as the change it records, so
// webhooks and analytics that read events never miss one.
type Event struct {
	ID             string
	Type           EventType
	AppID          string
	VerificationID string
	CreatedAt      time.Time
	// What analytics count the event by: the verification's channel and
	// country when it happened, and for otp.sent the message's price.
	Channel Channel
	Country string
	Cost    Money
	// Reason says why, where the type alone does not: the budgets a
	// monitor-mode send went beyond (fraud.flagged). Safe to show: it
	// names budgets, never a destination.
	Reason string
	// Block is the subject of a fraud.blocked or fraud.released event
	// (which has no verification), nil for every other event.
	Block *PrefixBlock
	// Destination is the verification's, as the consumer reads the event
	// (not stored with it): the fraud traffic history counts by its prefix.
	Destination string
	// Position is the event's place in the order the consumer takes
	// events in, as the store gives it to the consumer (not set on write).
	Position EventPosition
}

// EventPosition is a place in the order the event consumer takes events
// in: Seq numbers events as the store inserts them, and Tx, where the
// engine commits transactions out of that order, comes first. The
// consumer only carries it from ListUndispatchedEvents to ConsumeEvents.
type EventPosition struct {
	Tx, Seq int64
}

func newEvent(t EventType, v *Verification, now time.Time) Event {
	return Event{ID: NewID("evt"), Type: t, AppID: v.AppID, VerificationID: v.ID, CreatedAt: now,
		Channel: v.Channel, Country: v.Country}
}
