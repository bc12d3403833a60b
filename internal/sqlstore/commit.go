package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Group commit. On SQLite every write transaction goes through one
// connection, and the fixed cost of a transaction (taking the lock,
// appending the commit to the WAL) dominates otpd's small writes. So
// concurrent write transactions are run by one goroutine inside a shared
// SQLite transaction, each in its own SAVEPOINT, and committed together:
// a request that fails is rolled back to its savepoint without touching
// the others, and no request is answered before the commit that holds it.

// maxBatch bounds how many requests share a commit, so one commit's
// latency stays bounded under any load.
const maxBatch = 128

// maxYields bounds how often the commit loop lets other goroutines run
// before it closes a batch. A commit costs about the same for one request
// as for several (it appends every page the batch changed to the WAL), and
// the requests that would join are often in handlers that are runnable
// but waiting for a processor, possibly the commit loop's own: yielding
// lets them reach the queue and share this commit instead of waiting for
// the next. With nothing else runnable a yield returns at once, so a lone
// request is not delayed. Measured with otpd bench at 8 connections on two
// cores: twice the requests per commit and a fifth more creates a second.
const maxYields = 4

type txRequest struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *txRunner) error
	done chan error
}

var (
	errClosed   = errors.New("sqlstore: store is closed")
	errPoisoned = errors.New("sqlstore: a failed rollback aborted the shared transaction")
)

// groupTx hands fn to the commit loop and waits for its commit.
func (s *Store) groupTx(ctx context.Context, fn func(ctx context.Context, tx *txRunner) error) error {
	req := &txRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.requests <- req:
	case <-s.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, the request must be waited for: it may already be part
	// of a batch whose commit decides its fate.
	return <-req.done
}

// commitLoop runs until Close.
func (s *Store) commitLoop() {
	defer close(s.loopDone)
	for {
		select {
		case req := <-s.requests:
			s.commitBatch(req)
		case <-s.quit:
			return
		}
	}
}

// commitBatch runs first and whatever other requests are waiting or arrive
// while it yields (maxYields), up to maxBatch, in one transaction.
func (s *Store) commitBatch(first *txRequest) {
	begin := time.Now()
	tx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		first.done <- fmt.Errorf("begin: %w", err)
		return
	}
	run := &txRunner{tx: tx, c: s.writeStmts}
	var held []*txRequest
	// failed requests are answered when the batch ends, too: a failure
	// may be a unique violation against the write of another request of
	// this batch, and the caller, told the row exists, must be able to
	// read it.
	var failed []failedRequest
	defer func() {
		for _, f := range failed {
			f.r.done <- f.err
		}
	}()
	poisoned := false
	add := func(r *txRequest) {
		if poisoned {
			r.done <- errPoisoned
			return
		}
		if err := s.runSavepoint(run, r); err != nil {
			// A failed rollback leaves the request's writes in the
			// transaction: then nothing of this batch may commit.
			poisoned = errors.Is(err, errPoisoned)
			failed = append(failed, failedRequest{r, err})
			return
		}
		held = append(held, r)
	}
	add(first)
collect:
	for n, yields := 1, 0; n < maxBatch; {
		select {
		case r := <-s.requests:
			add(r)
			n++
		default:
			if yields == maxYields {
				break collect
			}
			yields++
			runtime.Gosched()
		}
	}
	defer s.writeStmts.preparePending(context.Background())
	if len(held) == 0 {
		tx.Rollback()
		return
	}
	if poisoned {
		tx.Rollback()
		for _, r := range held {
			r.done <- errPoisoned
		}
		return
	}
	err = tx.Commit()
	if err != nil {
		tx.Rollback()
		err = fmt.Errorf("commit: %w", err)
	} else {
		s.observeCommit(begin, len(held))
		s.signalCommit()
	}
	for _, r := range held {
		r.done <- err
	}
}

// failedRequest is a request of a batch that failed, with its error.
type failedRequest struct {
	r   *txRequest
	err error
}

// runSavepoint runs one request inside the shared transaction. Its
// statements get a context that is not canceled: interrupting a statement
// can abort the whole SQLite transaction, and with it the other requests.
func (s *Store) runSavepoint(run *txRunner, r *txRequest) (err error) {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	ctx := context.WithoutCancel(r.ctx)
	if _, err := run.ExecContext(ctx, "SAVEPOINT request"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write transaction: %v", p)
		}
		if err != nil {
			_, rbErr := run.ExecContext(ctx, "ROLLBACK TO request")
			_, relErr := run.ExecContext(ctx, "RELEASE request")
			if rbErr != nil || relErr != nil {
				err = errors.Join(err, errPoisoned, rbErr, relErr)
			}
			return
		}
		if _, relErr := run.ExecContext(ctx, "RELEASE request"); relErr != nil {
			err = fmt.Errorf("release savepoint: %w", relErr)
		}
	}()
	return r.fn(ctx, run)
}
