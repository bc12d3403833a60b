package otp_test

import (
	"context"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// refusingSender fails the test if a message reaches it: a test
// application's messages go to its inbox, never to a provider.
type refusingSender struct{ t *testing.T }

func (s refusingSender) Send(context.Context, otp.OutgoingMessage) (otp.SendResult, error) {
	s.t.Error("a test application's message reached a provider")
	return otp.SendResult{}, otp.ErrPermanent
}

// inbox returns the test inbox of to, newest first, failing the test on
// an error.
func inbox(t *testing.T, f *fixture, a *otp.Application, to string) []otp.TestMessage {
	t.Helper()
	ms, err := f.svc.TestMessages(t.Context(), a, to)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// noQueuedDeliveries fails the test if the outbox holds a message.
func noQueuedDeliveries(t *testing.T, f *fixture, when string) {
	t.Helper()
	if ds, err := f.svc.ClaimDeliveries(t.Context(), 10); err != nil || len(ds) != 0 {
		t.Errorf("%s: ClaimDeliveries = %+v, %v; want nothing queued", when, ds, err)
	}
}

// A test application's message is written to its inbox by the transaction
// that creates or resends the verification: it is sent when the request
// answers, with its message record and otp.sent, and no worker is needed.
func TestTestInboxDeliveredByTheCreatingTransaction(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	const to = "+14155552671"
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if v.DeliveryStatus != otp.DeliverySent || !v.SentAt.Equal(f.clock.Now()) {
		t.Errorf("created: delivery status %s, sent at %v; want sent now", v.DeliveryStatus, v.SentAt)
	}
	noQueuedDeliveries(t, f, "after create")
	first := inbox(t, f, a, to)
	if len(first) != 1 || first[0].VerificationID != v.ID || first[0].Channel != otp.SMS || len(first[0].Code) != 6 {
		t.Fatalf("inbox after create = %+v, want one SMS of %s with its code", first, v.ID)
	}
	ms, err := f.svc.Messages(t.Context(), a, v.ID)
	if err != nil || len(ms) != 1 || ms[0].ID != first[0].ID || ms[0].Provider != "test_inbox" ||
		ms[0].Status != otp.DeliverySent || ms[0].Attempts != 1 {
		t.Errorf("messages = %+v, %v; want the inbox message, sent through test_inbox on attempt 1", ms, err)
	}

	f.clock.Advance(31 * time.Second)
	got, err := f.svc.Resend(t.Context(), a, v.ID, otp.Voice)
	if err != nil {
		t.Fatal(err)
	}
	if got.DeliveryStatus != otp.DeliverySent || !got.SentAt.Equal(f.clock.Now()) {
		t.Errorf("resent: delivery status %s, sent at %v; want sent now", got.DeliveryStatus, got.SentAt)
	}
	noQueuedDeliveries(t, f, "after resend")
	second := inbox(t, f, a, to)
	if len(second) != 2 || second[0].Channel != otp.Voice || second[0].Code != first[0].Code {
		t.Fatalf("inbox after resend = %+v, want the same code again by voice, newest first", second)
	}

	res, err := f.svc.Check(t.Context(), a, v.ID, first[0].Code)
	if err != nil || !res.Valid {
		t.Fatalf("check of the inbox code = %+v, %v; want valid", res, err)
	}
}

// A fallback step comes due later, so it is queued like any other message;
// the delivery worker hands a test application's to the inbox.
func TestTestInboxFallbackStepThroughTheWorker(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	const to = "+14155552672"
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to,
		Fallback: []otp.FallbackStep{{Channel: otp.SMS, Timeout: 30 * time.Second}, {Channel: otp.Voice}}})
	if err != nil {
		t.Fatal(err)
	}
	noQueuedDeliveries(t, f, "after create")
	f.clock.Advance(31 * time.Second)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("SweepFallbacks = %d, %v; want the one due step", n, err)
	}
	ds, err := f.svc.ClaimDeliveries(t.Context(), 10)
	if err != nil || len(ds) != 1 || ds[0].VerificationID != v.ID || ds[0].Channel != otp.Voice {
		t.Fatalf("ClaimDeliveries = %+v, %v; want the voice step of %s", ds, err, v.ID)
	}
	if err := f.svc.Deliver(t.Context(), refusingSender{t}, ds[0]); err != nil {
		t.Fatal(err)
	}
	ms := inbox(t, f, a, to)
	if len(ms) != 2 || ms[0].Channel != otp.Voice || ms[0].ID != ds[0].ID || ms[0].Code != ms[1].Code {
		t.Fatalf("inbox = %+v, want the voice step with the same code, newest first", ms)
	}
	got, err := f.svc.GetVerification(t.Context(), a, v.ID)
	if err != nil || got.DeliveryStatus != otp.DeliverySent || got.Channel != otp.Voice {
		t.Errorf("after the step: %+v, %v; want sent by voice", got, err)
	}
}
