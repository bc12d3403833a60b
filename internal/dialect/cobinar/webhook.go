package cobinar

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// webhookBody is Cobinar's webhook body: {"id","event","createdAt","payload"}.
type webhookBody struct {
	// ID is the event's id as a UUID, the same on every retry.
	ID        string         `json:"id"`
	Event     otp.EventType  `json:"event"`
	CreatedAt string         `json:"createdAt"`
	Payload   webhookPayload `json:"payload"`
}

// webhookPayload is what a webhook says about the OTP request. Cobinar
// documents otp.verified's (requestId, phone, verifiedAt); the other
// events carry what applies to them. Never the code.
type webhookPayload struct {
	RequestID string `json:"requestId"`
	// Phone is the destination, masked unless the endpoint opted in to it.
	Phone          string `json:"phone"`
	VerifiedAt     string `json:"verifiedAt,omitempty"`     // otp.verified
	ExpiresAt      string `json:"expiresAt,omitempty"`      // before the end: otp.created, otp.sent, otp.delivered, otp.failed, otp.expired
	Attempts       *int   `json:"attempts,omitempty"`       // otp.verified, otp.max_attempts
	DeliveryStatus string `json:"deliveryStatus,omitempty"` // otp.sent, otp.delivered, otp.failed
	Status         string `json:"status"`
	Channel        string `json:"channel"`
}

// Payload writes the body of a webhook for an endpoint signed the Cobinar
// way (webhook.PayloadFunc): event e about v, with to as the destination
// the endpoint may see. The event names are otpd's, a superset of
// Cobinar's: otp.created, otp.verified and otp.expired mean what Cobinar
// says; otpd's otp.failed is a message that could not be delivered, and
// attempts used up are otp.max_attempts.
func Payload(e otp.Event, v *otp.Verification, to string) ([]byte, error) {
	p := webhookPayload{RequestID: v.ID, Phone: to, Status: status(v), Channel: string(v.Channel)}
	attempts := v.Attempts
	switch e.Type {
	case otp.EventVerified:
		p.VerifiedAt, p.Attempts = isoTime(v.VerifiedAt), &attempts
	case otp.EventMaxAttempts:
		p.Attempts = &attempts
	case otp.EventCreated, otp.EventExpired:
		p.ExpiresAt = isoTime(v.ExpiresAt)
	case otp.EventSent, otp.EventDelivered, otp.EventFailed:
		p.ExpiresAt, p.DeliveryStatus = isoTime(v.ExpiresAt), string(v.DeliveryStatus)
	}
	b, err := json.Marshal(webhookBody{ID: eventUUID(e.ID), Event: e.Type, CreatedAt: isoTime(e.CreatedAt), Payload: p})
	if err != nil {
		return nil, fmt.Errorf("cobinar webhook body: %w", err)
	}
	return b, nil
}

// eventUUID writes an otpd event id (evt_ and 32 hex digits: 48 bits of
// milliseconds, a counter, random bits) as the UUID Cobinar's body
// carries: the same 128 bits with the version (7, which also begins with
// the milliseconds) and variant set, so the same event always has the
// same UUID. An id of another form is returned as it is.
func eventUUID(id string) string {
	h, ok := strings.CutPrefix(id, "evt_")
	b, err := hex.DecodeString(h)
	if !ok || err != nil || len(b) != 16 {
		return id
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
