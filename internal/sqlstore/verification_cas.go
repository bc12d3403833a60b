package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

// Optimistic updates. On PostgreSQL a locking read-modify-write of a
// verification is four round trips: BEGIN, SELECT ... FOR UPDATE, the
// combined write, COMMIT, with a pooled connection held across all of
// them. Where the dialect names a RowVersion, UpdateVerification instead
// reads the row outside any transaction, together with its version, runs
// change, and writes the row and the effects back in one statement whose
// every write is guarded by the version being unchanged: two round trips,
// each its own transaction. A guard that finds the row changed in between
// writes nothing, and the whole read-change-write is tried again on the new
// row; change therefore may run more than once, which otp.Store allows.
//
// Attempts counted, a code valid at most once, no lost update: the write
// happens only on the exact row change saw, as under the lock.

// optimisticTries bounds the optimistic rounds of one update. A
// verification is rarely written by two requests at once; one that keeps
// losing (many concurrent checks of one code) then takes the row lock, so
// that every update finishes.
const optimisticTries = 3

// errChangedMeanwhile is a guarded write that found the row changed since
// it was read.
var errChangedMeanwhile = errors.New("verification changed since it was read")

// updateVerificationOptimistic is UpdateVerification on a dialect with a
// RowVersion. ok is false when every optimistic round lost, or when the
// writes cannot be guarded; the caller then takes the locking path.
func (s *Store) updateVerificationOptimistic(ctx context.Context, appID, id string, change func(v *otp.Verification) (otp.Effects, error)) (v *otp.Verification, ok bool, err error) {
	// One span for the rounds: a read and a guarded write each.
	ctx, span := s.span(ctx, "sqlstore.tx")
	defer func() { telemetry.End(span, err) }()
	for range optimisticTries {
		var version string
		v, err = scanVerification(versionedRow{s.write.QueryRowContext(ctx,
			`SELECT `+s.d.RowVersion+`, `+verificationColumns+` FROM verifications WHERE app_id = $1 AND id = $2`, appID, id), &version})
		if err != nil {
			return nil, true, s.dbErr("update verification", err)
		}
		update, changed, effects, err := changeWrites(v, change)
		if err != nil {
			return nil, true, err
		}
		if !changed && len(effects) == 0 {
			return v, true, nil // nothing to write: the read is the answer
		}
		ws, guardable := s.guardedWrites(update, changed, id, appID, version, effects)
		if !guardable {
			return nil, false, nil
		}
		q, args := combineWrites(ws)
		var written int
		if err := s.write.QueryRowContext(ctx, q, args...).Scan(&written); err != nil {
			return nil, true, s.dbErr("update verification", err)
		}
		if written == 1 {
			s.signalCommit()
			return v, true, nil
		}
	}
	return nil, false, nil
}

// guardedWrites makes the statements of one optimistic update: first the
// guard (the verification's UPDATE, or a locking SELECT where no column
// changed) that yields one row only if the row's version is still
// version, then each effect's insert made conditional on that row, then
// the count of guard rows, which says whether anything was written. ok is
// false if an effect's SQL is not the INSERT ... VALUES (...) that
// guardedInsert can make conditional.
func (s *Store) guardedWrites(update rowWrite, changed bool, id, appID, version string, effects []rowWrite) (ws []rowWrite, ok bool) {
	guard := rowWrite{"update verification",
		`SELECT 1 FROM verifications WHERE id = $1 AND app_id = $2 AND ` + s.d.RowVersion + ` = $3 FOR UPDATE`,
		[]any{id, appID, version}}
	if changed {
		guard = update
		guard.args = append(guard.args, version)
		guard.sql += fmt.Sprintf(" AND %s = $%d RETURNING 1", s.d.RowVersion, len(guard.args))
	}
	// combineWrites names the first write's WITH query w0.
	ws = append(ws, guard)
	for _, e := range effects {
		g, ok := guardedInsert(e, "EXISTS (SELECT 1 FROM w0)")
		if !ok {
			return nil, false
		}
		ws = append(ws, g)
	}
	return append(ws, rowWrite{"update verification", `SELECT COUNT(*) FROM w0`, nil}), true
}

// guardedInsert turns w, an INSERT INTO t (...) VALUES (...) [ON CONFLICT
// ...], into an INSERT INTO t (...) SELECT ... WHERE cond [ON CONFLICT
// ...], which inserts the same row only where cond holds. PostgreSQL
// types the parameters of such a SELECT by the columns they go into, as
// it does those of VALUES.
func guardedInsert(w rowWrite, cond string) (rowWrite, bool) {
	const values = "VALUES ("
	start := strings.Index(w.sql, values)
	if !strings.HasPrefix(strings.TrimSpace(w.sql), "INSERT INTO ") || start < 0 {
		return rowWrite{}, false
	}
	depth, end := 0, -1
	for i := start + len(values) - 1; i < len(w.sql) && end < 0; i++ {
		switch w.sql[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				end = i
			}
		case '\'':
			return rowWrite{}, false // a quoted literal could hold a parenthesis
		}
	}
	if end < 0 || strings.HasPrefix(strings.TrimSpace(w.sql[end+1:]), ",") {
		return rowWrite{}, false // no row, or several (eventsInsert's)
	}
	w.sql = w.sql[:start] + "SELECT " + w.sql[start+len(values):end] + " WHERE " + cond + w.sql[end+1:]
	return w, true
}

// versionedRow scans a row whose first column is the row's version into
// version and the rest as the row it wraps would.
type versionedRow struct {
	row     interface{ Scan(...any) error }
	version *string
}

func (r versionedRow) Scan(dest ...any) error {
	return r.row.Scan(append([]any{r.version}, dest...)...)
}
