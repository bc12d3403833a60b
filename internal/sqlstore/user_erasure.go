package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// EraseUser removes what is stored of one destination in some
// applications, in one transaction (see otp.Store). Verifications are
// removed as the retention sweep removes them, with their messages,
// outbox rows and events, and only when nothing still needs them: a
// pending one is still being checked, a session's current one is read by
// the session's next change, and an unconsumed event has yet to reach the
// analytics rollup and credits.
func (s *Store) EraseUser(ctx context.Context, e otp.UserErasure) (otp.ErasedUser, error) {
	var n otp.ErasedUser
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		n = otp.ErasedUser{}
		count := func(dst *int, q string, args ...any) error {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return s.dbErr("erase user", err)
			}
			k, err := res.RowsAffected()
			*dst += int(k)
			return s.dbErr("erase user", err)
		}
		if e.ChatLinks {
			if err := count(&n.ChatLinks, `DELETE FROM chat_links WHERE destination = $1`, e.Destination); err != nil {
				return err
			}
		}
		if len(e.AppIDs) == 0 {
			return nil
		}
		var args argList
		dest := args.add(e.Destination)
		marks := make([]string, len(e.AppIDs))
		for i, id := range e.AppIDs {
			marks[i] = args.add(id)
		}
		apps := `app_id IN (` + strings.Join(marks, ", ") + `)`
		if err := count(&n.Users, `DELETE FROM users WHERE destination = `+dest+` AND `+apps, args...); err != nil {
			return err
		}
		if err := s.eraseTestInbox(ctx, tx, &n, e, dest, marks, args); err != nil {
			return err
		}
		// A verification's events are found by its id alone (ids are
		// unique across applications, and an event has its
		// verification's application): with e.app_id = v.app_id too,
		// SQLite, which has no statistics, may pick events_app, equally
		// an index of one column since migration 0039, and read every
		// event of the application per verification.
		ids, err := selectIDs(ctx, tx, `SELECT v.id FROM verifications v WHERE v.`+apps+` AND v.destination = `+dest+`
			AND v.status <> 'pending'
			AND NOT EXISTS (SELECT 1 FROM events e WHERE e.verification_id = v.id AND `+s.unconsumed()+`)
			AND NOT EXISTS (SELECT 1 FROM verification_sessions vs WHERE vs.app_id = v.app_id AND vs.verification_id = v.id)`, args...)
		if err != nil {
			return s.dbErr("erase user", err)
		}
		if len(ids) > 0 {
			in, idArgs := inList(ids)
			for _, q := range []string{
				`DELETE FROM webhook_attempts WHERE delivery_id IN
					(SELECT id FROM webhook_deliveries WHERE verification_id IN (` + in + `) AND status <> 'pending')`,
				`DELETE FROM webhook_deliveries WHERE verification_id IN (` + in + `) AND status <> 'pending'`,
				`DELETE FROM events WHERE verification_id IN (` + in + `)`,
				`DELETE FROM messages WHERE verification_id IN (` + in + `)`,
				`DELETE FROM outbox WHERE verification_id IN (` + in + `)`,
			} {
				if _, err := tx.ExecContext(ctx, q, idArgs...); err != nil {
					return s.dbErr("erase user", err)
				}
			}
			if err := count(&n.Verifications, `DELETE FROM verifications WHERE id IN (`+in+`)`, idArgs...); err != nil {
				return err
			}
		}
		err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM verifications WHERE destination = `+dest+` AND `+apps, args...).Scan(&n.Remaining)
		return s.dbErr("erase user", err)
	})
	return n, err
}

// DeleteUsersBefore removes up to limit users last verified before
// before, oldest first, through the users_all_recent index.
func (s *Store) DeleteUsersBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.writeExec(ctx, `DELETE FROM users WHERE (app_id, destination) IN
		(SELECT app_id, destination FROM users WHERE last_verified < $1 ORDER BY last_verified`+limitClause(limit)+`)`, micros(before))
	if err != nil {
		return 0, s.dbErr("delete old users", err)
	}
	n, err := res.RowsAffected()
	return int(n), s.dbErr("delete old users", err)
}

// eraseTestInbox takes the messages to the erased destination (dest, a
// placeholder of args, as marks are the applications') out of the test
// inbox, counting those it held: it erases the inbox code of their
// verifications, and so with them any other message of those (a fallback
// step to another destination goes with its verification's).
func (s *Store) eraseTestInbox(ctx context.Context, tx *txRunner, n *otp.ErasedUser, e otp.UserErasure, dest string, marks []string, args argList) error {
	apps := `IN (` + strings.Join(marks, ", ") + `)`
	countArgs := slices.Clone(args)
	since := countArgs.add(micros(e.TestInboxSince))
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+testInboxTo("m.id", apps, since, dest)+`) AS inbox`, countArgs...).
		Scan(&n.TestMessages)
	if err != nil {
		return s.dbErr("erase user", err)
	}
	for _, q := range []string{
		`UPDATE verifications SET inbox_code = NULL WHERE app_id ` + apps + ` AND destination = ` + dest + ` AND inbox_code IS NOT NULL`,
		`UPDATE verifications SET inbox_code = NULL WHERE inbox_code IS NOT NULL AND id IN (SELECT m.verification_id FROM messages m
			WHERE m.app_id ` + apps + ` AND m.destination = ` + dest + ` AND m.destination <> '' AND m.provider = '` + otp.TestInboxProvider + `')`,
	} {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return s.dbErr("erase user", err)
		}
	}
	return nil
}
