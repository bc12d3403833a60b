package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testConcurrentReadModifyWrite: changes of one verification from many
// goroutines at once each see the row as the one before left it, so no
// change is lost, whatever the store does to spare reads (PostgreSQL reads
// outside the transaction and writes back with a guard; SQLite serialises
// in its one writer). Each change also writes an effect, which must be
// there exactly once per change.
func testConcurrentReadModifyWrite(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	v := newVerification(a, "+15550001111", t0)
	v.Attempts, v.MaxAttempts = 0, 1000
	createVerification(t, st, v, time.Time{})

	const n = 40
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := st.UpdateVerification(ctx, a.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
				cur.Attempts++
				cur.UpdatedAt = t0 // the same instant every time: nothing may rely on it changing
				return otp.Effects{Events: []otp.Event{newEvent(otp.EventSent, cur, t0)}}, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := st.GetVerification(ctx, a.ID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempts != n {
		t.Errorf("attempts = %d after %d concurrent increments, want no lost update", got.Attempts, n)
	}
	if string(got.Metadata) != string(v.Metadata) || string(got.CodeSealed) != string(v.CodeSealed) || got.Carrier != v.Carrier {
		t.Errorf("fields no change touched changed: %+v", got)
	}
	if types, ok := eventTypes(t, st, a.ID); ok && count(types, otp.EventSent) != n {
		t.Errorf("%d otp.sent events for %d changes, want one each", count(types, otp.EventSent), n)
	}
}
