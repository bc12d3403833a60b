package webhook

import (
	"encoding/json"
	"fmt"
	"time"
)

// BlockPayload is the body of a fraud.blocked or fraud.released event:
// the envelope of Payload with the block as its data. It names a number
// prefix, never a whole number.
type BlockPayload struct {
	ID            string    `json:"id"`
	Type          EventType `json:"type"`
	Timestamp     time.Time `json:"timestamp"`
	ApplicationID string    `json:"applicationId"`
	Data          Block     `json:"data"`
}

// Block is a blocked prefix as a webhook carries it.
type Block struct {
	// Prefix is the E.164 prefix sends may not go to, such as "+88216".
	Prefix  string `json:"prefix"`
	Country string `json:"country,omitempty"`
	// Reason is why: the pumping detector's counts, or a person's words.
	Reason string `json:"reason"`
	// Auto is true for a block of the pumping detector.
	Auto  bool      `json:"auto"`
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

// EncodeBlock returns the JSON body for p, times in UTC.
func EncodeBlock(p BlockPayload) ([]byte, error) {
	switch {
	case p.ID == "":
		return nil, fmt.Errorf("%w: id is required", ErrInvalidPayload)
	case p.Type != EventFraudBlocked && p.Type != EventFraudReleased:
		return nil, fmt.Errorf("%w: %q is not an event about a block", ErrInvalidPayload, p.Type)
	case p.Timestamp.IsZero():
		return nil, fmt.Errorf("%w: timestamp is required", ErrInvalidPayload)
	}
	p.Timestamp, p.Data.Since, p.Data.Until = p.Timestamp.UTC(), p.Data.Since.UTC(), p.Data.Until.UTC()
	return json.Marshal(p)
}
