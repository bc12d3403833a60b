package bench

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// worker is the state of one goroutine of a phase, reused from one request
// to the next so the hot loop allocates little.
type worker struct {
	id int
	tally
	body []byte       // request body being built
	resp bytes.Buffer // answer being read
}

// step sends the i-th request of a phase. It returns the HTTP status (0
// when no answer came) and whether a 2xx answer said what the contract says.
type step func(ctx context.Context, w *worker, i int64) (status int, ok bool)

// runPhase calls step from workers goroutines, each time with the next
// index, until limit indexes were handed out (no limit when negative), d has
// passed or ctx ends, and measures every call. Requests under way when d
// passes are finished and counted: only ctx cancels them.
func runPhase(ctx context.Context, name string, workers int, limit int64, d time.Duration, do step) *stats {
	var next atomic.Int64
	ws := make([]*worker, workers)
	tallies := make([]*tally, workers)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for id := range ws {
		w := &worker{id: id, tally: tally{latencies: make([]time.Duration, 0, 4096)}}
		ws[id], tallies[id] = w, &w.tally
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := next.Add(1) - 1
				if limit >= 0 && i >= limit {
					return
				}
				t := time.Now()
				status, ok := do(ctx, w, i)
				if status == 0 && ctx.Err() != nil {
					return // canceled by the caller, not failed by the server
				}
				w.record(time.Since(t), status, ok)
				if status == http.StatusTooManyRequests && w.limitedBy == "" {
					w.limitedBy = answerError(status, w.resp.Bytes()).Error()
				}
			}
		})
	}
	wg.Wait()
	return mergeTallies(name, time.Since(start), tallies)
}
