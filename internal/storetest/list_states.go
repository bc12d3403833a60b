package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testListVerificationsByStatePage: a list filtered by states (status and
// delivery status, judged as of a time) returns exactly the matching
// verifications, pages by offset without loss or repetition, and counts
// them; another application's never show.
func testListVerificationsByStatePage(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	other := createApp(t, st, p.ID, otp.Live)
	asOf := t0.Add(time.Hour)

	type kind struct {
		status  otp.Status
		expires time.Time
	}
	kinds := []kind{
		{otp.StatusPending, asOf.Add(time.Microsecond)}, // pending, the last instant before its expiry
		{otp.StatusPending, asOf},                       // pending in the table, expired as of asOf
		{otp.StatusExpired, asOf.Add(-time.Minute)},
		{otp.StatusVerified, asOf.Add(-time.Minute)},
		{otp.StatusCanceled, asOf.Add(time.Minute)},
		{otp.StatusMaxAttempts, asOf.Add(time.Minute)},
	}
	deliveries := []otp.DeliveryStatus{otp.DeliveryQueued, otp.DeliverySent, otp.DeliveryDelivered, otp.DeliveryFailed}
	var all []*otp.Verification // newest first
	i := 0
	for _, k := range kinds {
		for _, d := range deliveries {
			v := newVerification(a, fmt.Sprintf("+1555000%04d", i), t0.Add(time.Duration(i)*time.Minute))
			v.Status, v.DeliveryStatus, v.ExpiresAt = k.status, d, k.expires
			if i%2 == 1 {
				v.Channel = otp.Email
			}
			createVerification(t, st, v, time.Time{})
			all = append([]*otp.Verification{v}, all...)
			w := newVerification(other, v.To, v.CreatedAt)
			w.Status, w.DeliveryStatus, w.ExpiresAt = k.status, d, k.expires
			createVerification(t, st, w, time.Time{})
			i++
		}
	}

	failed := []otp.State{{Status: otp.StatusPending, Delivery: otp.DeliveryFailed}, {Status: otp.StatusMaxAttempts}, {Status: otp.StatusCanceled}}
	for _, tc := range []struct {
		name   string
		filter otp.VerificationFilter
	}{
		{"no filter", otp.VerificationFilter{}},
		{"pending and queued", otp.VerificationFilter{States: []otp.State{{Status: otp.StatusPending, Delivery: otp.DeliveryQueued}}}},
		{"pending, any delivery", otp.VerificationFilter{States: []otp.State{{Status: otp.StatusPending}}}},
		{"expired, swept or not", otp.VerificationFilter{States: []otp.State{{Status: otp.StatusExpired}}}},
		{"verified", otp.VerificationFilter{States: []otp.State{{Status: otp.StatusVerified}}}},
		{"delivered, any status", otp.VerificationFilter{States: []otp.State{{Delivery: otp.DeliveryDelivered}}}},
		{"any of three states", otp.VerificationFilter{States: failed}},
		{"states, channel and creation", otp.VerificationFilter{States: failed, Channel: otp.Email, CreatedFrom: t0.Add(10 * time.Minute)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter
			f.AsOf = asOf
			var want []string
			for _, v := range all {
				if matches(v, f) {
					want = append(want, v.ID)
				}
			}
			n, err := st.CountVerifications(ctx, a.ID, f)
			if err != nil {
				t.Fatalf("CountVerifications: %v", err)
			}
			if n != len(want) {
				t.Errorf("CountVerifications = %d, want %d", n, len(want))
			}
			var paged []string
			for f.Offset = 0; f.Offset < len(all)+5; f.Offset += 5 {
				f.Limit = 5
				page, err := st.ListVerifications(ctx, a.ID, f)
				if err != nil {
					t.Fatalf("ListVerifications(offset %d): %v", f.Offset, err)
				}
				paged = append(paged, verificationIDs(page)...)
			}
			if want == nil {
				want = []string{}
			}
			if paged == nil {
				paged = []string{}
			}
			diff(t, "pages by offset", want, paged)
			// An offset without a limit lists the rest.
			f.Offset, f.Limit = 2, 0
			rest, err := st.ListVerifications(ctx, a.ID, f)
			if err != nil {
				t.Fatalf("ListVerifications(offset 2, no limit): %v", err)
			}
			wantRest := []string{}
			if len(want) > 2 {
				wantRest = want[2:]
			}
			got := verificationIDs(rest)
			if got == nil {
				got = []string{}
			}
			diff(t, "offset without a limit", wantRest, got)
		})
	}
}

// matches is what the store must do with f's states, channel and
// creation time, written with the domain's own State.Matches.
func matches(v *otp.Verification, f otp.VerificationFilter) bool {
	if f.Channel != "" && v.Channel != f.Channel || !f.CreatedFrom.IsZero() && v.CreatedAt.Before(f.CreatedFrom) {
		return false
	}
	if len(f.States) == 0 {
		return true
	}
	for _, st := range f.States {
		if st.Matches(v, f.AsOf) {
			return true
		}
	}
	return false
}
