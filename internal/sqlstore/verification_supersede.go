package sqlstore

import (
	"github.com/otpd/otpd/internal/otp"
)

// insertVerificationWrites are the writes that insert v: the verification,
// after superseding the older pending verifications of its application to
// its destination (the stored to, as given). A superseded verification
// ends as a canceled one does (status canceled, its sealed code and next
// fallback step dropped) with its otp.canceled event, so that whatever
// reports a canceled verification reports it, and a check of it is
// refused as a check of a canceled one is. The partial unique index
// verifications_one_pending (migration 0033) finds them and keeps two
// racing insertions from both staying pending.
//
// Where the dialect combines writes into one statement (PostgreSQL), the
// returned writes must come first in it: the events are inserted from the
// UPDATE's RETURNING (WITH query w0), and the verification's insert reads
// w0 too, which makes the UPDATE run before it. PostgreSQL's data-modifying
// WITH queries otherwise run in no set order, and the new row would meet
// the old pending one in the unique index. Elsewhere (SQLite) the events
// are inserted from the rows about to be superseded, then the UPDATE runs,
// then the insert: one writer, so nothing comes between.
func (s *Store) insertVerificationWrites(op string, v *otp.Verification) ([]rowWrite, error) {
	args, err := verificationArgs(v)
	if err != nil {
		return nil, err
	}
	values := `VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
			$24, $25, $26, $27, $28, $29, $30, $31, $32)`
	if v.Status != otp.StatusPending {
		// Only a live code supersedes: a finished verification (written
		// by an import or a fixture) leaves the pending ones be.
		return []rowWrite{{op, `INSERT INTO verifications (` + verificationColumns + `) ` + values, args}}, nil
	}
	// The events' ids share the time and counter of one fresh id, so they
	// sort where it does; their last 56 bits differ per row.
	eventBase, at := otp.NewID("evt"), micros(v.CreatedAt)
	const eventColumns = `id, type, app_id, verification_id, created_at, dispatched, channel, country, cost_micros, cost_currency`
	update := `UPDATE verifications SET status = 'canceled', code_sealed = NULL, next_step_at = 0, updated_at = $3
		WHERE app_id = $1 AND destination = $2 AND status = 'pending'`
	if s.d.CombineWrites {
		return []rowWrite{
			{op + ": supersede", update + ` RETURNING id, app_id, channel, country`, []any{v.AppID, v.To, at}},
			{op + ": superseded events",
				`INSERT INTO events (` + eventColumns + `)
				SELECT 'evt_' || substr($1, 5, 18) || substr(md5(id || $1), 1, 14), '` + string(otp.EventCanceled) + `', app_id, id, $2::bigint, 0, channel, country, 0, ''
				FROM w0`, []any{eventBase, at}},
			{op, `INSERT INTO verifications (` + verificationColumns + `) VALUES ((SELECT $1::text FROM (SELECT count(*) FROM w0) AS superseded), ` +
				values[len("VALUES ($1, "):], args},
		}, nil
	}
	return []rowWrite{
		{op + ": superseded events",
			`INSERT INTO events (` + eventColumns + `)
			SELECT 'evt_' || substr($3, 5, 18) || lower(hex(randomblob(7))), '` + string(otp.EventCanceled) + `', app_id, id, $4, 0, channel, country, 0, ''
			FROM verifications WHERE app_id = $1 AND destination = $2 AND status = 'pending'`,
			[]any{v.AppID, v.To, eventBase, at}},
		{op + ": supersede", update, []any{v.AppID, v.To, at}},
		{op, `INSERT INTO verifications (` + verificationColumns + `) ` + values, args},
	}, nil
}
