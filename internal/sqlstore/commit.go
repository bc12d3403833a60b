package sqlstore

import (
	"context"
	"errors"
	"fmt"
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

// commitBatch runs first and whatever other requests are already waiting,
// up to maxBatch, in one transaction.
func (s *Store) commitBatch(first *txRequest) {
	tx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		first.done <- fmt.Errorf("begin: %w", err)
		return
	}
	run := &txRunner{tx: tx, c: s.writeStmts}
	var held []*txRequest
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
			r.done <- err
			return
		}
		held = append(held, r)
	}
	add(first)
collect:
	for n := 1; n < maxBatch; n++ {
		select {
		case r := <-s.requests:
			add(r)
		default:
			break collect
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
		s.signalCommit()
	}
	for _, r := range held {
		r.done <- err
	}
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
