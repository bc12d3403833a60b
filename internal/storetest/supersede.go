package storetest

import (
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testSupersede: a new pending verification to a destination supersedes
// the older pending ones of its application to it (canceled, sealed code
// and next fallback step dropped, one otp.canceled event each); another
// destination, another application and a finished verification are left
// be; and of many racing creations to one destination exactly one stays
// pending.
func testSupersede(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a, b := createApp(t, st, p.ID, otp.Live), createApp(t, st, p.ID, otp.Live)
	const to = "+15550001111"

	old := newVerification(a, to, t0)
	mine := newVerification(a, "+15550002222", t0)
	theirs := newVerification(b, to, t0)
	for _, v := range []*otp.Verification{old, mine, theirs} {
		createVerification(t, st, v, time.Time{})
	}
	finished := newVerification(a, to, t0.Add(time.Second))
	finished.Status = otp.StatusVerified
	createVerification(t, st, finished, time.Time{})
	if got := getVerification(t, st, a.ID, old.ID); got.Status != otp.StatusPending {
		t.Fatalf("after a finished verification to its destination, status = %s, want pending", got.Status)
	}

	at := t0.Add(time.Minute)
	newer := newVerification(a, to, at)
	createVerification(t, st, newer, time.Time{})

	want := *old
	want.Status, want.CodeSealed, want.NextStepAt, want.UpdatedAt = otp.StatusCanceled, nil, time.Time{}, at
	diff(t, "the superseded verification", &want, getVerification(t, st, a.ID, old.ID))
	diff(t, "the new verification", newer, getVerification(t, st, a.ID, newer.ID))
	for _, v := range []*otp.Verification{mine, theirs} {
		if got := getVerification(t, st, v.AppID, v.ID); got.Status != otp.StatusPending {
			t.Errorf("verification of another destination or application: status %s, want pending", got.Status)
		}
	}
	evs := undispatched(t, st, 6) // five otp.created, one otp.canceled
	idForm := regexp.MustCompile(`^evt_[0-9a-f]{32}$`)
	var canceled []otp.Event
	for _, e := range evs {
		if e.Type == otp.EventCanceled {
			canceled = append(canceled, e)
		}
	}
	if len(canceled) != 1 {
		t.Fatalf("otp.canceled events = %+v, want one, of the superseded verification", canceled)
	}
	e := canceled[0]
	if e.AppID != a.ID || e.VerificationID != old.ID || !e.CreatedAt.Equal(at) || e.Channel != old.Channel || e.Country != old.Country || !idForm.MatchString(e.ID) {
		t.Errorf("otp.canceled event = %+v, want one of %s at %v with its channel and country and an id evt_ and 32 hex digits", e, old.ID, at)
	}

	// Racing creations to one destination: exactly one stays pending.
	const racers = 8
	race := make([]*otp.Verification, racers)
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		race[i] = newVerification(a, "+15550003333", t0.Add(2*time.Minute))
		wg.Go(func() {
			errs[i] = st.CreateVerification(ctx, race[i], otp.Effects{}, nil)
		})
	}
	wg.Wait()
	pending := 0
	for i, v := range race {
		if errs[i] != nil {
			t.Errorf("racing creation %d: %v", i, errs[i])
			continue
		}
		switch got := getVerification(t, st, a.ID, v.ID); got.Status {
		case otp.StatusPending:
			pending++
		case otp.StatusCanceled:
		default:
			t.Errorf("racing creation %d: status %s, want pending or canceled", i, got.Status)
		}
	}
	if pending != 1 {
		t.Errorf("after %d racing creations to one destination %d are pending, want 1", racers, pending)
	}
}
