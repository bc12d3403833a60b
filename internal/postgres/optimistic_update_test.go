package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// TestUpdateVerificationRetriesChangedRow: on PostgreSQL UpdateVerification
// reads the row without a lock and writes it back guarded by its version
// (sqlstore's verification_cas.go). Another write of the row between the
// read and the guarded write must make it run change again on the row as
// that write left it, and keep nothing of the round that lost. Under a
// row lock held from the read, the other write would wait for the update
// that waits for it: the deadline fails the test then instead of hanging.
func TestUpdateVerificationRetriesChangedRow(t *testing.T) {
	for _, tc := range []struct {
		name string
		// change is the outer update's change of the verification.
		change func(v *otp.Verification)
	}{
		{"columns changed", func(v *otp.Verification) { v.Attempts++ }},
		// No column written: the guard is a locking read of the version.
		{"no column changed", func(*otp.Verification) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			st := open(t, newSchema(t))
			defer st.Close()
			now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
			p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
			if err := st.CreateProject(ctx, p); err != nil {
				t.Fatalf("CreateProject: %v", err)
			}
			a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Live, Status: otp.AppActive,
				ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("hash"), CreatedAt: now, UpdatedAt: now}
			if err := st.CreateApplication(ctx, a); err != nil {
				t.Fatalf("CreateApplication: %v", err)
			}
			v := &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: "+15550001111", Channel: otp.SMS,
				Purpose: otp.PurposeVerification, Locale: "en", Status: otp.StatusPending, DeliveryStatus: otp.DeliveryQueued,
				CodeHash: []byte{1}, MaxAttempts: 5, MaxResends: 5, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Minute)}
			if err := st.CreateVerification(ctx, v, otp.Effects{}, nil); err != nil {
				t.Fatalf("CreateVerification: %v", err)
			}
			event := func(v *otp.Verification, typ otp.EventType) otp.Event {
				return otp.Event{ID: otp.NewID("evt"), Type: typ, AppID: v.AppID, VerificationID: v.ID, CreatedAt: now}
			}

			runs := 0
			var seenResends []int
			got, err := st.UpdateVerification(ctx, a.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
				runs++
				seenResends = append(seenResends, cur.Resends)
				if runs == 1 {
					// Another request's write, after this read.
					_, err := st.UpdateVerification(ctx, a.ID, v.ID, func(other *otp.Verification) (otp.Effects, error) {
						other.Resends++
						return otp.Effects{Events: []otp.Event{event(other, otp.EventSent)}}, nil
					})
					if err != nil {
						return otp.Effects{}, err
					}
				}
				tc.change(cur)
				return otp.Effects{Events: []otp.Event{event(cur, otp.EventFailed)}}, nil
			})
			if err != nil {
				t.Fatalf("UpdateVerification: %v", err)
			}
			if runs != 2 || seenResends[1] != 1 {
				t.Errorf("change ran %d times seeing resends %v, want twice, the second on the other write's row (1)", runs, seenResends)
			}
			stored, err := st.GetVerification(ctx, a.ID, v.ID)
			if err != nil {
				t.Fatalf("GetVerification: %v", err)
			}
			for _, w := range []*otp.Verification{got, stored} {
				if w.Resends != 1 {
					t.Errorf("resends = %d, want the other write's 1 kept", w.Resends)
				}
			}
			if tc.name == "columns changed" && stored.Attempts != v.Attempts+1 {
				t.Errorf("stored attempts = %d, want %d", stored.Attempts, v.Attempts+1)
			}
			events, err := st.ListEvents(ctx, a.ID, 100)
			if err != nil {
				t.Fatalf("ListEvents: %v", err)
			}
			var types []otp.EventType
			for _, e := range events {
				types = append(types, e.Type)
			}
			if len(types) != 2 || countType(types, otp.EventSent) != 1 || countType(types, otp.EventFailed) != 1 {
				t.Errorf("events = %v, want the other write's one and the second round's one, none of the lost round", types)
			}
		})
	}
}

func countType(types []otp.EventType, want otp.EventType) int {
	n := 0
	for _, t := range types {
		if t == want {
			n++
		}
	}
	return n
}
