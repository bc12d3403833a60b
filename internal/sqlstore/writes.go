package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// rowWrite is one statement of a state change: SQL with placeholders
// numbered from $1, their values, and what it does, for errors.
type rowWrite struct {
	op   string
	sql  string
	args []any
}

// writeEffects inserts the rows a state change writes beside the
// verification, inside the change's transaction.
func (s *Store) writeEffects(ctx context.Context, tx *txRunner, fx otp.Effects) error {
	ws, err := effectWrites(fx)
	if err != nil {
		return err
	}
	return s.execWrites(ctx, tx, ws)
}

// execWrites runs ws in tx, in order. Where the dialect combines writes
// (PostgreSQL) they go as one statement, one round trip instead of one
// each; SQLite runs them in process, where a statement costs no trip.
func (s *Store) execWrites(ctx context.Context, tx *txRunner, ws []rowWrite) error {
	if s.d.CombineWrites && len(ws) > 1 {
		q, args := combineWrites(ws)
		_, err := tx.ExecContext(ctx, q, args...)
		return s.dbErr(ws[0].op, err)
	}
	for _, w := range ws {
		if _, err := tx.ExecContext(ctx, w.sql, w.args...); err != nil {
			return s.dbErr(w.op, err)
		}
	}
	return nil
}

var placeholder = regexp.MustCompile(`\$[0-9]+`)

// combineWrites joins ws into one PostgreSQL statement: every write but
// the last in a WITH clause, renumbering the placeholders. PostgreSQL runs
// each data-modifying WITH query exactly once, whether or not anything
// reads it, all in the one statement's snapshot: that suits writes of
// distinct rows, which is all a state change writes.
func combineWrites(ws []rowWrite) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	for i, w := range ws {
		offset := len(args)
		renumbered := placeholder.ReplaceAllStringFunc(w.sql, func(p string) string {
			n, _ := strconv.Atoi(p[1:])
			return "$" + strconv.Itoa(n+offset)
		})
		switch {
		case i == 0 && len(ws) > 1:
			fmt.Fprintf(&b, "WITH w%d AS (%s)", i, renumbered)
		case i < len(ws)-1:
			fmt.Fprintf(&b, ", w%d AS (%s)", i, renumbered)
		default:
			if len(ws) > 1 {
				b.WriteString(" ")
			}
			b.WriteString(renumbered)
		}
		args = append(args, w.args...)
	}
	return b.String(), args
}

// eventsInsert is the one statement that inserts the events of a change,
// a row each in the order given. One statement, not one per event, so
// that they take their seqs (the event log's order, and the consumer's)
// in that order: the rows of one VALUES list are inserted in turn, while
// PostgreSQL runs the statements combineWrites joins in no promised order
// (the last one first, in fact). A single event's insert is a
// single-row VALUES, which guardedInsert can make conditional; a change
// with several events takes the locking path (verification_cas.go).
func eventsInsert(events []otp.Event) rowWrite {
	args := make([]any, 0, eventColumns*len(events))
	for _, e := range events {
		args = append(args, e.ID, string(e.Type), e.AppID, e.VerificationID, micros(e.CreatedAt), string(e.Channel), e.Country,
			e.Cost.Micros, e.Cost.Currency, e.Reason)
	}
	q := ""
	if len(events) < len(eventsInsertSQL) {
		q = eventsInsertSQL[len(events)]
	} else {
		q = eventsInsertSQLOf(len(events))
	}
	return rowWrite{"insert events", q, args}
}

// eventColumns is the number of columns eventsInsert writes per event.
const eventColumns = 10

// eventsInsertSQL are eventsInsert's statements for one to four events,
// built once: a change writes one or two, and building the placeholders
// on every change cost some twenty allocations per event.
var eventsInsertSQL = func() []string {
	qs := make([]string, 5)
	for n := 1; n < len(qs); n++ {
		qs[n] = eventsInsertSQLOf(n)
	}
	return qs
}()

// eventsInsertSQLOf is the INSERT of n events, a VALUES row each.
func eventsInsertSQLOf(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO events (id, type, app_id, verification_id, created_at, channel, country, cost_micros, cost_currency, reason)
			VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j := range eventColumns {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(i*eventColumns+j+1))
		}
		b.WriteString(")")
	}
	return b.String()
}

// effectWrites returns the statements that write fx.
func effectWrites(fx otp.Effects) ([]rowWrite, error) {
	var ws []rowWrite
	if len(fx.Events) > 0 {
		ws = append(ws, eventsInsert(fx.Events))
	}
	for _, d := range fx.Deliveries {
		ws = append(ws, rowWrite{"insert outbox row",
			`INSERT INTO outbox (id, app_id, verification_id, channel, destination, attempts, next_attempt_at, claimed_until, last_error, created_at, skip_providers)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10)`,
			[]any{d.ID, d.AppID, d.VerificationID, string(d.Channel), d.To, d.Attempts, micros(d.NextAttemptAt), d.LastError,
				micros(d.CreatedAt), joinSkip(d.Skip)}})
	}
	for _, m := range fx.Messages {
		ws = append(ws, rowWrite{"insert message",
			`INSERT INTO messages (` + messageColumns + `)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			[]any{m.ID, m.AppID, m.VerificationID, string(m.Channel), m.To, m.Provider, storedProviderMessageID(m),
				string(m.Status), m.Attempts, m.Error, m.Cost.Micros, m.Cost.Currency,
				micros(m.CreatedAt), micros(m.SentAt), micros(m.DeliveredAt), micros(m.NextAttemptAt)}})
	}
	for _, u := range fx.Users {
		col, ok := userChannelColumns[u.Channel]
		if !ok {
			return nil, fmt.Errorf("user visit on unknown channel %q", u.Channel)
		}
		ws = append(ws, rowWrite{"record user",
			`INSERT INTO users (app_id, destination, first_verified, last_verified, ` + col + `)
			VALUES ($1, $2, $3, $3, 1)
			ON CONFLICT (app_id, destination) DO UPDATE SET last_verified = excluded.last_verified,
				` + col + ` = users.` + col + ` + 1`,
			[]any{u.AppID, u.Destination, micros(u.At)}})
	}
	for _, d := range fx.Callbacks {
		ws = append(ws, webhookDeliveryInsert(d))
	}
	return ws, nil
}
