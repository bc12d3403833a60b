package otp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// The test inbox shows a message as it was sent for as long as it is
// kept: the resend's and the first message's texts (each with the minutes
// its code had left when it went out) and their code stay the same after
// the verification ends, however it ends, until the inbox's retention
// after its expiry takes them out.
func TestTestInboxKeepsWhatWasSentAfterTheEnd(t *testing.T) {
	for _, end := range []otp.Status{otp.StatusVerified, otp.StatusCanceled, otp.StatusExpired} {
		t.Run(string(end), func(t *testing.T) {
			f := newFixture(t, otp.Limits{})
			a, _ := f.newApp(t, otp.Test)
			const to = "+14155552673"
			v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS})
			if err != nil {
				t.Fatal(err)
			}
			first := inbox(t, f, a, to)
			if len(first) != 1 || !strings.Contains(first[0].Body, first[0].Code+" is your A verification code. It expires in 5 minutes.") {
				t.Fatalf("inbox after create = %+v, want the SMS with its code and 5 minutes", first)
			}
			f.clock.Advance(2*time.Minute + 10*time.Second)
			if _, err := f.svc.Resend(t.Context(), a, v.ID, otp.SMS); err != nil {
				t.Fatal(err)
			}
			sent := inbox(t, f, a, to)
			if len(sent) != 2 || sent[0].Code != first[0].Code || !strings.Contains(sent[0].Body, "It expires in 3 minutes.") {
				t.Fatalf("inbox after the resend = %+v, want the resend first, same code, 3 minutes left", sent)
			}
			if diff := cmp.Diff(first[0], sent[1]); diff != "" {
				t.Errorf("the first message, read again later (-then +now):\n%s", diff)
			}

			f.clock.Advance(time.Minute)
			switch end {
			case otp.StatusVerified:
				if res, err := f.svc.Check(t.Context(), a, v.ID, sent[0].Code); err != nil || !res.Valid {
					t.Fatalf("check = %+v, %v; want valid", res, err)
				}
			case otp.StatusCanceled:
				if _, err := f.svc.Cancel(t.Context(), a, v.ID); err != nil {
					t.Fatal(err)
				}
			case otp.StatusExpired:
				f.clock.Advance(5 * time.Minute)
				if n, err := f.svc.SweepExpired(t.Context(), 10); err != nil || n != 1 {
					t.Fatalf("SweepExpired = %d, %v; want 1", n, err)
				}
			}
			if got, err := f.svc.GetVerification(t.Context(), a, v.ID); err != nil || got.Status != end {
				t.Fatalf("verification = %+v, %v; want %s", got, err, end)
			}
			if diff := cmp.Diff(sent, inbox(t, f, a, to)); diff != "" {
				t.Errorf("inbox once %s (-before +after):\n%s", end, diff)
			}
			if diff := cmp.Diff(sent, inbox(t, f, a, "")); diff != "" {
				t.Errorf("whole inbox once %s (-before +after):\n%s", end, diff)
			}

			// Each message is kept for TestInboxRetention (24 h), as when the
			// inbox held copies; the code kept for it goes 24 h after the expiry.
			f.clock.Advance(sent[0].CreatedAt.Add(24 * time.Hour).Sub(f.clock.Now()))
			if _, err := f.svc.SweepExpired(t.Context(), 10); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sent[:1], inbox(t, f, a, to)); diff != "" {
				t.Errorf("inbox 24 h after the resend (-want +got):\n%s", diff)
			}
			f.clock.Advance(time.Microsecond)
			if got := inbox(t, f, a, to); len(got) != 0 {
				t.Errorf("inbox after the retention = %+v, want it empty", got)
			}
			if got, err := f.store.GetVerification(t.Context(), a.ID, v.ID); err != nil || got.InboxCode == nil {
				t.Fatalf("stored verification = %+v, %v; want its inbox code until 24 h after its expiry", got, err)
			}
			f.clock.Advance(v.ExpiresAt.Add(24*time.Hour + time.Microsecond).Sub(f.clock.Now()))
			if _, err := f.svc.SweepExpired(t.Context(), 10); err != nil {
				t.Fatal(err)
			}
			if got, err := f.store.GetVerification(t.Context(), a.ID, v.ID); err != nil || got.InboxCode != nil || got.CodeSealed != nil {
				t.Errorf("stored verification = %+v, %v; want no code kept 24 h after its expiry", got, err)
			}
		})
	}
}

