package sqlite_test

import (
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// Every write a group commit holds is reported once: the batch sizes the
// observer hears add up to the writes made, however they were batched.
func TestCommitObserverCountsEveryWriteOnce(t *testing.T) {
	st, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var (
		mu      sync.Mutex
		commits int
		held    int
	)
	st.ObserveCommits(func(took time.Duration, requests int) {
		mu.Lock()
		defer mu.Unlock()
		if requests < 1 || took < 0 {
			t.Errorf("commit of %d requests in %v", requests, took)
		}
		commits++
		held += requests
	})
	const writes = 40
	var wg sync.WaitGroup
	for i := range writes {
		wg.Go(func() {
			now := time.Date(2026, 12, 1, 0, 0, i, 0, time.UTC)
			p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
			if err := st.CreateProject(t.Context(), p); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if held != writes || commits < 1 || commits > writes {
		t.Errorf("%d commits held %d writes; want %d writes in 1 to %d commits", commits, held, writes, writes)
	}
}
