package otp_test

import (
	"context"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// The limiter may be Redis: it must never be called while the store holds
// its write transaction open.
func TestResendCountsTheLimitOutsideTheWrite(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Second)
	calls := f.limiter.destCalls.Load()
	got, err := f.svc.Resend(t.Context(), a, v.ID, otp.Voice)
	if err != nil {
		t.Fatal(err)
	}
	if got.Resends != 1 || got.Channel != otp.Voice {
		t.Errorf("after resend: resends %d channel %s, want 1 voice", got.Resends, got.Channel)
	}
	if n := f.limiter.destCalls.Load() - calls; n != 1 {
		t.Errorf("resend counted %d sends to the destination, want 1", n)
	}
	if f.limiter.calledInTxn.Load() {
		t.Error("the limiter was called inside UpdateVerification's change")
	}
}

// A resend refused by the rules on the first read does not use up the
// destination's limit.
func TestRefusedResendDoesNotCountAgainstTheLimit(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.limiter.destCalls.Load()
	for _, tc := range []struct {
		channel otp.Channel
		want    string
	}{{"", otp.CodeRateLimited}, {otp.Email, otp.CodeInvalidParameter}} {
		if _, err := f.svc.Resend(t.Context(), a, v.ID, tc.channel); code(err) != tc.want {
			t.Errorf("resend on %q in the cooldown: %v, want %s", tc.channel, err, tc.want)
		}
	}
	if n := f.limiter.destCalls.Load() - calls; n != 0 {
		t.Errorf("refused resends counted %d sends, want 0", n)
	}
}

// Between the read and the write another request may resend: the write
// checks the rules again and refuses the second.
func TestResendRechecksInsideTheWrite(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Second)
	f.store.beforeUpdate = func() {
		if _, err := f.svc.Resend(context.Background(), a, v.ID, ""); err != nil {
			t.Errorf("the competing resend: %v", err)
		}
	}
	if _, err := f.svc.Resend(t.Context(), a, v.ID, ""); code(err) != otp.CodeRateLimited {
		t.Errorf("resend that lost the race: %v, want RATE_LIMITED (cooldown)", err)
	}
	got, err := f.svc.GetVerification(t.Context(), a, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Resends != 1 {
		t.Errorf("resends = %d, want 1: only the winner resent", got.Resends)
	}
}
