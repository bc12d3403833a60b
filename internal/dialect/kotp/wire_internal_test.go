package kotp

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Every combination of otpd's two state dimensions, before and at its
// expiry, reads as exactly one K-OTP status, and the list filter of that
// status (statesOf) selects it and no other status's filter does; the
// table pins what each combination reads as.
func TestStatusOfOTP(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	statuses := []otp.Status{otp.StatusPending, otp.StatusVerified, otp.StatusExpired, otp.StatusCanceled, otp.StatusMaxAttempts}
	deliveries := []otp.DeliveryStatus{otp.DeliveryQueued, otp.DeliverySent, otp.DeliveryDelivered, otp.DeliveryFailed, otp.DeliveryExpired}
	want := map[otp.Status]map[otp.DeliveryStatus]string{
		otp.StatusPending: {otp.DeliveryQueued: statusPending, otp.DeliverySent: statusSent,
			otp.DeliveryDelivered: statusDelivered, otp.DeliveryFailed: statusFailed, otp.DeliveryExpired: statusFailed},
	}
	for _, s := range statuses {
		for _, d := range deliveries {
			for _, expired := range []bool{false, true} {
				v := &otp.Verification{Status: s, DeliveryStatus: d, ExpiresAt: now.Add(time.Second)}
				if expired {
					v.ExpiresAt = now
				}
				var w string
				switch {
				case s == otp.StatusVerified:
					w = statusVerified
				case s == otp.StatusExpired || s == otp.StatusPending && expired:
					w = statusExpired
				case s == otp.StatusCanceled || s == otp.StatusMaxAttempts:
					w = statusFailed
				default:
					w = want[s][d]
				}
				got := statusOfOTP(v, now)
				if got != w {
					t.Errorf("%s/%s expired %v reads %s, want %s", s, d, expired, got, w)
				}
				for _, ws := range wireStatuses {
					states, _ := statesOf(ws.name)
					matched := false
					for _, st := range states {
						matched = matched || st.Matches(v, now)
					}
					if matched != (ws.name == got) {
						t.Errorf("%s/%s expired %v: filter status=%s selects it: %v; it reads %s", s, d, expired, ws.name, matched, got)
					}
				}
			}
		}
	}
	if _, ok := statesOf("queued"); ok {
		t.Errorf("statesOf(queued) is known; want only K-OTP's six statuses")
	}
}

func TestIDs(t *testing.T) {
	const hex = "01a24f5770380000003ce83b194774c5"
	if got := wireID("ver_" + hex); got != "otp_"+hex {
		t.Errorf("wireID = %s, want otp_%s", got, hex)
	}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"otp_" + hex, "ver_" + hex, true},
		{"ver_" + hex, "ver_" + hex, true},
		{"otp_", "", false},
		{"ver_", "", false},
		{hex, "", false},
		{"", "", false},
		{"evt_" + hex, "", false},
	} {
		got, ok := domainID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("domainID(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestParseTime: the dates and times from and to of GET /v1/otps take,
// each with the precision it is written in, which extends the end of a range.
func TestParseTime(t *testing.T) {
	at := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		in        string
		want      time.Time
		precision time.Duration
		ok        bool
	}{
		{"2024-01-15", time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), 24 * time.Hour, true},
		{"2024-01-15T10:30:00Z", at, time.Second, true},
		{"2024-01-15T13:30:00+03:00", at, time.Second, true},
		{"2024-01-15T13:30:00 03:00", at, time.Second, true}, // an unescaped + in a query
		{"2024-01-15T10:30:00.250Z", at.Add(250 * time.Millisecond), time.Millisecond, true},
		{"2024-01-15T10:30:00", at, time.Second, true},
		// ISO 8601 allows a comma before the fraction; its precision is the
		// fraction's, as after a full stop.
		{"2024-01-15T10:30:00,5Z", at.Add(500 * time.Millisecond), 100 * time.Millisecond, true},
		{"2024-01-15T10:30:00,250", at.Add(250 * time.Millisecond), time.Millisecond, true},
		{"2024-01-15T13:30:00,123456789+03:00", at.Add(123456789), time.Nanosecond, true},
		{"2024-01-15T10:30:00,Z", time.Time{}, 0, false},
		{"2024-01-15T10:30", time.Time{}, 0, false},
		{"15/01/2024", time.Time{}, 0, false},
		{"2024-02-30", time.Time{}, 0, false},
		{"", time.Time{}, 0, false},
	} {
		got, precision, ok := parseTime(tc.in)
		if !got.Equal(tc.want) || precision != tc.precision || ok != tc.ok {
			t.Errorf("parseTime(%q) = %v, %v, %v; want %v, %v, %v", tc.in, got, precision, ok, tc.want, tc.precision, tc.ok)
		}
	}
}

func TestCost(t *testing.T) {
	for _, tc := range []struct {
		in   otp.Money
		want cost
	}{
		{otp.Money{}, cost{0, "USD"}},
		{otp.Money{Micros: 50000, Currency: "USD"}, cost{0.05, "USD"}},
		{otp.Money{Micros: 7500, Currency: "EUR"}, cost{0.0075, "EUR"}},
		{otp.Money{Micros: 1_250000, Currency: "RUB"}, cost{1.25, "RUB"}},
	} {
		if got := newCost(tc.in); got != tc.want {
			t.Errorf("newCost(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
