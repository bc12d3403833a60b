package otp_test

import (
	"context"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// setPolicy changes the policy of a's project.
func (f *fixture) setPolicy(t *testing.T, a *otp.Application, change func(p *otp.Policy)) {
	t.Helper()
	p, err := f.store.GetProject(t.Context(), a.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	pol := p.Policy
	change(&pol)
	if _, err := f.svc.UpdateProject(t.Context(), p.ID, otp.ProjectInput{Policy: &pol}); err != nil {
		t.Fatal(err)
	}
}

// acceptAll delivers every due message with a sender that accepts them,
// and returns the codes it sent.
func (f *fixture) acceptAll(t *testing.T) []string {
	t.Helper()
	ds, err := f.svc.ClaimDeliveries(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	sender := senderFunc(func(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
		codes = append(codes, m.Code)
		return otp.SendResult{Provider: "fake", ProviderMessageID: m.ID}, nil
	})
	for _, d := range ds {
		if err := f.svc.Deliver(t.Context(), sender, d); err != nil {
			t.Fatalf("Deliver: %v", err)
		}
	}
	return codes
}

// sealed reports whether the stored verification still holds its sealed code.
func (f *fixture) sealed(t *testing.T, a *otp.Application, id string) (*otp.Verification, bool) {
	t.Helper()
	v, err := f.store.GetVerification(t.Context(), a.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return v, v.CodeSealed != nil
}

// A pending verification keeps its sealed code while a resend may still
// send it, and loses it in the transaction that records the last
// possible message as accepted; the code still checks by its HMAC.
func TestSealedCodeErasedOnceTheLastResendIsAccepted(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setPolicy(t, a, func(p *otp.Policy) { p.MaxResends, p.ResendCooldown = 1, 30*time.Second })
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	first := f.acceptAll(t)
	if got, ok := f.sealed(t, a, v.ID); !ok || got.DeliveryStatus != otp.DeliverySent {
		t.Fatalf("after the first send: sealed %v, delivery %s; want the sealed code kept (a resend may follow), sent", ok, got.DeliveryStatus)
	}
	f.clock.Advance(31 * time.Second)
	if _, err := f.svc.Resend(t.Context(), a, v.ID, otp.Voice); err != nil {
		t.Fatalf("Resend: %v", err)
	}
	if _, ok := f.sealed(t, a, v.ID); !ok {
		t.Fatal("erased before the resend was accepted")
	}
	second := f.acceptAll(t)
	if len(first) != 1 || len(second) != 1 || first[0] != second[0] {
		t.Fatalf("sent codes %v then %v; want the same code twice", first, second)
	}
	got, ok := f.sealed(t, a, v.ID)
	if ok || got.Status != otp.StatusPending || got.DeliveryStatus != otp.DeliverySent {
		t.Fatalf("after the last resend: sealed %v, %s/%s; want erased, pending/sent", ok, got.Status, got.DeliveryStatus)
	}
	if res, err := f.svc.Check(t.Context(), a, v.ID, first[0]); err != nil || !res.Valid {
		t.Errorf("check after erasure: %+v, %v; want valid", res, err)
	}
}

// A fallback workflow keeps the code until its last step is accepted.
func TestSealedCodeKeptForFallbackSteps(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setPolicy(t, a, func(p *otp.Policy) { p.MaxResends = 0 })
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671",
		Fallback: []otp.FallbackStep{{Channel: otp.SMS, Timeout: 30 * time.Second}, {Channel: otp.Voice}}})
	if err != nil {
		t.Fatal(err)
	}
	first := f.acceptAll(t)
	if _, ok := f.sealed(t, a, v.ID); !ok {
		t.Fatal("erased after the first fallback step; the next step needs the code")
	}
	f.clock.Advance(31 * time.Second)
	if n, err := f.svc.SweepFallbacks(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("SweepFallbacks = %d, %v; want 1", n, err)
	}
	second := f.acceptAll(t)
	if len(first) != 1 || len(second) != 1 || first[0] != second[0] {
		t.Fatalf("sent codes %v then %v; want the same code on both steps", first, second)
	}
	if got, ok := f.sealed(t, a, v.ID); ok || got.Status != otp.StatusPending {
		t.Errorf("after the last step: sealed %v, status %s; want erased, pending", ok, got.Status)
	}
}

// Without resends the first accepted message is the last: the code goes
// at once. A test application's message is accepted in the creating
// transaction, so its code is never stored sealed at all — the test
// inbox keeps its own copy.
func TestSealedCodeErasedWithoutResends(t *testing.T) {
	for _, env := range []otp.Environment{otp.Live, otp.Test} {
		t.Run(string(env), func(t *testing.T) {
			f := newFixture(t, otp.Limits{})
			a, _ := f.newApp(t, env)
			f.setPolicy(t, a, func(p *otp.Policy) { p.MaxResends = 0 })
			v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
			if err != nil {
				t.Fatal(err)
			}
			f.acceptAll(t)
			if _, ok := f.sealed(t, a, v.ID); ok {
				t.Error("the sealed code is kept though no message can need it")
			}
			if env == otp.Test {
				ms, err := f.svc.TestMessages(t.Context(), a, "+14155552671")
				if err != nil || len(ms) != 1 || ms[0].Code == "" {
					t.Fatalf("test inbox: %+v, %v; want the message with its code", ms, err)
				}
				if res, err := f.svc.Check(t.Context(), a, v.ID, ms[0].Code); err != nil || !res.Valid {
					t.Errorf("check: %+v, %v; want valid", res, err)
				}
			}
		})
	}
}

// A verification that ends loses its sealed code at once, and its queued
// message is dropped unsent.
func TestSealedCodeErasedWhenTheVerificationEnds(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Cancel(t.Context(), a, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.sealed(t, a, v.ID); ok {
		t.Error("a canceled verification kept its sealed code")
	}
	if codes := f.acceptAll(t); len(codes) != 0 {
		t.Errorf("sent %v for a canceled verification; want nothing", codes)
	}
}