// A fallback step to another destination is in that destination's inbox,
// with the verification's code, and stays there once the code was checked.
func TestTestInboxFallbackStepToAnotherDestination(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	const to, email = "+14155552674", "person@example.com"
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to,
		Fallback: []otp.FallbackStep{{Channel: otp.SMS, Timeout: 30 * time.Second}, {Channel: otp.Email, To: "Person@Example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Second)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("SweepFallbacks = %d, %v; want the one due step", n, err)
	}
	ds, err := f.svc.ClaimDeliveries(t.Context(), 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("ClaimDeliveries = %+v, %v; want the email step", ds, err)
	}
	f.clock.Advance(time.Second) // the worker sends a moment after the step came due
	if err := f.svc.Deliver(t.Context(), refusingSender{t}, ds[0]); err != nil {
		t.Fatal(err)
	}
	all := inbox(t, f, a, "")
	if len(all) != 2 || all[0].To != email || all[0].Channel != otp.Email || all[1].To != to || all[0].Code != all[1].Code ||
		!all[0].CreatedAt.Equal(f.clock.Now()) || !strings.Contains(all[0].Body, all[0].Code) {
		t.Fatalf("inbox = %+v, want the email step to %s sent now, then the SMS to %s, one code", all, email, to)
	}
	if diff := cmp.Diff(all[:1], inbox(t, f, a, email)); diff != "" {
		t.Errorf("inbox of %s (-want +got):\n%s", email, diff)
	}
	if diff := cmp.Diff(all[1:], inbox(t, f, a, to)); diff != "" {
		t.Errorf("inbox of %s (-want +got):\n%s", to, diff)
	}
	if res, err := f.svc.Check(t.Context(), a, v.ID, all[0].Code); err != nil || !res.Valid {
		t.Fatalf("check = %+v, %v; want valid", res, err)
	}
	if diff := cmp.Diff(all, inbox(t, f, a, "")); diff != "" {
		t.Errorf("inbox once verified (-before +after):\n%s", diff)
	}
}

// An erasure takes the destination's messages out of the test inbox, with
// every message of a verification that fell back to it, and counts the
// ones to it; a resend does not bring them back.
func TestTestInboxErasure(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	const x, y, email = "+14155552675", "+14155552676", "person@example.com"
	vx, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: x, Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: y,
		Fallback: []otp.FallbackStep{{Channel: otp.SMS, Timeout: 30 * time.Second}, {Channel: otp.Email, To: email}}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Second)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("SweepFallbacks = %d, %v; want the one due step", n, err)
	}
	ds, err := f.svc.ClaimDeliveries(t.Context(), 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("ClaimDeliveries = %+v, %v; want the email step", ds, err)
	}
	if err := f.svc.Deliver(t.Context(), refusingSender{t}, ds[0]); err != nil {
		t.Fatal(err)
	}
	if got := inbox(t, f, a, ""); len(got) != 3 {
		t.Fatalf("inbox = %+v, want 3 messages", got)
	}

	got, err := f.svc.EraseUser(t.Context(), a.ID, x)
	if err != nil || got.TestMessages != 1 || got.Remaining != 1 {
		t.Fatalf("EraseUser(%s) = %+v, %v; want its one test message, its pending verification remaining", x, got, err)
	}
	if _, err := f.svc.Resend(t.Context(), a, vx.ID, otp.SMS); err != nil {
		t.Fatal(err)
	}
	if got := inbox(t, f, a, x); len(got) != 0 {
		t.Errorf("inbox of %s after its erasure and a resend = %+v, want none", x, got)
	}
	got, err = f.svc.EraseUser(t.Context(), a.ID, email)
	if err != nil || got.TestMessages != 1 {
		t.Fatalf("EraseUser(%s) = %+v, %v; want the fallback step's message", email, got, err)
	}
	if got := inbox(t, f, a, ""); len(got) != 0 {
		t.Errorf("inbox after both erasures = %+v, want none", got)
	}
}
