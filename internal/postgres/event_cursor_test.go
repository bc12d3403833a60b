package postgres_test

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlstore"
)

// TestEventOfALaterCommitIsConsumedOnce interleaves two transactions so
// that the one holding the lower seq commits last. A cursor of seq alone
// would pass that event while it was uncommitted and never take it; the
// consumer must take each event once, whichever of the two transactions
// took its id first.
func TestEventOfALaterCommitIsConsumedOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		// highFirst: the transaction of the higher seq takes its
		// transaction id before the other inserts, so its tx is lower.
		highFirst bool
		// takenEarly: what the consumer may take once the higher seq's
		// transaction commits and before the lower one's does.
		takenEarly []string
	}{
		{"lower seq, lower tx", false, nil},
		{"lower seq, higher tx", true, []string{"evt_high"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			u := newSchema(t)
			st := open(t, u)
			defer st.Close()
			raw, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			low, err := raw.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer low.Rollback()
			high, err := raw.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer high.Rollback()
			if tc.highFirst {
				if _, err := high.ExecContext(ctx, `SELECT pg_current_xact_id()`); err != nil {
					t.Fatal(err)
				}
			}
			insert := func(tx *sql.Tx, id string) int64 {
				t.Helper()
				var seq int64
				err := tx.QueryRowContext(ctx, `INSERT INTO events (id, type, app_id, verification_id, created_at, channel, country, cost_micros, cost_currency)
					VALUES ($1, 'otp.created', 'app_1', '', 1, 'sms', 'US', 0, '') RETURNING seq`, id).Scan(&seq)
				if err != nil {
					t.Fatal(err)
				}
				return seq
			}
			if lowSeq, highSeq := insert(low, "evt_low"), insert(high, "evt_high"); lowSeq >= highSeq {
				t.Fatalf("seqs %d, %d; want the first insert's lower", lowSeq, highSeq)
			}
			if err := high.Commit(); err != nil {
				t.Fatal(err)
			}
			var taken []string
			took := consume(t, st, len(tc.takenEarly))
			if !slices.Equal(took, tc.takenEarly) {
				t.Fatalf("taken while the lower seq is uncommitted = %v, want %v", took, tc.takenEarly)
			}
			taken = append(taken, took...)
			if err := low.Commit(); err != nil {
				t.Fatal(err)
			}
			taken = append(taken, consume(t, st, 2-len(taken))...)
			slices.Sort(taken)
			if want := []string{"evt_high", "evt_low"}; !slices.Equal(taken, want) {
				t.Errorf("taken in all = %v, want each of %v once", taken, want)
			}
			if left, err := st.ListUndispatchedEvents(ctx, 10); err != nil || len(left) != 0 {
				t.Errorf("left = %v, %v; want none", left, err)
			}
		})
	}
}

// consume takes the events the consumer may take, once there are at least
// want of them (other tests' transactions on the server may hold the
// watermark back a moment), and returns their ids.
func consume(t *testing.T, st *sqlstore.Store, want int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		evs, err := st.ListUndispatchedEvents(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= want || time.Now().After(deadline) {
			if err := st.ConsumeEvents(t.Context(), nil, nil, nil, nil, evs); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range evs {
				ids = append(ids, e.ID)
			}
			return ids
		}
		time.Sleep(time.Millisecond)
	}
}

// Migration 0036 numbers the events and puts the consumer's cursor after
// those it had marked consumed: the consumer then takes exactly the
// others, in id order, and events written later come after them.
func TestMigrateEventsToCursor(t *testing.T) {
	ctx := t.Context()
	u, _, conn := olderSchema(t, "0036")
	var pending []string
	for i, dispatched := range []int{1, 0, 1, 1, 0, 0, 1} {
		id := fmt.Sprintf("evt_%032d", i)
		_, err := conn.ExecContext(ctx, `INSERT INTO events (id, type, app_id, verification_id, created_at, dispatched,
			channel, country, cost_micros, cost_currency) VALUES ($1, 'otp.created', 'app_1', 'ver_1', 1000000, $2, 'sms', 'US', 0, '')`,
			id, dispatched)
		if err != nil {
			t.Fatal(err)
		}
		if dispatched == 0 {
			pending = append(pending, id)
		}
	}
	conn.Close()

	st := open(t, u)
	defer st.Close()
	if got := consume(t, st, len(pending)); !slices.Equal(got, pending) {
		t.Fatalf("events taken after the migration = %v, want %v", got, pending)
	}
	e := otp.Event{ID: otp.NewID("evt"), Type: otp.EventFraudBlocked, AppID: "app_1", CreatedAt: time.Now()}
	if err := st.AddEvents(ctx, []otp.Event{e}); err != nil {
		t.Fatal(err)
	}
	if got := consume(t, st, 1); !slices.Equal(got, []string{e.ID}) {
		t.Errorf("events taken after a new one = %v, want %v", got, []string{e.ID})
	}
}
