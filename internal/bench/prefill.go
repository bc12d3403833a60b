package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// prefillConcurrency is the fewest concurrent requests of the prefill:
	// it is not measured, and otpd's writer commits concurrent creates
	// together, so more requests at a time fill the store faster.
	prefillConcurrency = 64
	// maxPrefill keeps the prefill's destinations, and those of the run
	// after it, distinct (phoneSpace is 51 million).
	maxPrefill = 50_000_000
	// prefillProgress is how often the prefill reports how far it got.
	prefillProgress = 5 * time.Second
	// prefillLimit bounds the prefill's time; only ctx ends it sooner.
	prefillLimit = 24 * time.Hour
)

// prefill creates cfg.Prefill verifications through the API before the
// measured phases, so that their checks search a store of that size. They
// are real verifications, each to its own destination (the first
// cfg.Prefill of the run); none is checked. It prints its progress every
// prefillProgress, then a phase line, and waits (a filled line) until the message of the
// last one is in the test inbox, so the delivery of the prefill does not
// share the machine with the measured phases.
func prefill(ctx context.Context, c *client, auth string, cfg Config, dests destinations, stall time.Duration, out io.Writer) (*stats, error) {
	workers := max(cfg.Concurrency, prefillConcurrency)
	var (
		done atomic.Int64
		mu   sync.Mutex
		last verification // the one of highest index that was created
		high int64        = -1
	)
	stop := make(chan struct{})
	reported := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(reported)
		tick := time.NewTicker(prefillProgress)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				n := done.Load()
				elapsed := time.Since(start)
				fmt.Fprintf(out, "progress prefill=%d of %d elapsed=%s rate=%.1f/s\n",
					n, cfg.Prefill, elapsed.Round(time.Second), float64(n)/elapsed.Seconds())
			}
		}
	}()
	url := c.base + "/v1/verifications"
	st := runPhase(ctx, "prefill", workers, int64(cfg.Prefill), prefillLimit, func(ctx context.Context, w *worker, i int64) (int, bool) {
		b, from, to := appendCreateBody(w.body[:0], cfg, dests, uint64(i))
		w.body = b
		status, _, err := c.do(ctx, http.MethodPost, url, auth, b, &w.resp)
		if err != nil {
			return 0, false
		}
		if status != http.StatusCreated {
			return status, false
		}
		var a createAnswer
		if json.Unmarshal(w.resp.Bytes(), &a) != nil || a.Data.ID == "" {
			return status, false
		}
		done.Add(1)
		mu.Lock()
		if i > high {
			high, last = i, verification{id: a.Data.ID, to: string(b[from:to])}
		}
		mu.Unlock()
		return status, true
	})
	close(stop)
	<-reported
	st.write(out)
	if high < 0 || st.limited > 0 || ctx.Err() != nil {
		return st, nil
	}
	in := &inbox{client: c, auth: auth, stall: stall}
	in.lastProgress.Store(time.Now().UnixNano())
	waited := time.Now()
	var resp bytes.Buffer
	code, err := in.await(ctx, last, &resp)
	if err != nil {
		return st, fmt.Errorf("prefill: %w", err)
	}
	fmt.Fprintf(out, "filled   verifications=%d delivered=%v waited=%s total=%s\n",
		st.succeeded, code != "", time.Since(waited).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return st, nil
}
