package sqlstore

import (
	"context"
	"runtime"
	"testing"
)

// TestGroupCommitAnswersFailureAfterCommit: a request that fails on a
// unique violation against the row of an earlier request of its own batch
// is answered only once that row is committed, so a caller told "it
// exists" can read it.
func TestGroupCommitAnswersFailureAfterCommit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	s := openGroupCommit(t)
	sameBatch := make(chan bool, 1)
	second := make(chan error, 1)
	visible := make(chan int, 1)
	err := s.inTx(t.Context(), func(ctx context.Context, tx *txRunner) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO items (n) VALUES (1)`); err != nil {
			return err
		}
		go func() {
			err := s.inTx(t.Context(), func(ctx context.Context, tx *txRunner) error {
				var committed int
				if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE n = 1`).Scan(&committed); err != nil {
					return err
				}
				sameBatch <- committed == 0
				_, err := tx.ExecContext(ctx, `INSERT INTO items (n) VALUES (1)`)
				return err
			})
			// Read as soon as the answer comes, as a caller would.
			visible <- countOne(s)
			second <- err
		}()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-second; err == nil {
		t.Fatal("duplicate key accepted")
	}
	if got := <-visible; got != 1 {
		t.Errorf("when the duplicate is answered, readers see %d rows of key 1, want 1", got)
	}
	if !<-sameBatch {
		t.Error("the duplicate did not join the first request's batch; the test proves nothing")
	}
}

func countOne(s *Store) int {
	var n int
	if err := s.read.QueryRow(`SELECT COUNT(*) FROM items WHERE n = 1`).Scan(&n); err != nil {
		return -1
	}
	return n
}
