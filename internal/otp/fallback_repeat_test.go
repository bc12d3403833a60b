package otp_test

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// TestFallbackMayNotRepeatAStep: a workflow that sends twice on one
// channel to one destination (the first step's being the verification's,
// emails compared as the limits count them) is INVALID_PARAMETER naming
// the repeating step; SMS then voice to one number, and SMS to two
// numbers, stay allowed.
func TestFallbackMayNotRepeatAStep(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	tests := []struct {
		name      string
		to        string
		steps     []otp.FallbackStep
		wantField string // "" when allowed
	}{
		{"sms then voice to one number", "+14155552671",
			[]otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.Voice}}, ""},
		{"sms to two numbers", "+14155552671",
			[]otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.SMS, To: "+14155552672"}}, ""},
		{"sms twice to the verification's number", "+14155552671",
			[]otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.Voice}, {Channel: otp.SMS, To: "+1 415 555 2671"}}, "fallback[2]"},
		{"the same other number twice", "+14155552671",
			[]otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.SMS, To: "+14155552672"}, {Channel: otp.SMS, To: "+14155552672"}}, "fallback[2]"},
		{"email variants of one address", "victim+1@example.com",
			[]otp.FallbackStep{{Channel: otp.Email}, {Channel: otp.Email, To: "Victim+2@example.com"}}, "fallback[1]"},
		{"two addresses", "victim@example.com",
			[]otp.FallbackStep{{Channel: otp.Email}, {Channel: otp.Email, To: "other@example.com"}}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(otp.DefaultPolicy().ResendCooldown * time.Duration(i+1)) // the destination limit is not what this tests
			_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: tt.to, Fallback: tt.steps})
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("create = %v, want allowed", err)
				}
				return
			}
			e := otp.ErrorOf(err)
			if e == nil || e.Code != otp.CodeInvalidParameter || e.Key != "fallback_repeats_step" || e.Field != tt.wantField {
				t.Fatalf("create = %v (%+v), want INVALID_PARAMETER fallback_repeats_step on %s", err, e, tt.wantField)
			}
		})
	}
}
