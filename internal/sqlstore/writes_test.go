package sqlstore

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func TestCombineWrites(t *testing.T) {
	one := rowWrite{"a", `INSERT INTO a (x, y) VALUES ($1, $2)`, []any{1, 2}}
	two := rowWrite{"b", `UPDATE b SET x = $2 WHERE id = $1`, []any{"id", 3}}
	three := rowWrite{"c", `INSERT INTO c (x, y, z) VALUES ($1, $2, $2 + $3)`, []any{4, 5, 6}}

	q, args := combineWrites([]rowWrite{one})
	if q != one.sql || !reflect.DeepEqual(args, one.args) {
		t.Errorf("one write = %q %v, want it unchanged", q, args)
	}
	q, args = combineWrites([]rowWrite{one, two, three})
	want := `WITH w0 AS (INSERT INTO a (x, y) VALUES ($1, $2)), w1 AS (UPDATE b SET x = $4 WHERE id = $3) ` +
		`INSERT INTO c (x, y, z) VALUES ($5, $6, $6 + $7)`
	if q != want {
		t.Errorf("combined =\n%s\nwant\n%s", q, want)
	}
	if wantArgs := []any{1, 2, "id", 3, 4, 5, 6}; !reflect.DeepEqual(args, wantArgs) {
		t.Errorf("args = %v, want %v", args, wantArgs)
	}
}

