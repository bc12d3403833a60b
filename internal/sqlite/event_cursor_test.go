package sqlite_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// TestGroupCommitEventsConsumedOnce writes events from many concurrent
// requests, which the group commit runs in shared transactions, while a
// consumer takes them. Every third request fails after writing its event
// (a duplicate message), so it is rolled back to its savepoint inside a
// batch that commits. The consumer must take each committed event exactly
// once and no event of a failed request: the one writer commits events in
// seq order, so the cursor never passes an event that commits later.
func TestGroupCommitEventsConsumedOnce(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "otpd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Test, Status: otp.AppActive,
		ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("k"), ClientSecretHash: []byte("s"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	verification := func(i int) *otp.Verification {
		return &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: fmt.Sprintf("+1415555%04d", i), Channel: otp.SMS,
			Status: otp.StatusVerified, CodeHash: []byte("h"), MaxAttempts: 5, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Minute)}
	}
	taken := otp.Message{ID: otp.NewID("msg"), AppID: a.ID, Channel: otp.SMS, Status: otp.DeliverySent, Attempts: 1, CreatedAt: now}
	first := verification(-1)
	taken.VerificationID = first.ID
	if err := st.CreateVerification(ctx, first, otp.Effects{Messages: []otp.Message{taken}}, nil); err != nil {
		t.Fatal(err)
	}

	const writers = 300
	committed := make([]string, 0, writers)
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		done  atomic.Bool
		got   []string
		cerr  error
		cdone = make(chan struct{})
	)
	go func() { // the consumer, until the writers are done and it has all
		defer close(cdone)
		for {
			finished := done.Load()
			evs, err := st.ListUndispatchedEvents(ctx, 50)
			if err == nil && len(evs) > 0 {
				err = st.ConsumeEvents(ctx, nil, nil, nil, nil, evs)
			}
			if err != nil {
				cerr = err
				return
			}
			for _, e := range evs {
				got = append(got, e.ID)
			}
			if len(evs) == 0 {
				if finished {
					return
				}
				runtime.Gosched()
			}
		}
	}()
	for i := range writers {
		wg.Go(func() {
			v := verification(i)
			e := otp.Event{ID: otp.NewID("evt"), Type: otp.EventCreated, AppID: a.ID, VerificationID: v.ID, CreatedAt: now}
			fx := otp.Effects{Events: []otp.Event{e}}
			if i%3 == 0 {
				fx.Messages = []otp.Message{taken} // after the event: the request fails having written it
			}
			err := st.CreateVerification(ctx, v, fx, nil)
			switch {
			case i%3 == 0 && !errors.Is(err, otp.ErrConflict):
				t.Errorf("request %d with a duplicate message: %v, want ErrConflict", i, err)
			case i%3 != 0 && err != nil:
				t.Errorf("request %d: %v", i, err)
			case err == nil:
				mu.Lock()
				committed = append(committed, e.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	done.Store(true)
	<-cdone
	if cerr != nil {
		t.Fatal(cerr)
	}
	slices.Sort(got)
	slices.Sort(committed)
	if !slices.Equal(got, committed) {
		t.Errorf("consumed %d events, want each of the %d committed once", len(got), len(committed))
	}
}
