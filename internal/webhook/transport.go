package webhook

import (
	"context"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Transport is otp.WebhookTransport over a Sender: the payload of the
// endpoint's scheme, its signature, this package's retry schedule.
type Transport struct {
	Sender *Sender
	// Payloads writes the bodies of endpoints whose scheme is a dialect's
	// (kotp, cobinar): each dialect package knows its own wire shape.
	// A scheme without one gets otpd's payload (Encode).
	Payloads map[Scheme]PayloadFunc
}

// PayloadFunc writes the body of event e about v. to is the destination
// as the endpoint may see it, masked (MaskDestination) unless the
// endpoint opted in to the full destination; a PayloadFunc writes to,
// never v.To, and never the code.
type PayloadFunc func(e otp.Event, v *otp.Verification, to string) ([]byte, error)

var _ otp.WebhookTransport = Transport{}

// Encode writes the payload of event e about v for endpoint w: the
// dialect's shape for a dialect's scheme, otpd's otherwise. The
// destination is masked unless the endpoint opted in to it
// (IncludeDestination), whatever the scheme.
func (t Transport) Encode(e otp.Event, v *otp.Verification, w *otp.Webhook) ([]byte, error) {
	if e.Block != nil {
		return t.encodeBlock(e, w)
	}
	if f := t.Payloads[Scheme(w.Signing)]; f != nil {
		to := v.To
		if !w.IncludeDestination {
			to = MaskDestination(to)
		}
		return f(e, v, to)
	}
	p := Payload{
		ID: e.ID, Type: EventType(e.Type), Timestamp: e.CreatedAt, ApplicationID: e.AppID, Reason: e.Reason,
		Data: Verification{ID: v.ID, To: v.To, Channel: string(v.Channel), Status: string(v.Status),
			DeliveryStatus: string(v.DeliveryStatus), Metadata: v.Metadata},
	}
	if w.IncludeDestination {
		return EncodeFull(p)
	}
	return Encode(p)
}

// encodeBlock writes a fraud.blocked or fraud.released event in otpd's
// shape. A dialect's scheme gets none (nil): its documents have no such
// event, and its receivers would not know what to do with one.
func (t Transport) encodeBlock(e otp.Event, w *otp.Webhook) ([]byte, error) {
	if t.Payloads[Scheme(w.Signing)] != nil {
		return nil, nil
	}
	b := e.Block
	return EncodeBlock(BlockPayload{ID: e.ID, Type: EventType(e.Type), Timestamp: e.CreatedAt, ApplicationID: e.AppID,
		Data: Block{Prefix: b.Prefix, Country: b.Country, Reason: b.Reason, Auto: b.Auto, Since: b.Since, Until: b.Until}})
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