// TestEveryEffectCanBeGuarded: an optimistic update (verification_cas.go)
// falls back to the row lock when an effect's insert is not of the shape
// guardedInsert makes conditional; every effect a state change can write
// must be of that shape, or PostgreSQL's updates would quietly lock again.
func TestEveryEffectCanBeGuarded(t *testing.T) {
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	ws, err := effectWrites(otp.Effects{
		Events:     []otp.Event{{ID: "evt_1", Type: otp.EventSent, AppID: "app_1", VerificationID: "ver_1", CreatedAt: at}},
		Deliveries: []otp.Delivery{{ID: "dlv_1", AppID: "app_1", VerificationID: "ver_1", Channel: otp.SMS, CreatedAt: at}},
		Messages:   []otp.Message{{ID: "msg_1", AppID: "app_1", VerificationID: "ver_1", Channel: otp.SMS, CreatedAt: at}},
		Users:      []otp.UserVisit{{AppID: "app_1", Destination: "+15550001111", Channel: otp.SMS, At: at}},
		Callbacks:  []otp.WebhookDelivery{{ID: "whd_1", AppID: "app_1", EventID: "evt_1", CreatedAt: at}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 5 {
		t.Fatalf("%d writes for five effects", len(ws))
	}
	for _, w := range ws {
		g, ok := guardedInsert(w, "EXISTS (SELECT 1 FROM w0)")
		if !ok {
			t.Errorf("%s: cannot be guarded:\n%s", w.op, w.sql)
			continue
		}
		if strings.Contains(g.sql, "VALUES") || !strings.Contains(g.sql, " WHERE EXISTS (SELECT 1 FROM w0)") {
			t.Errorf("%s: guarded as\n%s", w.op, g.sql)
		}
	}
}

func TestGuardedInsert(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`INSERT INTO a (x, y) VALUES ($1, $2)`, `INSERT INTO a (x, y) SELECT $1, $2 WHERE c`},
		{`INSERT INTO a (x, y) VALUES ($1, coalesce($2, 0)) ON CONFLICT (x) DO UPDATE SET y = a.y + 1`,
			`INSERT INTO a (x, y) SELECT $1, coalesce($2, 0) WHERE c ON CONFLICT (x) DO UPDATE SET y = a.y + 1`},
	} {
		got, ok := guardedInsert(rowWrite{"op", tc.in, nil}, "c")
		if !ok || got.sql != tc.want {
			t.Errorf("guardedInsert(%q) = %q, %v, want %q", tc.in, got.sql, ok, tc.want)
		}
	}
	for _, in := range []string{
		`UPDATE a SET x = $1`,
		`INSERT INTO a (x) SELECT $1`,
		`INSERT INTO a (x) VALUES ('(')`,
		`INSERT INTO a (x) VALUES ($1`,
		`INSERT INTO a (x) VALUES ($1), ($2)`, // several rows: a guard on each would not keep their order
	} {
		if got, ok := guardedInsert(rowWrite{"op", in, nil}, "c"); ok {
			t.Errorf("guardedInsert(%q) = %q, want refused", in, got.sql)
		}
	}
}

// TestEventsInsert: the events of a change are one statement, a row each
// in their order, so that they take their seqs in that order (see
// eventsInsert); one event stays a single row that can be guarded.
func TestEventsInsert(t *testing.T) {
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	evs := []otp.Event{
		{ID: "evt_2", Type: otp.EventCreated, AppID: "app_1", VerificationID: "ver_1", CreatedAt: at},
		{ID: "evt_1", Type: otp.EventSent, AppID: "app_1", VerificationID: "ver_1", CreatedAt: at, Reason: "r"},
	}
	ws, err := effectWrites(otp.Effects{Events: evs})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || !strings.HasSuffix(ws[0].sql, "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10), ($11, $12, $13, $14, $15, $16, $17, $18, $19, $20)") {
		t.Fatalf("writes of two events = %+v, want one insert of two rows", ws)
	}
	if got := []any{ws[0].args[0], ws[0].args[10], ws[0].args[19]}; !reflect.DeepEqual(got, []any{"evt_2", "evt_1", "r"}) {
		t.Errorf("first ids and last reason = %v, want the events' in their order", got)
	}
	ws, err = effectWrites(otp.Effects{Events: evs[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := guardedInsert(ws[0], "c"); !ok {
		t.Errorf("one event's insert cannot be guarded:\n%s", ws[0].sql)
	}
}

// TestEventsInsertOfMany: past the statements built once, the INSERT is
// built the same way.
func TestEventsInsertOfMany(t *testing.T) {
	evs := make([]otp.Event, len(eventsInsertSQL)+1)
	w := eventsInsert(evs)
	if n := strings.Count(w.sql, "("); n != len(evs)+1 || !strings.HasSuffix(w.sql, ", $60)") || len(w.args) != 60 {
		t.Errorf("insert of %d events: %d groups, %d args: %s", len(evs), n, len(w.args), w.sql)
	}
	if eventsInsertSQL[2] != eventsInsertSQLOf(2) {
		t.Errorf("the statement built once differs: %q, %q", eventsInsertSQL[2], eventsInsertSQLOf(2))
	}
}

// TestVerificationUpdate: only the columns whose values differ are set,
// numbered after the id and the application, and nothing is written
// when none does.
func TestVerificationUpdate(t *testing.T) {
	v := &otp.Verification{ID: "ver_1", AppID: "app_1", To: "+14155550100", Status: otp.StatusPending, MaxAttempts: 5,
		CreatedAt: time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)}
	before, err := verificationArgs(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := verificationUpdate(v.ID, v.AppID, before, before); ok {
		t.Error("an update of an unchanged verification")
	}
	v.Attempts, v.Status, v.UpdatedAt = 1, otp.StatusVerified, v.CreatedAt.Add(time.Second)
	after, err := verificationArgs(v)
	if err != nil {
		t.Fatal(err)
	}
	w, ok := verificationUpdate(v.ID, v.AppID, before, after)
	want := "UPDATE verifications SET status = $3, attempts = $4, updated_at = $5 WHERE id = $1 AND app_id = $2"
	if !ok || w.sql != want {
		t.Errorf("update = %q, want %q", w.sql, want)
	}
	if !reflect.DeepEqual(w.args, []any{"ver_1", "app_1", "verified", 1, micros(v.UpdatedAt)}) {
		t.Errorf("args = %v", w.args)
	}
}
