package sqlite_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// BenchmarkCreateVerification measures the store alone creating
// verifications of a test application as the create endpoint does: the
// verification (with its code kept for the test inbox), otp.created and
// otp.sent, and the message record, which is the test inbox's, in one
// transaction, from a number of concurrent callers: the ceiling
// SQLite puts on the create phase of otpd bench before HTTP, delivery and
// the event consumer take their share. Run it with
//
//	go test -run '^$' -bench CreateVerification ./internal/sqlite
//
// Few callers make small group commits, whose fixed cost (the pages each
// commit appends to the log) dominates; many share it.
func BenchmarkCreateVerification(b *testing.B) {
	for _, callers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			ctx := b.Context()
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "otpd.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			now := time.Now()
			p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
			if err := st.CreateProject(ctx, p); err != nil {
				b.Fatal(err)
			}
			a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Test, Status: otp.AppActive,
				ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("hash"), CreatedAt: now, UpdatedAt: now}
			if err := st.CreateApplication(ctx, a); err != nil {
				b.Fatal(err)
			}
			hash, sealed := make([]byte, 32), make([]byte, 50)
			var next atomic.Int64
			b.SetParallelism((callers + 1) / 2) // RunParallel starts GOMAXPROCS (2) goroutines per unit
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					// Each to its own destination, as otpd bench sends: a
					// repeated one would supersede the pending one before it.
					i := next.Add(1)
					v := &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: fmt.Sprintf("+1555%07d", i%10_000_000),
						Channel: otp.SMS, Purpose: otp.PurposeVerification, Locale: "en", Status: otp.StatusPending,
						DeliveryStatus: otp.DeliveryQueued, CodeHash: hash, CodeSealed: sealed, InboxCode: sealed, MaxAttempts: 5, MaxResends: 3,
						CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
					msg := otp.NewID("dlv")
					fx := otp.Effects{
						Events: []otp.Event{
							{ID: otp.NewID("evt"), Type: otp.EventCreated, AppID: a.ID, VerificationID: v.ID, CreatedAt: now, Channel: otp.SMS},
							{ID: otp.NewID("evt"), Type: otp.EventSent, AppID: a.ID, VerificationID: v.ID, CreatedAt: now, Channel: otp.SMS},
						},
						Messages: []otp.Message{{ID: msg, AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS, Provider: "test_inbox",
							ProviderMessageID: msg, Status: otp.DeliverySent, Attempts: 1, CreatedAt: now, SentAt: now}},
					}
					if err := st.CreateVerification(ctx, v, fx, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkClaimDeliveriesEmpty measures a delivery worker's claim when
// nothing is due, as it polls: one write transaction that finds nothing.
//
//	go test -run '^$' -bench ClaimDeliveriesEmpty ./internal/sqlite
func BenchmarkClaimDeliveriesEmpty(b *testing.B) {
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "otpd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for b.Loop() {
		now := time.Now()
		if ds, err := st.ClaimDeliveries(b.Context(), now, now.Add(time.Minute), 64); err != nil || len(ds) != 0 {
			b.Fatalf("ClaimDeliveries = %v, %v; want nothing", ds, err)
		}
	}
}
