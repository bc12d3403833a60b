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
	claimedAt map[string]time.Time       // when each message was claimed
	delivered []string                   // messages passed to Deliver
	deliverFn func(d otp.Delivery) error // optional outcome of Deliver
	released  []string                   // messages handed back, in order
	releaseFn func() error               // optional error of ReleaseDeliveries
	gate      chan struct{}              // if set, the next claim waits for it to close
}

// holdNextClaim makes the next claim wait until the returned function is called.
func (s *fakeSource) holdNextClaim() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gate := make(chan struct{})
	s.gate = gate
	return func() { close(gate) }
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
	if gate := s.gate; gate != nil {
		s.gate = nil
		s.mu.Unlock()
		<-gate
		s.mu.Lock()
	}
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
	if s.claimedAt == nil {
		s.claimedAt = make(map[string]time.Time)
	}
	for _, d := range ds {
		s.claimedAt[d.ID] = time.Now()
	}
	return ds, nil
}

func (s *fakeSource) Deliver(ctx context.Context, sender otp.Sender, d otp.Delivery) error {
	s.mu.Lock()
	s.delivered = append(s.delivered, d.ID)
	s.mu.Unlock()
	if s.deliverFn != nil {
		return s.deliverFn(d)
	}
	_, err := sender.Send(ctx, otp.OutgoingMessage{ID: d.ID, VerificationID: d.VerificationID, Channel: d.Channel})
	return err
}

// ReleaseDeliveries puts ds back at the front of the queue, due at once,
// as the real outbox makes them.
func (s *fakeSource) ReleaseDeliveries(ctx context.Context, ds []otp.Delivery) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.releaseFn != nil {
		if err := s.releaseFn(); err != nil {
			return 0, err
		}
	}
	for _, d := range ds {
		s.released = append(s.released, d.ID)
	}
	s.queue = append(slices.Clone(ds), s.queue...)
	return len(ds), nil
}

func (s *fakeSource) releasedIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.released))
}

// deliverCounts is how often each message was passed to Deliver.
func (s *fakeSource) deliverCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[string]int{}
	for _, id := range s.delivered {
		n[id]++
	}
	return n
}

func (s *fakeSource) claimLimits() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.claims)
}

// claimedIDs returns the messages claimed so far, sorted.
func (s *fakeSource) claimedIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.claimedAt {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (s *fakeSource) deliveredIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.delivered))
}

// longestWait is the longest time a sent message spent between its claim
// and the start of its send.
func longestWait(src *fakeSource, snd *fakeSender) time.Duration {
	src.mu.Lock()
	defer src.mu.Unlock()
	snd.mu.Lock()
	defer snd.mu.Unlock()
	var longest time.Duration
	for id, started := range snd.started {
		longest = max(longest, started.Sub(src.claimedAt[id]))
	}
	return longest
}

// fakeSender records sends; each takes delay of (fake) time, or
// delayOf(n) for the nth send (from 0) if delayOf is set.
type fakeSender struct {
	delay   time.Duration
	delayOf func(n int) time.Duration

	mu          sync.Mutex
	sent        []string
	started     map[string]time.Time
	inFlight    int
	maxInFlight int
	ctxErrs     []error // ctx.Err() of each send when it finished
}

func (s *fakeSender) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	s.mu.Lock()
	delay := s.delay
	if s.delayOf != nil {
		delay = s.delayOf(len(s.started))
	}
	if s.started == nil {
		s.started = make(map[string]time.Time)
	}
	s.started[m.ID] = time.Now()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()

	var err error
	if delay > 0 {
		select {
		case <-time.After(delay):
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
		// Claimed ahead of the senders, but only as far as they start
		// within MaxQueueWait (default 2 s).
		if got := longestWait(src, snd); got > 2*time.Second {
			t.Errorf("a message waited %s between claim and send, want at most MaxQueueWait (2s)", got)
		}
	})
}

func TestClaimsInBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{} // sends take no time
		src.add(1000)
		start(t, Config{Source: src, Sender: snd, Concurrency: 4, PollInterval: time.Minute})
		synctest.Wait()

		if got := len(snd.sentIDs()); got != 1000 {
			t.Errorf("sent %d, want 1000", got)
		}
		limits := src.claimLimits()
		// One claim per free sender would take at least 250 claims.
		if len(limits) > 50 {
			t.Errorf("%d claims for 1000 messages, want at most 50: %v", len(limits), limits)
		}
		if got := slices.Max(limits); got != 64 {
			t.Errorf("largest claim asked for %d, want Batch (default 64)", got)
		}
	})
}

func TestSlowSendsClaimOnlyForFreeSenders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Each send takes longer than MaxQueueWait: a message claimed
		// for a busy sender would have to wait too long.
		src, snd := &fakeSource{}, &fakeSender{delay: 3 * time.Second}
		src.add(20)
		var logs bytes.Buffer
		start(t, Config{Source: src, Sender: snd, Concurrency: 2, MaxQueueWait: 2 * time.Second,
			PollInterval: time.Minute, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		time.Sleep(time.Minute)
		synctest.Wait()

		if got := len(snd.sentIDs()); got != 20 {
			t.Errorf("sent %d, want 20", got)
		}
		if got := longestWait(src, snd); got != 0 {
			t.Errorf("a message waited %s between claim and send, want none", got)
		}
		for i, limit := range src.claimLimits() {
			if limit > 2 {
				t.Errorf("claim %d asked for %d, want at most the free senders (2)", i, limit)
			}
		}
		if got := src.releasedIDs(); len(got) != 0 {
			t.Errorf("messages %v were handed back, want none: %s", got, logs.String())
		}
	})
}

// runStalled runs a worker with one sender over n messages of src for a
// minute of fake time: 100 ms a send, but the send numbered stall takes
// 9 s, so that what the worker claimed ahead for quick sends waits. It
// checks that no message waited longer than MaxQueueWait (2 s) between
// its claim and its send, and returns the sender and the worker's log.
func runStalled(t *testing.T, src *fakeSource, n, stall int) (*fakeSender, *bytes.Buffer) {
	t.Helper()
	snd := &fakeSender{delayOf: func(i int) time.Duration {
		if i == stall {
			return 9 * time.Second
		}
		return 100 * time.Millisecond
	}}
	src.add(n)
	logs := &bytes.Buffer{}
	start(t, Config{Source: src, Sender: snd, Concurrency: 1, MaxQueueWait: 2 * time.Second,
		PollInterval: time.Minute, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	time.Sleep(time.Minute)
	synctest.Wait()
	if got := longestWait(src, snd); got > 2*time.Second {
		t.Errorf("a message waited %s between claim and send, want at most MaxQueueWait (2s)", got)
	}
	return snd, logs
}

func TestMessagesPastMaxQueueWaitAreHandedBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Quick sends let the worker claim ahead, then the provider
		// stalls: what was claimed behind the stalled send waits too long,
		// and goes back to the outbox, to be claimed again at once.
		src := &fakeSource{}
		snd, logs := runStalled(t, src, 60, 20)
		released := src.releasedIDs()
		if len(released) == 0 {
			t.Fatal("nothing was handed back behind a stalled send")
		}
		// Handed back, claimed again and sent: each message once, all
		// within the minute, none waiting for a lease (the fake has none).
		if got := snd.sentIDs(); len(got) != 60 || len(slices.Compact(got)) != 60 {
			t.Errorf("sent %d messages (%d distinct), want each of the 60 once", len(got), len(slices.Compact(got)))
		}
		for id, n := range src.deliverCounts() {
			if n != 1 {
				t.Errorf("%s passed to Deliver %d times, want once", id, n)
			}
		}
		for _, id := range released {
			if !strings.Contains(logs.String(), id) {
				t.Errorf("log does not name %s, handed back", id)
			}
		}
	})
}

