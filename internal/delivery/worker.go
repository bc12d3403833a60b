// Package delivery runs the outbox worker: it claims queued messages from
// the domain in batches and hands each to a sender, a bounded number at a
// time.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

// Source is where a Worker finds its work. *otp.Service is one.
type Source interface {
	// ClaimDeliveries leases up to limit due messages to this worker.
	ClaimDeliveries(ctx context.Context, limit int) ([]otp.Delivery, error)
	// Deliver sends one claimed message through sender and records the
	// outcome. An error means the outcome could not be recorded.
	Deliver(ctx context.Context, sender otp.Sender, d otp.Delivery) error
	// ReleaseDeliveries hands claimed messages back unsent: due at once,
	// their claim's attempt un-counted, if the claim is still held.
	ReleaseDeliveries(ctx context.Context, ds []otp.Delivery) (int, error)
}

var _ Source = (*otp.Service)(nil)

// Config configures a Worker. Zero or negative values take the defaults noted.
type Config struct {
	Source Source     // required
	Sender otp.Sender // required

	Concurrency int // messages in flight at once; default 4
	// Batch caps one claim, and the claimed messages waiting for a
	// sender; default 64. One claim is one write transaction, so a busy
	// worker claims many messages at a time rather than one per send.
	Batch        int
	PollInterval time.Duration // wait between claims when idle; default 1 s
	// SendTimeout bounds one delivery. Keep it well under the claim lease
	// (otp.Limits.DeliveryLease), or a slow send may be claimed and sent
	// again by another worker. Default 10 s.
	SendTimeout time.Duration
	// MaxQueueWait bounds how long a claimed message waits for a sender.
	// One that waited longer is not sent but handed back to the source
	// (ReleaseDeliveries), due at once and its attempt un-counted, so
	// that it is never sent while another worker may hold it; if the
	// hand-back fails, it is left to its lease. The worker claims only as many
	// messages as its senders are expected to start well within this
	// time, so that happens only when sends suddenly slow down.
	// MaxQueueWait plus SendTimeout must stay under the lease, with room
	// for the claim and for recording the outcome. Default 2 s.
	MaxQueueWait time.Duration
	Logger       *slog.Logger // default discards
}

// Worker delivers outbox messages until its context ends.
type Worker struct {
	cfg  Config
	wake chan struct{}
}

