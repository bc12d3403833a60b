package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// fakeSource is an in-memory outbox. Deliver passes each message to the
// sender as the real service does.
type fakeSource struct {
	mu        sync.Mutex
	next      int // number of the next message added
	queue     []otp.Delivery
	claims    []int // the limit of each claim
	claimErrs []error
	deliverFn func(d otp.Delivery) error // optional outcome of Deliver
}

func (s *fakeSource) add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		id := fmt.Sprintf("dlv_%03d", s.next)
		s.next++
		s.queue = append(s.queue, otp.Delivery{ID: id, VerificationID: "ver_" + id, Channel: otp.SMS, Attempts: 1})
	}
}

func (s *fakeSource) ClaimDeliveries(ctx context.Context, limit int) ([]otp.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims = append(s.claims, limit)
	if len(s.claimErrs) > 0 {
		err := s.claimErrs[0]
		s.claimErrs = s.claimErrs[1:]
		return nil, err
	}
	n := min(limit, len(s.queue))
	ds := slices.Clone(s.queue[:n])
	s.queue = s.queue[n:]
	return ds, nil
}

func (s *fakeSource) Deliver(ctx context.Context, sender otp.Sender, d otp.Delivery) error {
	if s.deliverFn != nil {
		return s.deliverFn(d)
	}
	_, err := sender.Send(ctx, otp.OutgoingMessage{ID: d.ID, VerificationID: d.VerificationID, Channel: d.Channel})
	return err
}

func (s *fakeSource) claimLimits() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.claims)
}

// fakeSender records sends; each takes delay of (fake) time.
type fakeSender struct {
	delay time.Duration

	mu          sync.Mutex
	sent        []string
	inFlight    int
	maxInFlight int
	ctxErrs     []error // ctx.Err() of each send when it finished
}

func (s *fakeSender) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()

	var err error
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			err = ctx.Err()
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	s.ctxErrs = append(s.ctxErrs, ctx.Err())
	if err != nil {
		return otp.SendResult{}, err
	}
	s.sent = append(s.sent, m.ID)
	return otp.SendResult{Provider: "fake", ProviderMessageID: m.ID}, nil
}

func (s *fakeSender) sentIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.sent))
}

func (s *fakeSender) maxConcurrent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// start runs a worker in the current synctest bubble and returns a stop
// function that cancels it and waits for Run to return.
func start(t *testing.T, c Config) (w *Worker, stop func() error) {
	t.Helper()
	w = NewWorker(c)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return w, stop
}

func TestDeliversEverythingClaimed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{delay: time.Second}
		src.add(25)
		_, stop := start(t, Config{Source: src, Sender: snd, Concurrency: 3, Batch: 4, PollInterval: time.Minute})

		time.Sleep(30 * time.Second) // 25 sends of 1 s, 3 at a time, need 9 s
		synctest.Wait()
		var want []string
		for i := range 25 {
			want = append(want, fmt.Sprintf("dlv_%03d", i))
		}
		if got := snd.sentIDs(); !slices.Equal(got, want) {
			t.Errorf("sent %v,\nwant %v", got, want)
		}
		for i, limit := range src.claimLimits() {
			if limit < 1 || limit > 4 {
				t.Errorf("claim %d asked for %d, want 1 to Batch (4)", i, limit)
			}
		}
		if err := stop(); err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	})
}

func TestConcurrencyBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{delay: time.Second}
		src.add(50)
		start(t, Config{Source: src, Sender: snd, Concurrency: 5, Batch: 50, PollInterval: time.Minute})

		time.Sleep(time.Minute)
		synctest.Wait()
		if got := len(snd.sentIDs()); got != 50 {
			t.Errorf("sent %d, want 50", got)
		}
		// Exactly 5: never more, and the pool is used in full.
		if got := snd.maxConcurrent(); got != 5 {
			t.Errorf("at most %d sends were in flight, want 5", got)
		}
		// Never claimed more than it could start at once.
		for i, limit := range src.claimLimits() {
			if limit > 5 {
				t.Errorf("claim %d asked for %d, want at most Concurrency (5)", i, limit)
			}
		}
	})
}

func TestPollsWhenIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{}
		start(t, Config{Source: src, Sender: snd, PollInterval: 10 * time.Second})
		synctest.Wait() // the first claim found nothing; the worker sleeps

		src.add(1)
		time.Sleep(10*time.Second - time.Nanosecond)
		synctest.Wait()
		if got := snd.sentIDs(); len(got) != 0 {
			t.Fatalf("sent %v before the poll interval, want nothing", got)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if got := snd.sentIDs(); len(got) != 1 {
			t.Errorf("sent %v after the poll interval, want 1 message", got)
		}
	})
}

func TestWakeClaimsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{}
		w, _ := start(t, Config{Source: src, Sender: snd, PollInterval: time.Hour})
		synctest.Wait()
		begin := time.Now()

		src.add(2)
		w.Wake()
		synctest.Wait()
		if got := snd.sentIDs(); len(got) != 2 {
			t.Errorf("sent %v after Wake, want 2 messages", got)
		}
		if d := time.Since(begin); d != 0 {
			t.Errorf("delivery after Wake took %s, want no wait", d)
		}

		// Wakes never block, and merge while one is pending: the worker
		// may take the first before the rest arrive, so one or two claims.
		claims := len(src.claimLimits())
		for range 100 {
			w.Wake()
		}
		synctest.Wait()
		if got := len(src.claimLimits()) - claims; got < 1 || got > 2 {
			t.Errorf("100 wakes led to %d claims, want 1 or 2", got)
		}
	})
}

func TestShutdownWaitsForInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{delay: 5 * time.Second}
		src.add(2)
		_, stop := start(t, Config{Source: src, Sender: snd, Concurrency: 2, PollInterval: time.Second})
		time.Sleep(time.Second) // both sends are under way
		synctest.Wait()
		src.add(3) // queued, but must not be claimed after shutdown begins
		claims := len(src.claimLimits())

		begin := time.Now()
		if err := stop(); err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if d := time.Since(begin); d != 4*time.Second {
			t.Errorf("Run returned %s after cancel, want 4s: the rest of the sends in flight", d)
		}
		if got := snd.sentIDs(); !slices.Equal(got, []string{"dlv_000", "dlv_001"}) {
			t.Errorf("sent %v, want the two in flight", got)
		}
		for i, err := range snd.ctxErrs {
			if err != nil {
				t.Errorf("send %d saw its context end (%v); a shutdown must not cut a send off", i, err)
			}
		}
		if got := len(src.claimLimits()); got != claims {
			t.Errorf("%d claims after cancel, want none", got-claims)
		}
	})
}

func TestSendTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{delay: time.Hour}
		src.add(1)
		var logs bytes.Buffer
		start(t, Config{Source: src, Sender: snd, SendTimeout: 10 * time.Second, PollInterval: time.Hour,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		time.Sleep(time.Minute)
		synctest.Wait()

		snd.mu.Lock()
		defer snd.mu.Unlock()
		if len(snd.ctxErrs) != 1 || !errors.Is(snd.ctxErrs[0], context.DeadlineExceeded) {
			t.Errorf("send context errors = %v, want one DeadlineExceeded", snd.ctxErrs)
		}
		if !strings.Contains(logs.String(), "delivery=dlv_000") {
			t.Errorf("log %q does not name the failed delivery", logs.String())
		}
	})
}

func TestClaimErrorRetriedAfterPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{claimErrs: []error{errors.New("database is locked")}}, &fakeSender{}
		src.add(1)
		var logs bytes.Buffer
		start(t, Config{Source: src, Sender: snd, PollInterval: 3 * time.Second,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		synctest.Wait()
		if got := snd.sentIDs(); len(got) != 0 {
			t.Fatalf("sent %v while the claim failed", got)
		}
		if !strings.Contains(logs.String(), "database is locked") {
			t.Errorf("log %q does not report the claim error", logs.String())
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if got := snd.sentIDs(); len(got) != 1 {
			t.Errorf("sent %v one poll after the error, want 1 message", got)
		}
	})
}

func TestDeliverErrorLoggedWithoutSecrets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{}
		src.deliverFn = func(d otp.Delivery) error { return errors.New("finish delivery: disk full") }
		src.add(1)
		var logs bytes.Buffer
		start(t, Config{Source: src, Sender: snd, PollInterval: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		synctest.Wait()
		for _, want := range []string{"level=ERROR", "delivery=dlv_000", "verification=ver_dlv_000", "disk full"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log %q lacks %q", logs.String(), want)
			}
		}
	})
}

func TestRunChecksConfig(t *testing.T) {
	for name, c := range map[string]Config{
		"no source": {Sender: &fakeSender{}},
		"no sender": {Source: &fakeSource{}},
	} {
		if err := NewWorker(c).Run(t.Context()); err == nil {
			t.Errorf("%s: Run = nil, want an error", name)
		}
	}
}

func TestDefaults(t *testing.T) {
	w := NewWorker(Config{Concurrency: -1, PollInterval: -time.Second})
	got := w.cfg
	if got.Concurrency != 4 || got.Batch != 4 || got.PollInterval != time.Second || got.SendTimeout != 10*time.Second || got.Logger == nil {
		t.Errorf("defaults = %+v, want Concurrency 4, Batch 4, PollInterval 1s, SendTimeout 10s and a Logger", got)
	}
}

func TestRunCanceledBeforeStart(t *testing.T) {
	src, snd := &fakeSource{}, &fakeSender{}
	src.add(1)
	w := NewWorker(Config{Source: src, Sender: snd})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := w.Run(ctx); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if got := src.claimLimits(); len(got) != 0 {
		t.Errorf("claims %v after cancel, want none", got)
	}
}
