package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	_ "modernc.org/sqlite"
)

// openGroupCommit returns a store over a file with one table, writing
// through a single connection with group commit, as the SQLite adapter does.
func openGroupCommit(t *testing.T) *Store {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "g.db") + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_txlock=immediate"
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := write.Exec(`CREATE TABLE items (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	s := New(write, read, Dialect{GroupCommit: true})
	t.Cleanup(func() { s.Close() })
	return s
}

// TestGroupCommitIsolatesRequests runs many concurrent write transactions
// through the shared commit, every third of which fails after writing:
// the failures must leave nothing behind and the others must all commit.
func TestGroupCommitIsolatesRequests(t *testing.T) {
	s := openGroupCommit(t)
	errBoom := errors.New("boom")
	var wg sync.WaitGroup
	results := make([]error, 300)
	for i := range results {
		wg.Go(func() {
			results[i] = s.inTx(t.Context(), func(ctx context.Context, tx *txRunner) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO items (n) VALUES ($1)`, i); err != nil {
					return err
				}
				if i%3 == 0 {
					return fmt.Errorf("request %d: %w", i, errBoom)
				}
				if i%7 == 0 {
					panic("a panicking request")
				}
				return nil
			})
		})
	}
	wg.Wait()
	want := 0
	for i, err := range results {
		switch {
		case i%3 == 0:
			if !errors.Is(err, errBoom) {
				t.Errorf("request %d: error %v, want its own error", i, err)
			}
		case i%7 == 0:
			if err == nil {
				t.Errorf("request %d panicked but reported success", i)
			}
		default:
			want++
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
		}
	}
	var got int
	if err := s.read.QueryRow(`SELECT COUNT(*) FROM items`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%d rows committed, want %d (only the successful requests)", got, want)
	}
	var bad int
	s.read.QueryRow(`SELECT COUNT(*) FROM items WHERE n % 3 = 0 OR n % 7 = 0`).Scan(&bad)
	if bad != 0 {
		t.Errorf("%d rows of failed requests were committed", bad)
	}
}

// TestGroupCommitConstraintError shows a failing statement (a duplicate
// key) fails only its own request.
func TestGroupCommitConstraintError(t *testing.T) {
	s := openGroupCommit(t)
	ctx := t.Context()
	insert := func(n int) error {
		return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO items (n) VALUES ($1)`, n)
			return err
		})
	}
	if err := insert(1); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() { errs[i] = insert(1 + i) }) // i == 0 repeats the key 1
	}
	wg.Wait()
	if errs[0] == nil {
		t.Error("duplicate key accepted")
	}
	for i, err := range errs[1:] {
		if err != nil {
			t.Errorf("insert %d: %v", i+2, err)
		}
	}
	var got int
	s.read.QueryRow(`SELECT COUNT(*) FROM items`).Scan(&got)
	if got != 50 {
		t.Errorf("%d rows, want 50", got)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	s := openGroupCommit(t)
	s.Close()
	err := s.inTx(context.Background(), func(ctx context.Context, tx *txRunner) error { return nil })
	if !errors.Is(err, errClosed) {
		t.Errorf("write after Close: %v, want errClosed", err)
	}
}

// TestGroupCommitWaitsForRunnableRequests: a request that becomes ready
// while a batch is being built, here started from inside the batch's first
// request on a single processor, joins that batch rather than waiting for
// the next commit. It sees the first request's row before the commit, so
// the row is not yet visible to a reader.
func TestGroupCommitWaitsForRunnableRequests(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	s := openGroupCommit(t)
	joined := make(chan bool, 1)
	second := make(chan error, 1)
	err := s.inTx(t.Context(), func(ctx context.Context, tx *txRunner) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO items (n) VALUES (1)`); err != nil {
			return err
		}
		go func() {
			second <- s.inTx(t.Context(), func(ctx context.Context, tx *txRunner) error {
				var committed int
				if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE n = 1`).Scan(&committed); err != nil {
					return err
				}
				joined <- committed == 0
				_, err := tx.ExecContext(ctx, `INSERT INTO items (n) VALUES (2)`)
				return err
			})
		}()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if !<-joined {
		t.Error("a request that was runnable while the batch was built waited for the next commit")
	}
}