func TestHandBackFailureLeavesMessagesToTheirLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fakeSource{releaseFn: func() error { return errors.New("database is locked") }}
		snd, logs := runStalled(t, src, 30, 5)
		if !strings.Contains(logs.String(), "left to their lease") || !strings.Contains(logs.String(), "database is locked") {
			t.Errorf("log %q does not say the hand-back failed and why", logs.String())
		}
		if got, claimed := len(snd.sentIDs()), len(src.claimedIDs()); got >= claimed {
			t.Errorf("sent %d of %d claimed, want fewer: those waited out were not to be sent", got, claimed)
		}
	})
}

func TestSenderPanicIsRecovered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, snd := &fakeSource{}, &fakeSender{}
		src.deliverFn = func(d otp.Delivery) error {
			if d.ID == "dlv_001" {
				panic("provider bug, message: your code is 123456")
			}
			_, err := snd.Send(context.Background(), otp.OutgoingMessage{ID: d.ID})
			return err
		}
		src.add(3)
		var logs bytes.Buffer
		w, stop := start(t, Config{Source: src, Sender: snd, Concurrency: 1, PollInterval: time.Hour,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		synctest.Wait()

		if got := snd.sentIDs(); !slices.Equal(got, []string{"dlv_000", "dlv_002"}) {
			t.Errorf("sent %v, want dlv_000 and dlv_002 around the panic", got)
		}
		for _, want := range []string{"level=ERROR", "panicked", "delivery=dlv_001", "panic=string"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
		}
		if strings.Contains(logs.String(), "123456") {
			t.Errorf("log shows the panic value, which may hold the code:\n%s", logs.String())
		}
		// The sender is still there for the next message.
		src.add(1)
		w.Wake()
		synctest.Wait()
		if got := snd.sentIDs(); !slices.Contains(got, "dlv_003") {
			t.Errorf("sent %v after the panic, want dlv_003 too", got)
		}
		if err := stop(); err != nil {
			t.Errorf("Run = %v, want nil", err)
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

		// Wakes never block, and merge while one is pending: while the
		// worker is inside a claim, 100 wakes leave one pending, so the
		// held claim is followed by exactly one more.
		claims := len(src.claimLimits())
		release := src.holdNextClaim()
		w.Wake()
		synctest.Wait() // the worker is in the held claim
		for range 100 {
			w.Wake()
		}
		release()
		synctest.Wait()
		if got := len(src.claimLimits()) - claims; got != 2 {
			t.Errorf("100 wakes during a claim led to %d claims after it began, want 2 (that claim and one more)", got)
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

func TestShutdownHandsBackWhatWasQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One sender, 1 s a send, and room to claim ahead: when Run is
		// stopped, messages are queued behind the one in flight.
		src, snd := &fakeSource{}, &fakeSender{delay: time.Second}
		src.add(10)
		_, stop := start(t, Config{Source: src, Sender: snd, Concurrency: 1, MaxQueueWait: 4 * time.Second,
			PollInterval: time.Minute})
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		claimed := src.claimedIDs()
		if len(claimed) < 3+1 {
			t.Fatalf("claimed %v after 2.5 s, want more than the three started: the test needs a queue", claimed)
		}

		begin := time.Now()
		if err := stop(); err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
		if d := time.Since(begin); d != 500*time.Millisecond {
			t.Errorf("Run returned %s after cancel, want 500ms: the rest of the send in flight", d)
		}
		sent, released := snd.sentIDs(), src.releasedIDs()
		if !slices.Equal(sent, claimed[:3]) {
			t.Errorf("sent %v, want the three started before the shutdown", sent)
		}
		if !slices.Equal(released, claimed[3:]) {
			t.Errorf("handed back %v, want the rest of what was claimed %v", released, claimed[3:])
		}
		if got := src.claimedIDs(); len(got) != len(claimed) {
			t.Errorf("claimed %v after cancel, want nothing more", got[len(claimed):])
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
	if got.Concurrency != 4 || got.Batch != 64 || got.PollInterval != time.Second || got.SendTimeout != 10*time.Second ||
		got.MaxQueueWait != 2*time.Second || got.Logger == nil {
		t.Errorf("defaults = %+v, want Concurrency 4, Batch 64, PollInterval 1s, SendTimeout 10s, MaxQueueWait 2s and a Logger", got)
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
