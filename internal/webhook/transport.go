package webhook

import (
	"context"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Transport is otp.WebhookTransport over a Sender: otpd's payload, the
// endpoint's signing scheme, this package's retry schedule.
type Transport struct {
	Sender *Sender
}

var _ otp.WebhookTransport = Transport{}

// Encode writes the payload of event e about v, its destination masked.
func (Transport) Encode(e otp.Event, v *otp.Verification) ([]byte, error) {
	return Encode(Payload{
		ID: e.ID, Type: EventType(e.Type), Timestamp: e.CreatedAt, ApplicationID: e.AppID,
		Data: Verification{ID: v.ID, To: v.To, Channel: string(v.Channel), Status: string(v.Status),
			DeliveryStatus: string(v.DeliveryStatus), Metadata: v.Metadata},
	})
}

// Post signs d's payload with the endpoint's scheme, the delivery id as
// the message id (the same on every attempt), and posts it. A previous
// secret signs beside the current one where the scheme allows it (see
// SignRotating).
func (t Transport) Post(ctx context.Context, w *otp.Webhook, secrets otp.WebhookSecrets, d *otp.WebhookDelivery, at time.Time) otp.WebhookResult {
	h, err := SignRotating(Scheme(w.Signing), secrets.Current, secrets.Previous, d.ID, string(d.EventType), at, d.Payload)
	if err != nil {
		return otp.WebhookResult{Err: err} // a bad secret or scheme: retrying cannot help
	}
	r := t.Sender.Send(ctx, w.URL, h, d.Payload)
	return otp.WebhookResult{StatusCode: r.StatusCode, Latency: r.Latency, ResponseExcerpt: r.ResponseExcerpt,
		Err: r.Err, Retryable: r.Retryable, RetryAfter: r.RetryAfter}
}

// NextAttempt is this package's retry schedule.
func (Transport) NextAttempt(attempt int, now time.Time) (time.Time, bool) {
	return NextAttempt(attempt, now)
}

// ShouldDisable is this package's rule for endpoints that keep failing.
func (Transport) ShouldDisable(failingSince, now time.Time) bool {
	return ShouldDisable(failingSince, now)
}
