package kotp

import (
	"encoding/json"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// webhookEvent is the body of a webhook to an endpoint signed the K-OTP
// way.
type webhookEvent struct {
	// ID identifies the event; the same on every retry.
	ID string `json:"id"`
	// Type is otp.sent, otp.delivered, otp.failed, otp.verified,
	// otp.expired or otp.max_attempts (and otp.created or otp.canceled if
	// the endpoint subscribes to them).
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	// Data is the OTP as GET /v1/status/{id} shows it, the destination masked.
	Data otpStatus `json:"data"`
}

// WebhookPayload writes the body of event e about v for an endpoint with
// signing kotp: K-OTP's envelope around the OTP as GET /v1/status/{id}
// shows it, with to (the masked destination) as its destination and its
// status as of the event. It is a webhook.PayloadFunc.
func WebhookPayload(e otp.Event, v *otp.Verification, to string) ([]byte, error) {
	return json.Marshal(webhookEvent{ID: e.ID, Type: string(e.Type), CreatedAt: wireTime(e.CreatedAt),
		Data: newOTPStatus(v, to, e.CreatedAt)})
}
