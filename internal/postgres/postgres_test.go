package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/postgres"
	"github.com/otpd/otpd/internal/postgres/pgtest"
	"github.com/otpd/otpd/internal/sqlstore"
	"github.com/otpd/otpd/internal/storetest"
)

func testURL(t *testing.T) string { return pgtest.URL(t) }

func newSchema(t *testing.T) string { return pgtest.NewSchema(t) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func open(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return st
}

func TestStore(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) otp.Store {
		return open(t, newSchema(t))
	})
}

// TestClaimAcrossInstances claims from two stores with their own pools, as
// two otpd instances would: SKIP LOCKED must hand every row to exactly one.
func TestClaimAcrossInstances(t *testing.T) {
	ctx := t.Context()
	u := newSchema(t)
	st1, st2 := open(t, u), open(t, u)
	defer st1.Close()
	defer st2.Close()

	now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
	if err := st1.CreateProject(ctx, p); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Live, Status: otp.AppActive,
		ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("hash"), CreatedAt: now, UpdatedAt: now}
	if err := st1.CreateApplication(ctx, a); err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	var want []string
	for i := range 200 {
		v := &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: "+15550001111", Channel: otp.SMS,
			Purpose: otp.PurposeVerification, Locale: "en", Status: otp.StatusPending, DeliveryStatus: otp.DeliveryQueued,
			CodeHash: []byte{byte(i)}, MaxAttempts: 5, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Minute)}
		d := otp.Delivery{ID: otp.NewID("dlv"), AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS, NextAttemptAt: now, CreatedAt: now}
		if err := st1.CreateVerification(ctx, v, otp.Effects{Deliveries: []otp.Delivery{d}}, nil); err != nil {
			t.Fatalf("CreateVerification: %v", err)
		}
		want = append(want, d.ID)
	}

	var (
		mu  sync.Mutex
		got []string
		wg  sync.WaitGroup
	)
	start := make(chan struct{})
	for _, st := range []*sqlstore.Store{st1, st2} {
		for range 6 {
			wg.Go(func() {
				<-start
				for {
					ds, err := st.ClaimDeliveries(ctx, now, now.Add(time.Minute), 4)
					if err != nil {
						t.Errorf("ClaimDeliveries: %v", err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						got = append(got, d.ID)
					}
					// Bounded, so that rows handed out again and again
					// fail the test instead of hanging it.
					done := len(got) >= 2*len(want)
					mu.Unlock()
					if done {
						return
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	slices.Sort(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("claimed rows (-want +got): every row exactly once\n%s", d)
	}
}

// TestConcurrentOpen starts several instances on an empty database at
// once: the advisory lock lets one migrate and the others find it done.
func TestConcurrentOpen(t *testing.T) {
	u := newSchema(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			st, err := postgres.Open(t.Context(), u)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			st.Close()
		})
	}
	wg.Wait()
	applied, err := postgres.Migrate(t.Context(), u)
	if err != nil || len(applied) != 0 {
		t.Errorf("Migrate after Open = %v, %v; want nothing left to apply", applied, err)
	}
}

// TestManyMoreClientsThanConnections runs far more concurrent writers and
// readers than the pool has connections, on queries not yet prepared: no
// goroutine may wait on a lock that a connection holder needs.
func TestManyMoreClientsThanConnections(t *testing.T) {
	s := open(t, newSchema(t))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Go(func() {
			now := time.Now().UTC().Truncate(time.Microsecond)
			p := &otp.Project{ID: otp.NewID("prj"), Name: fmt.Sprint("p", i), Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
			if err := s.CreateProject(ctx, p); err != nil {
				errs <- err
				return
			}
			if _, err := s.GetProject(ctx, p.ID); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("with 200 clients on a pool of 20: %v", err)
	}
}
