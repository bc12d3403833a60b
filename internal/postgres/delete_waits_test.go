package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// A deletion waits out the transactions that read the application before
// its mark committed: one still holding such a snapshot (repeatable read,
// writing only after the mark), and one that wrote before the mark and
// has not committed (read committed). Each writes a row of the
// application after the mark; the deletion must not finish before it
// commits, and must then delete the row.
func TestDeleteApplicationWaitsForOlderTransactions(t *testing.T) {
	for _, tc := range []struct {
		name        string
		level       sql.IsolationLevel
		writeBefore bool // write before the mark, else after it
	}{
		{"snapshot older than the mark", sql.LevelRepeatableRead, false},
		{"transaction older than the mark", sql.LevelReadCommitted, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			st, db, newApp := storeForDeletions(t)
			a := newApp()

			tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: tc.level})
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			// A write guarded as a creation's is: it writes only while
			// the application reads as not deleting.
			write := func() {
				t.Helper()
				res, err := tx.ExecContext(ctx, `INSERT INTO events (id, type, app_id, verification_id, created_at)
					SELECT $1, 'otp.created', $2, '', 1 WHERE EXISTS (SELECT 1 FROM applications WHERE id = $2 AND NOT deleting)`,
					otp.NewID("evt"), a.ID)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := res.RowsAffected(); n != 1 {
					t.Fatalf("the older transaction's write wrote %d rows, want 1", n)
				}
			}
			if tc.writeBefore {
				write()
			} else {
				var live bool // takes the transaction's snapshot
				if err := tx.QueryRowContext(ctx, `SELECT NOT deleting FROM applications WHERE id = $1`, a.ID).Scan(&live); err != nil || !live {
					t.Fatalf("application live = %v, %v", live, err)
				}
			}

			deleted := make(chan error, 1)
			go func() { deleted <- st.DeleteApplication(context.WithoutCancel(ctx), a.ID) }()
			for marked := false; !marked; { // until the mark has committed
				err := db.QueryRowContext(ctx, `SELECT deleting FROM applications WHERE id = $1`, a.ID).Scan(&marked)
				if errors.Is(err, sql.ErrNoRows) {
					t.Fatal("the application was deleted while a transaction older than its mark was open")
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if !tc.writeBefore {
				write()
			}
			select {
			case err := <-deleted:
				t.Fatalf("DeleteApplication returned (%v) while a transaction older than its mark was open", err)
			default:
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := <-deleted; err != nil {
				t.Fatalf("DeleteApplication: %v", err)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE app_id = $1`, a.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%d events of the deleted application left", n)
			}
		})
	}
}
