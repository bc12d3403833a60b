package sqlite_test

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// Migration 0039 drops events_id and makes events_app an index of app_id
// alone, which is (app_id, seq) since its entries carry the rowid: the
// events written before it are all still in the log, newest (highest
// seq) first whatever their ids, one application's read from events_app
// backwards with no sort.
func TestMigrateEventsBySeq(t *testing.T) {
	ctx := t.Context()
	path, conn, closeDB := olderDatabase(t, "0039")
	// seq and id in different orders, as ids made by another instance's
	// clock can be.
	for _, e := range []struct {
		seq     int
		id, app string
	}{
		{1, "evt_5", "app_1"}, {2, "evt_1", "app_2"}, {3, "evt_4", "app_1"}, {4, "evt_2", "app_1"}, {5, "evt_3", "app_2"},
	} {
		_, err := conn.ExecContext(ctx, `INSERT INTO events (seq, id, type, app_id, verification_id, created_at)
			VALUES ($1, $2, 'otp.created', $3, '', 1000000)`, e.seq, e.id, e.app)
		if err != nil {
			t.Fatal(err)
		}
	}
	closeDB()

	applied, err := sqlite.Migrate(ctx, path)
	if err != nil || len(applied) == 0 || !strings.HasPrefix(applied[0], "0039") {
		t.Fatalf("Migrate = %v, %v; want 0039 and later applied", applied, err)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// A new event comes after, and so before in the log, every migrated one.
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
	evs, err := st.ListEvents(ctx, "app_1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := eventIDs(evs), []string{"evt_5", "evt_4", "evt_2", "evt_0"}; !slices.Equal(got, want) {
		t.Errorf("app_1's events in the order written = %v, want %v", got, want)
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for index, want := range map[string]string{
		"events_id":           "",
		"events_app":          "CREATE INDEX events_app ON events (app_id)",
		"events_verification": "CREATE INDEX events_verification ON events (verification_id)",
	} {
		var sql string
		err := raw.QueryRow(`SELECT coalesce((SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?), '')`, index).Scan(&sql)
		if err != nil {
			t.Fatal(err)
		}
		if sql != want {
			t.Errorf("index %s = %q, want %q", index, sql, want)
		}
	}
	// One application's log, a page after a cursor, as ListEventLog
	// reads it: a range of events_app in seq order, no sort.
	rows, err := raw.Query(`EXPLAIN QUERY PLAN SELECT e.seq, e.id, COALESCE(v.status, '') FROM events e
		LEFT JOIN verifications v ON v.id = e.verification_id AND v.app_id = e.app_id
		WHERE e.app_id = 'app_1' AND e.seq < 4 ORDER BY e.seq DESC LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	p := strings.Join(plan, "; ")
	if !strings.Contains(p, "SEARCH e USING INDEX events_app (app_id=? AND rowid<?)") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan of one application's log page = %q, want a range of events_app and no sort", p)
	}
}
