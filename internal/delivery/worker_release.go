package delivery

import (
	"context"
	"log/slog"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// handBack reports whether claimed message c goes back to the source
// instead of to a sender: the worker is shutting down, or c waited for a
// sender longer than MaxQueueWait (the provider turned slow after the
// claim). Sending it that late could overlap another worker's claim once
// the lease is near its end; leaving it to the lease would delay it by
// the lease and spend an attempt that was never made.
func (w *Worker) handBack(ctx context.Context, c claimed) bool {
	return ctx.Err() != nil || time.Since(c.at) > w.cfg.MaxQueueWait
}

// takeHandBacks collects first and the messages queued behind it that go
// back as well, so that they are handed back in one write. It stops at
// the first that is to be sent, and returns it as next, or when the
// queue is empty for now.
func (w *Worker) takeHandBacks(ctx context.Context, p *pool, first claimed) (batch []otp.Delivery, next *claimed) {
	batch = []otp.Delivery{first.d}
	for {
		select {
		case c, ok := <-p.queue:
			if !ok {
				return batch, nil
			}
			if !w.handBack(ctx, c) {
				return batch, &c
			}
			batch = append(batch, c.d)
		default:
			return batch, nil
		}
	}
}

// release hands ds back to the source with a context that outlives a
// shutdown, bounded by SendTimeout. If that fails, they are left to
// their leases, as before hand-backs: delivered late, but delivered.
func (w *Worker) release(ctx context.Context, ds []otp.Delivery) {
	shutdown := ctx.Err() != nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.SendTimeout)
	defer cancel()
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	n, err := w.cfg.Source.ReleaseDeliveries(ctx, ds)
	if err != nil {
		w.cfg.Logger.ErrorContext(ctx, "hand claimed deliveries back; they are left to their lease",
			"deliveries", ids, "err", err)
		return
	}
	// IDs only: the destination and the code stay out of logs. A hand-back
	// but at shutdown means the provider turned slow after the claim.
	level, why := slog.LevelWarn, "waited too long for a sender"
	if shutdown {
		level, why = slog.LevelInfo, "shutting down"
	}
	w.cfg.Logger.Log(ctx, level, "claimed deliveries handed back unsent", "reason", why, "deliveries", ids, "released", n)
}
