package postgres_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Migration 0039 moves the events' primary key from id to seq and makes
// events_app (app_id, seq): the events written before it are all still
// in the log, newest (highest seq) first whatever their ids, one
// application's read from events_app backwards with no sort, and the
// consumer's index is left as it was.
func TestMigrateEventsBySeq(t *testing.T) {
	ctx := t.Context()
	u, db, conn := olderSchema(t, "0039")
	// Written in this order (seq from the sequence), with ids in
	// another, as ids made by another instance's clock can be.
	for _, e := range []struct{ id, app string }{
		{"evt_5", "app_1"}, {"evt_1", "app_2"}, {"evt_4", "app_1"}, {"evt_2", "app_1"}, {"evt_3", "app_2"},
	} {
		_, err := conn.ExecContext(ctx, `INSERT INTO events (id, type, app_id, verification_id, created_at)
			VALUES ($1, 'otp.created', $2, '', 1000000)`, e.id, e.app)
		if err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()

	st := open(t, u)
	defer st.Close()
	e := otp.Event{ID: "evt_0", Type: otp.EventFraudBlocked, AppID: "app_1", CreatedAt: time.Now()}
	if err := st.AddEvents(ctx, []otp.Event{e}); err != nil {
		t.Fatal(err)
	}
	logPages := func(f otp.EventFilter) []string {
		t.Helper()
		var got []string
		f.Limit = 2
		for range 10 {
			recs, err := st.ListEventLog(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				got = append(got, r.ID)
			}
			if len(recs) < f.Limit {
				break
			}
			f.Cursor = recs[len(recs)-1].Cursor
		}
		return got
	}
	if got, want := logPages(otp.EventFilter{AppID: "app_1"}), []string{"evt_0", "evt_2", "evt_4", "evt_5"}; !slices.Equal(got, want) {
		t.Errorf("app_1's log in pages of 2 = %v, want %v", got, want)
	}
	if got, want := logPages(otp.EventFilter{}), []string{"evt_0", "evt_3", "evt_2", "evt_4", "evt_1", "evt_5"}; !slices.Equal(got, want) {
		t.Errorf("the whole log in pages of 2 = %v, want %v", got, want)
	}

	for index, want := range map[string]string{
		"events_pkey":         "CREATE UNIQUE INDEX events_pkey ON %s.events USING btree (seq)",
		"events_app":          "CREATE INDEX events_app ON %s.events USING btree (app_id, seq)",
		"events_consumer":     "CREATE INDEX events_consumer ON %s.events USING btree (tx, seq)",
		"events_verification": "CREATE INDEX events_verification ON %s.events USING btree (verification_id)",
	} {
		var def, schema string
		err := db.QueryRowContext(ctx, `SELECT current_schema(), coalesce((SELECT indexdef FROM pg_indexes
			WHERE schemaname = current_schema() AND indexname = $1), '')`, index).Scan(&schema, &def)
		if err != nil {
			t.Fatal(err)
		}
		if want = fmt.Sprintf(want, schema); def != want {
			t.Errorf("index %s = %q, want %q", index, def, want)
		}
	}
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'events'`).Scan(&n)
	if err != nil || n != 5 {
		t.Errorf("indexes of events = %d, %v; want 5 (none of id)", n, err)
	}

	// One application's log, a page after a cursor, and the whole log,
	// as ListEventLog reads them: an index in seq order, no sort. (With
	// a handful of rows the planner would read the table; it is told
	// not to, so that the plan shows which index can serve.)
	explain := func(q string) string {
		t.Helper()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(ctx, `EXPLAIN (COSTS OFF) `+q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, strings.TrimSpace(line))
		}
		return strings.Join(plan, "; ")
	}
	for q, want := range map[string]string{
		`SELECT e.seq, e.id FROM events e WHERE e.app_id = 'app_1' AND e.seq < 4 ORDER BY e.seq DESC LIMIT 2`: "Index Scan Backward using events_app on events e",
		`SELECT e.seq, e.id FROM events e WHERE e.seq < 4 ORDER BY e.seq DESC LIMIT 2`:                        "Index Scan Backward using events_pkey on events e",
	} {
		if p := explain(q); !strings.Contains(p, want) || strings.Contains(p, "Sort") {
			t.Errorf("plan of %s = %q, want %s and no sort", q, p, want)
		}
	}
}