// NewWorker returns a Worker for c with its defaults filled in. Run
// reports a missing Source or Sender.
func NewWorker(c Config) *Worker {
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.Batch <= 0 {
		c.Batch = 64
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 10 * time.Second
	}
	if c.MaxQueueWait <= 0 {
		c.MaxQueueWait = 2 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	// One pending signal is enough: however many messages were queued, the
	// next claim picks them all up.
	return &Worker{cfg: c, wake: make(chan struct{}, 1)}
}

// Wake makes the worker claim at once instead of at its next poll. It
// never blocks, and wakes that come while one is pending merge into it.
// Pass it as otp.Config.Notify or to Service.SetNotify.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// claimed is a message leased to this worker, waiting for a sender.
type claimed struct {
	d  otp.Delivery
	at time.Time // when the claim that leased it began
}

// pool is what one Run shares between its claim loop and its senders.
type pool struct {
	queue chan claimed  // claimed messages; only the claim loop sends
	freed chan struct{} // a sender finished a message; pending signals merge

	mu    sync.Mutex
	held  int           // messages claimed and not yet finished, queued or in flight
	avg   time.Duration // moving average of one delivery
	known bool          // whether avg has a sample yet
}

// Run claims and delivers messages until ctx is done. Then it stops
// claiming, its senders finish the messages in flight, and the messages
// claimed but not yet started are handed back to the source, so that
// another instance can send them at once rather than after their lease.
// Sends are not canceled by the shutdown but bounded by SendTimeout, so
// Run returns within SendTimeout (and a hand-back) of the end of ctx,
// with nil. It returns an error at once if the Config lacks a Source or
// a Sender.
func (w *Worker) Run(ctx context.Context) error {
	if w.cfg.Source == nil || w.cfg.Sender == nil {
		return errors.New("delivery: Config.Source and Config.Sender are required")
	}
	p := &pool{queue: make(chan claimed, w.cfg.Batch), freed: make(chan struct{}, 1)}
	var senders sync.WaitGroup
	for range w.cfg.Concurrency {
		senders.Go(func() { w.send(ctx, p) })
	}
	defer senders.Wait()
	defer close(p.queue) // runs first: the senders drain the queue and stop
	for {
		if ctx.Err() != nil {
			return nil
		}
		n := w.room(p)
		if n == 0 {
			// Enough is queued for now: claim again when a sender is done.
			select {
			case <-p.freed:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		// The lease starts inside the claim: timing the wait from before
		// it errs on the safe side.
		begin := time.Now()
		ds, err := w.cfg.Source.ClaimDeliveries(ctx, n)
		// An unavailable database is logged by the store, once an outage.
		if err != nil && ctx.Err() == nil && !errors.Is(err, otp.ErrUnavailable) {
			w.cfg.Logger.ErrorContext(ctx, "claim deliveries", "err", err)
		}
		// Messages claimed just as ctx ended are queued all the same, and
		// handed back by the senders. The queue has room for all n.
		p.mu.Lock()
		p.held += len(ds)
		p.mu.Unlock()
		for _, d := range ds {
			p.queue <- claimed{d: d, at: begin}
		}
		if err == nil && len(ds) == n {
			continue // a full claim: more may be due
		}
		if !w.idle(ctx) {
			return nil
		}
	}
}

// room is how many messages to claim now, zero to wait. Beside one
// message in flight per sender, the queue is to hold no more than the
// senders are expected to start within half of MaxQueueWait: that
// duration over the average delivery time, per sender. Until a delivery
// has been timed, and whenever deliveries are that slow, that is nothing:
// only free senders are claimed for. The queue is topped up once it is
// down to half of that, so that a busy worker claims in large batches
// rather than one message each time a sender is free.
func (w *Worker) room(p *pool) int {
	p.mu.Lock()
	held, avg, known := p.held, p.avg, p.known
	p.mu.Unlock()
	perSender := 0
	if known {
		perSender = w.cfg.Batch // instant deliveries: only Batch limits
		if avg > 0 {
			perSender = min(perSender, int(w.cfg.MaxQueueWait/2/avg))
		}
	}
	queued := min(w.cfg.Batch, w.cfg.Concurrency*perSender)
	if held > w.cfg.Concurrency+queued/2 {
		return 0
	}
	// The queue's free space bounds it too, so that adding never blocks.
	return min(w.cfg.Concurrency+queued-held, w.cfg.Batch-len(p.queue))
}

// idle waits for a wake, the poll interval or the end of ctx, and reports
// false for the last.
func (w *Worker) idle(ctx context.Context) bool {
	t := time.NewTimer(w.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-w.wake:
		return true
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// send is one sender: it delivers claimed messages until the queue is
// closed and empty. Those not to be sent (handBack) go back to the
// source, with the rest of the queue that is not either.
func (w *Worker) send(ctx context.Context, p *pool) {
	for c := range p.queue {
		if !w.handBack(ctx, c) {
			w.sendOne(ctx, p, c)
			continue
		}
		batch, next := w.takeHandBacks(ctx, p, c)
		w.release(ctx, batch)
		p.finished(len(batch), 0, false)
		if next != nil {
			w.sendOne(ctx, p, *next)
		}
	}
}

// sendOne delivers c and times it.
func (w *Worker) sendOne(ctx context.Context, p *pool, c claimed) {
	begin := time.Now()
	w.deliver(ctx, c.d)
	p.finished(1, time.Since(begin), true)
}

// finished records that n held messages are done with, delivered in took
// each when timed, and tells the claim loop there is room.
func (p *pool) finished(n int, took time.Duration, timed bool) {
	p.mu.Lock()
	p.held -= n
	switch {
	case !timed:
	case !p.known:
		p.avg, p.known = took, true
	default:
		// About the last eight deliveries: quick to follow a provider
		// that slows down.
		p.avg += (took - p.avg) / 8
	}
	p.mu.Unlock()
	select {
	case p.freed <- struct{}{}:
	default:
	}
}

// deliver hands one message to the source with a context that outlives a
// shutdown, so a send is never cut off halfway, but not SendTimeout. A
// panic in the source or the sender is logged and the message left
// unfinished: its lease runs out and it is retried as a failed attempt,
// so one bad provider cannot bring the process down.
//
// Each attempt is the root of a trace of its own: the request that queued
// the message has long been answered, and its trace context is not kept
// in the outbox.
func (w *Worker) deliver(ctx context.Context, d otp.Delivery) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.SendTimeout)
	defer cancel()
	ctx, span := telemetry.StartRoot(ctx, "delivery.attempt", telemetry.Internal)
	defer span.End()
	if span.IsRecording() {
		span.SetAttributes(telemetry.Channel.String(string(d.Channel)), telemetry.Attempt.Int(d.Attempts),
			telemetry.Verification.String(d.VerificationID))
	}
	defer func() {
		if r := recover(); r != nil {
			w.cfg.Logger.ErrorContext(ctx, "deliver panicked; the message is retried when its lease runs out",
				"delivery", d.ID, "verification", d.VerificationID, "app", d.AppID, "channel", d.Channel,
				"attempt", d.Attempts, "panic", panicText(r), "stack", string(debug.Stack()))
		}
	}()
	if err := w.cfg.Source.Deliver(ctx, w.cfg.Sender, d); err != nil {
		span.Fail()
		// IDs only: the destination and the code stay out of logs.
		w.cfg.Logger.ErrorContext(ctx, "deliver", "delivery", d.ID, "verification", d.VerificationID,
			"app", d.AppID, "channel", d.Channel, "attempt", d.Attempts, "err", err)
	}
}

// panicText describes a recovered value for the log. A runtime error's
// text is the runtime's own; any other value may have been built from the
// message, code included, so only its type is shown.
func panicText(r any) string {
	if e, ok := r.(runtime.Error); ok {
		return e.Error()
	}
	return fmt.Sprintf("%T", r)
}
