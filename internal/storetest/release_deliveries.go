package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testReleaseDeliveries: a claim handed back unsent is due again at once
// with its attempt un-counted, and only the claim still held is released:
// not one whose lease ran out and was claimed again, nor one retried or
// finished since.
func testReleaseDeliveries(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	now := t0
	var want []string
	for _, to := range []string{"+15550001111", "+15550002222", "+15550003333", "+15550004444"} {
		want = append(want, createVerification(t, st, newVerification(a, to, t0), now).ID)
	}
	release := func(what string, wantN int, ds ...otp.Delivery) {
		t.Helper()
		n, err := st.ReleaseDeliveries(ctx, ds)
		if err != nil {
			t.Fatalf("ReleaseDeliveries (%s): %v", what, err)
		}
		if n != wantN {
			t.Errorf("ReleaseDeliveries (%s) released %d, want %d", what, n, wantN)
		}
	}
	byID := func(ds []otp.Delivery) map[string]otp.Delivery {
		m := map[string]otp.Delivery{}
		for _, d := range ds {
			m[d.ID] = d
		}
		return m
	}

	first := byID(claim(t, st, now, 10))
	if len(first) != 4 {
		t.Fatalf("claimed %d, want 4", len(first))
	}
	d1, d2, d3, d4 := first[want[0]], first[want[1]], first[want[2]], first[want[3]]

	// Released during its lease: due at once, as the first attempt again.
	release("d1 held", 1, d1)
	again := claim(t, st, now.Add(time.Second), 10)
	diff(t, "claimed after the release", []string{d1.ID}, deliveryIDs(again))
	if got := again[0]; got.Attempts != 1 || !got.NextAttemptAt.Equal(now) || !got.ClaimedUntil.Equal(now.Add(time.Second+leaseTime)) {
		t.Errorf("released row claimed again with attempt %d, due %v, lease until %v; want attempt 1, due %v, lease until %v",
			got.Attempts, got.NextAttemptAt, got.ClaimedUntil, now, now.Add(time.Second+leaseTime))
	}
	// The first claim of d1 has the same attempt count as the second, but
	// not its lease: releasing it again must leave the second alone.
	release("d1's first claim, claimed again since", 0, d1)
	if ds := claim(t, st, now.Add(2*time.Second), 10); len(ds) != 0 {
		t.Fatalf("claimed %v during the leases, want none", deliveryIDs(ds))
	}

	// d2's lease runs out and another worker claims it: the first
	// worker's late release does nothing to the new claim.
	late := byID(claim(t, st, now.Add(leaseTime), 10))
	if len(late) != 3 || late[d2.ID].Attempts != 2 {
		t.Fatalf("claimed %v after the lease, want d2, d3 and d4 at attempt 2", late)
	}
	release("d2 after its lease ran out and it was claimed again", 0, d2)
	if ds := claim(t, st, now.Add(leaseTime+500*time.Millisecond), 10); len(ds) != 0 {
		t.Fatalf("claimed %v during the new lease, want none", deliveryIDs(ds))
	}

	// Retried or finished since: nothing to release.
	if err := st.RetryDelivery(ctx, late[d3.ID], now.Add(time.Hour), "a: timeout", nil, nil); err != nil {
		t.Fatalf("RetryDelivery: %v", err)
	}
	release("d3 retried", 0, late[d3.ID])
	if err := st.FinishDelivery(ctx, late[d4.ID], nil); err != nil {
		t.Fatalf("FinishDelivery: %v", err)
	}
	release("d4 finished", 0, late[d4.ID])
	// A delivery that is not from a claim names no lease.
	unclaimed := late[d2.ID]
	unclaimed.ClaimedUntil = time.Time{}
	release("a delivery not from a claim", 0, unclaimed)

	// Several at once, held or not, in one call; d3 keeps its retry time.
	release("a batch", 2, again[0], d2, late[d2.ID])
	got := byID(claim(t, st, now.Add(leaseTime+2*time.Second), 10))
	if len(got) != 2 || got[d1.ID].Attempts != 1 || got[d2.ID].Attempts != 2 {
		t.Errorf("claimed %v after the batch release, want d1 at attempt 1 and d2 at attempt 2", got)
	}
}
