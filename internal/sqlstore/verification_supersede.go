package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// The supersede: a new pending verification to a destination supersedes
// the older pending verifications of its application to that destination
// (the stored to, as given). A superseded verification ends as a canceled
// one does (status canceled, its sealed code and next fallback step
// dropped) with its otp.canceled event, so that whatever reports a
// canceled verification reports it, and a check of it is refused as a
// check of a canceled one is. It is one UPDATE, on the partial unique
// index verifications_one_pending (migration 0033), which also keeps two
// racing insertions from both staying pending. A finished verification
// (written by an import or a fixture) supersedes nothing.

const supersedeUpdate = `UPDATE verifications SET status = 'canceled', code_sealed = NULL, next_step_at = 0, updated_at = $3
	WHERE app_id = $1 AND destination = $2 AND status = 'pending'`

const insertVerificationValues = `VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
	$24, $25, $26, $27, $28, $29, $30, $31, $32, $33)`

// insertVerification is the INSERT of a verification, its values in the
// order of verificationColumns. afterSupersede makes it read WITH query
// w0, the supersede, so that it runs after it (execInsertingVerification).
// With Tombstones, the id is NULL, and the insert fails on the column's NOT
// NULL, once the application is marked deleting: the whole statement
// fails with it, so the rows combined beside the verification go too
// (application_tombstone.go).
func (s *Store) insertVerification(afterSupersede bool) string {
	var from, where string
	if afterSupersede {
		from = ` FROM (SELECT count(*) FROM w0) AS superseded`
	}
	if s.d.Tombstones {
		where = ` WHERE EXISTS (SELECT 1 FROM applications WHERE id = $2 AND NOT deleting)`
	}
	id := `$1`
	if from != "" || where != "" {
		id = `(SELECT $1::text` + from + where + `)`
	}
	return `INSERT INTO verifications (` + verificationColumns + `) VALUES (` + id + insertVerificationValues[len("VALUES ($1"):]
}

// execInsertingVerification runs, in tx, the writes before, the insertion
// of v (after its supersede), and the writes after.
//
// Where the dialect combines writes into one statement (PostgreSQL), the
// supersede leads it: the events are inserted from the UPDATE's RETURNING
// (WITH query w0), and the verification's insert reads w0 too, which makes
// the UPDATE run before it. PostgreSQL's data-modifying WITH queries
// otherwise run in no set order, and the new row could meet the old
// pending one in the unique index. The events' ids are made in SQL from
// one fresh id: its time and counter, so they sort where it does, and 56
// bits of the superseded verification's id hashed, so they differ.
//
// Elsewhere (SQLite, one writer) the insertion goes first: on the usual
// path nothing is pending to the destination, and the partial unique
// index verifications_one_pending, finding nothing to clash with, is the
// whole supersede. Only when the insertion clashes (a failed statement
// leaves the transaction as it was) does the UPDATE cancel the pending
// ones, returning them for their events, and the insertion run again.
// Trying the UPDATE first on every creation cost a statement and a read
// of the index for nothing on the usual path.
func (s *Store) execInsertingVerification(ctx context.Context, tx *txRunner, before []rowWrite, op string, v *otp.Verification, after []rowWrite) error {
	args, err := verificationArgs(v)
	if err != nil {
		return err
	}
	plain := rowWrite{op, s.insertVerification(false), args}
	if v.Status != otp.StatusPending {
		return s.execWrites(ctx, tx, slices.Concat(before, []rowWrite{plain}, after))
	}
	at := micros(v.CreatedAt)
	if s.d.CombineWrites {
		return s.execWrites(ctx, tx, slices.Concat(s.combinedSupersede(op, v, args, at), before, after))
	}
	err = s.execWrites(ctx, tx, slices.Concat(before, []rowWrite{plain}))
	if err == nil {
		return s.execWrites(ctx, tx, after)
	}
	if !clashesWithPending(err) {
		return err
	}
	events, err := s.supersede(ctx, tx, v, at)
	if err != nil {
		return err
	}
	ws, err := effectWrites(otp.Effects{Events: events})
	if err != nil {
		return err
	}
	return s.execWrites(ctx, tx, slices.Concat(ws, []rowWrite{plain}, after))
}

// clashesWithPending reports whether err is an insertion's clash with a
// pending verification to the same destination in the partial unique
// index verifications_one_pending, which SQLite names by its columns.
func clashesWithPending(err error) bool {
	return errors.Is(err, otp.ErrConflict) && strings.Contains(err.Error(), "verifications.app_id, verifications.destination")
}

// combinedSupersede are the writes that lead a combined statement
// inserting v (see execInsertingVerification).
func (s *Store) combinedSupersede(op string, v *otp.Verification, args []any, at int64) []rowWrite {
	return []rowWrite{
		{op + ": supersede", supersedeUpdate + ` RETURNING id, app_id, channel, country`, []any{v.AppID, v.To, at}},
		{op + ": superseded events",
			`INSERT INTO events (id, type, app_id, verification_id, created_at, channel, country, cost_micros, cost_currency)
			SELECT 'evt_' || substr($1, 5, 18) || substr(md5(id || $1), 1, 14), '` + string(otp.EventCanceled) + `', app_id, id, $2::bigint, channel, country, 0, ''
			FROM w0`, []any{otp.NewID("evt"), at}},
		{op, s.insertVerification(true), args},
	}
}

// supersede cancels the pending verifications of v's application to v.To
// in tx and returns their otp.canceled events.
func (s *Store) supersede(ctx context.Context, tx *txRunner, v *otp.Verification, at int64) ([]otp.Event, error) {
	rows, err := tx.QueryContext(ctx, supersedeUpdate+` RETURNING id, channel, country`, v.AppID, v.To, at)
	if err != nil {
		return nil, s.dbErr("supersede", err)
	}
	defer rows.Close()
	var events []otp.Event
	for rows.Next() {
		e := otp.Event{ID: otp.NewID("evt"), Type: otp.EventCanceled, AppID: v.AppID, CreatedAt: v.CreatedAt}
		var channel string
		if err := rows.Scan(&e.VerificationID, &channel, &e.Country); err != nil {
			return nil, s.dbErr("supersede", err)
		}
		e.Channel = otp.Channel(channel)
		events = append(events, e)
	}
	return events, s.dbErr("supersede", rows.Err())
}
