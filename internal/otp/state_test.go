package otp_test

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func TestStateMatches(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	live := now.Add(time.Minute)
	tests := []struct {
		name    string
		status  otp.Status
		expires time.Time
		state   otp.State
		want    bool
	}{
		{"pending sent is pending", otp.StatusPending, live, otp.State{Status: otp.StatusPending}, true},
		{"pending with its delivery", otp.StatusPending, live, otp.State{Status: otp.StatusPending, Delivery: otp.DeliverySent}, true},
		{"pending with another delivery", otp.StatusPending, live, otp.State{Status: otp.StatusPending, Delivery: otp.DeliveryFailed}, false},
		{"pending at its expiry is expired", otp.StatusPending, now, otp.State{Status: otp.StatusExpired}, true},
		{"pending at its expiry is not pending", otp.StatusPending, now, otp.State{Status: otp.StatusPending}, false},
		{"expired", otp.StatusExpired, now.Add(-time.Minute), otp.State{Status: otp.StatusExpired}, true},
		{"verified", otp.StatusVerified, now.Add(-time.Minute), otp.State{Status: otp.StatusVerified}, true},
		{"verified is not expired after its expiry", otp.StatusVerified, now.Add(-time.Minute), otp.State{Status: otp.StatusExpired}, false},
		{"any status, its delivery", otp.StatusMaxAttempts, live, otp.State{Delivery: otp.DeliverySent}, true},
		{"the zero state matches all", otp.StatusCanceled, live, otp.State{}, true},
	}
	for _, tc := range tests {
		v := &otp.Verification{Status: tc.status, DeliveryStatus: otp.DeliverySent, ExpiresAt: tc.expires}
		if got := tc.state.Matches(v, now); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestListFilterValidation(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	for _, tc := range []struct {
		name      string
		filter    otp.VerificationFilter
		wantField string
	}{
		{"negative offset", otp.VerificationFilter{Offset: -1}, "offset"},
		{"unknown status", otp.VerificationFilter{States: []otp.State{{Status: "sent"}}}, "status"},
		{"unknown delivery status", otp.VerificationFilter{States: []otp.State{{Delivery: "pending"}}}, "deliveryStatus"},
	} {
		_, err := f.svc.ListVerifications(t.Context(), a, tc.filter)
		_, cerr := f.svc.CountVerifications(t.Context(), a, tc.filter)
		for _, err := range []error{err, cerr} {
			if e := otp.ErrorOf(err); e == nil || e.Field != tc.wantField {
				t.Errorf("%s: %v, want INVALID_PARAMETER on %s", tc.name, err, tc.wantField)
			}
		}
	}
}
