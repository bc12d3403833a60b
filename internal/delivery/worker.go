// Package delivery runs the outbox worker: it claims queued messages from
// the domain and hands each to a sender, a bounded number at a time.
package delivery

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Source is where a Worker finds its work. *otp.Service is one.
type Source interface {
	// ClaimDeliveries leases up to limit due messages to this worker.
	ClaimDeliveries(ctx context.Context, limit int) ([]otp.Delivery, error)
	// Deliver sends one claimed message through sender and records the
	// outcome. An error means the outcome could not be recorded.
	Deliver(ctx context.Context, sender otp.Sender, d otp.Delivery) error
}

var _ Source = (*otp.Service)(nil)

// Config configures a Worker. Zero or negative values take the defaults noted.
type Config struct {
	Source Source     // required
	Sender otp.Sender // required

	Concurrency int // messages in flight at once; default 4
	// Batch caps one claim; default Concurrency. A claim never asks for
	// more messages than there are free senders either, so that nothing
	// claimed waits in a queue while its lease runs out: Batch only
	// matters below Concurrency.
	Batch        int
	PollInterval time.Duration // wait between claims when idle; default 1 s
	// SendTimeout bounds one delivery. Keep it well under the claim lease
	// (otp.Limits.DeliveryLease), or a slow send may be claimed and sent
	// again by another worker. Default 10 s.
	SendTimeout time.Duration
	Logger      *slog.Logger // default discards
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
		c.Batch = c.Concurrency
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 10 * time.Second
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

// Run claims and delivers messages until ctx is done. Then it stops
// claiming, waits for the deliveries in flight, which are not canceled
// but bounded by SendTimeout, and returns nil. It returns an error at once
// if the Config lacks a Source or a Sender.
func (w *Worker) Run(ctx context.Context) error {
	if w.cfg.Source == nil || w.cfg.Sender == nil {
		return errors.New("delivery: Config.Source and Config.Sender are required")
	}
	var inflight sync.WaitGroup
	defer inflight.Wait()
	// A slot is taken per message in flight, and only free slots are
	// claimed for (see Config.Batch).
	slots := make(chan struct{}, w.cfg.Concurrency)
	for {
		n, ok := w.acquire(ctx, slots)
		if !ok {
			return nil
		}
		ds, err := w.cfg.Source.ClaimDeliveries(ctx, n)
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.ErrorContext(ctx, "claim deliveries", "err", err)
		}
		// Messages claimed just as ctx ended are delivered all the same:
		// they are leased to us now.
		for _, d := range ds {
			inflight.Go(func() {
				defer func() { <-slots }()
				w.deliver(ctx, d)
			})
		}
		for range n - len(ds) {
			<-slots
		}
		if err == nil && len(ds) == n {
			continue // a full batch: more may be due
		}
		if !w.idle(ctx) {
			return nil
		}
	}
}

// acquire waits for a free slot, then takes up to Batch free slots in
// all. It reports false if ctx ends first.
func (w *Worker) acquire(ctx context.Context, slots chan struct{}) (int, bool) {
	if ctx.Err() != nil {
		return 0, false // select would pick at random if a slot is free too
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return 0, false
	}
	n := 1
	for n < w.cfg.Batch {
		select {
		case slots <- struct{}{}:
			n++
		default:
			return n, true
		}
	}
	return n, true
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

// deliver hands one message to the source with a context that outlives a
// shutdown, so a send is never cut off halfway, but not SendTimeout.
func (w *Worker) deliver(ctx context.Context, d otp.Delivery) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.SendTimeout)
	defer cancel()
	if err := w.cfg.Source.Deliver(ctx, w.cfg.Sender, d); err != nil {
		// IDs only: the destination and the code stay out of logs.
		w.cfg.Logger.ErrorContext(ctx, "deliver", "delivery", d.ID, "verification", d.VerificationID,
			"app", d.AppID, "channel", d.Channel, "attempt", d.Attempts, "err", err)
	}
}
