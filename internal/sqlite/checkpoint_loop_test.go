package sqlite

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestCheckpointLoopSchedule checks when the background checkpointer runs:
// once at the start, then only after commits, at most once an interval
// however many commits come, and again after a pause when a checkpoint
// could not copy every frame.
func TestCheckpointLoopSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var runs atomic.Int32
		var leaveBehind atomic.Bool // the next checkpoint copies only part of the log
		checkpoint := func(context.Context) (int, int, error) {
			runs.Add(1)
			if leaveBehind.Swap(false) {
				return 10, 4, nil
			}
			return 10, 10, nil
		}
		committed := make(chan struct{}, 1)
		commit := func() {
			select {
			case committed <- struct{}{}:
			default:
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			checkpointLoop(ctx, checkpoint, committed)
		}()

		synctest.Wait()
		if got := runs.Load(); got != 1 {
			t.Fatalf("after start: %d checkpoints, want 1", got)
		}
		// Idle for an hour: no checkpoint at all.
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := runs.Load(); got != 1 {
			t.Fatalf("after an idle hour: %d checkpoints, want still 1", got)
		}
		// A commit wakes it once.
		commit()
		synctest.Wait()
		if got := runs.Load(); got != 2 {
			t.Fatalf("after a commit: %d checkpoints, want 2", got)
		}
		// A burst of commits within one interval: one more checkpoint,
		// when the interval has passed.
		for range 50 {
			commit()
			time.Sleep(checkpointInterval / 100)
		}
		synctest.Wait()
		if got := runs.Load(); got != 2 {
			t.Fatalf("during a burst within one interval: %d checkpoints, want still 2", got)
		}
		time.Sleep(checkpointInterval)
		synctest.Wait()
		if got := runs.Load(); got != 3 {
			t.Fatalf("after a burst within one interval: %d checkpoints, want 3", got)
		}
		time.Sleep(10 * checkpointInterval)
		synctest.Wait()
		if got := runs.Load(); got != 3 {
			t.Fatalf("after the burst, idle: %d checkpoints, want still 3", got)
		}
		// A checkpoint that left frames behind is retried after the
		// pause even without a commit, until one copies everything.
		leaveBehind.Store(true)
		commit()
		synctest.Wait()
		time.Sleep(checkpointInterval)
		synctest.Wait()
		time.Sleep(10 * checkpointInterval)
		synctest.Wait()
		if got := runs.Load(); got != 5 {
			t.Fatalf("after an incomplete checkpoint: %d checkpoints, want 5 (it, then one retry)", got)
		}

		cancel()
		<-done
	})
}
