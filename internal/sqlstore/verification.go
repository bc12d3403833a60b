package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

const verificationColumns = `id, app_id, destination, channel, purpose, locale, status, delivery_status,
	code_hash, code_sealed, attempts, max_attempts, resends, max_resends, metadata,
	created_at, updated_at, expires_at, last_sent_at, resend_at, sent_at, verified_at, last_error,
	country, carrier, cost_micros, cost_currency, delivered_at, options, fallback_step, next_step_at, message_number,
	inbox_code`

func scanVerification(row interface{ Scan(...any) error }) (*otp.Verification, error) {
	var (
		v                                           otp.Verification
		metadata, options                           sql.NullString
		created, updated, expires, lastSent, resend int64
		sent, verified, delivered, nextStep         int64
	)
	err := row.Scan(&v.ID, &v.AppID, &v.To, &v.Channel, &v.Purpose, &v.Locale, &v.Status, &v.DeliveryStatus,
		&v.CodeHash, &v.CodeSealed, &v.Attempts, &v.MaxAttempts, &v.Resends, &v.MaxResends, &metadata,
		&created, &updated, &expires, &lastSent, &resend, &sent, &verified, &v.LastError,
		&v.Country, &v.Carrier, &v.Cost.Micros, &v.Cost.Currency, &delivered, &options, &v.FallbackStep, &nextStep, &v.MessageNumber,
		&v.InboxCode)
	if err != nil {
		return nil, err
	}
	if options.Valid {
		if err := json.Unmarshal([]byte(options.String), &v.Options); err != nil {
			return nil, fmt.Errorf("decode options of %s: %w", v.ID, err)
		}
	}
	v.DeliveredAt, v.NextStepAt = fromMicros(delivered), fromMicros(nextStep)
	v.CodeHash = emptyToNil(v.CodeHash)
	v.CodeSealed = emptyToNil(v.CodeSealed)
	v.InboxCode = emptyToNil(v.InboxCode)
	v.Metadata = fromNullJSON(metadata)
	v.CreatedAt, v.UpdatedAt, v.ExpiresAt = fromMicros(created), fromMicros(updated), fromMicros(expires)
	v.LastSentAt, v.ResendAt = fromMicros(lastSent), fromMicros(resend)
	v.SentAt, v.VerifiedAt = fromMicros(sent), fromMicros(verified)
	return &v, nil
}

// verificationArgs lists v's values in the order of verificationColumns.
func verificationArgs(v *otp.Verification) ([]any, error) {
	var options any
	if !v.Options.IsZero() {
		b, err := json.Marshal(v.Options)
		if err != nil {
			return nil, fmt.Errorf("encode options of %s: %w", v.ID, err)
		}
		options = string(b)
	}
	return []any{
		v.ID, v.AppID, v.To, string(v.Channel), string(v.Purpose), v.Locale, string(v.Status), string(v.DeliveryStatus),
		nullBytes(v.CodeHash), nullBytes(v.CodeSealed), v.Attempts, v.MaxAttempts, v.Resends, v.MaxResends, nullJSON(v.Metadata),
		micros(v.CreatedAt), micros(v.UpdatedAt), micros(v.ExpiresAt), micros(v.LastSentAt), micros(v.ResendAt),
		micros(v.SentAt), micros(v.VerifiedAt), v.LastError,
		v.Country, v.Carrier, v.Cost.Micros, v.Cost.Currency, micros(v.DeliveredAt), options, v.FallbackStep, micros(v.NextStepAt),
		v.MessageNumber, nullBytes(v.InboxCode),
	}, nil
}

// CreateVerification inserts v, its effects and, with a non-nil idem, its
// idempotency record in one transaction. A taken idempotency key is
// ErrConflict and leaves nothing behind.
func (s *Store) CreateVerification(ctx context.Context, v *otp.Verification, fx otp.Effects, idem *otp.Idempotency) error {
	var before []rowWrite
	// The idempotency row goes first: a taken key is the likely conflict,
	// and finding it first saves the other inserts.
	if idem != nil {
		before = append(before, rowWrite{"create verification: idempotency key",
			`INSERT INTO idempotency (app_id, idem_key, request_hash, verification_id, created_at)
			VALUES ($1, $2, $3, $4, $5)`,
			[]any{idem.AppID, idem.Key, nullBytes(idem.RequestHash), idem.VerificationID, micros(idem.CreatedAt)}})
	}
	after, err := effectWrites(fx)
	if err != nil {
		return err
	}
	// A conflict may be the idempotency key, which stays taken, or another
	// creation to the same destination that committed after this one's
	// supersede looked (verifications_one_pending): a retry supersedes that
	// one. Each lost attempt means one more such creation committed. Both
	// engines name the table or index in the error.
	for try := 1; ; try++ {
		err = s.createVerificationOnce(ctx, before, v, after)
		if err == nil || !errors.Is(err, otp.ErrConflict) || strings.Contains(err.Error(), "idempotency") || try == maxSupersedeTries {
			return err
		}
	}
}

// maxSupersedeTries bounds the attempts of a creation whose destination
// other creations keep winning; the destination's rate limit bounds how
// many run at once.
const maxSupersedeTries = 10

func (s *Store) createVerificationOnce(ctx context.Context, before []rowWrite, v *otp.Verification, after []rowWrite) error {
	if s.d.CombineWrites {
		// One statement is one transaction: no BEGIN, no COMMIT.
		args, err := verificationArgs(v)
		if err != nil {
			return err
		}
		ws := slices.Concat(before, []rowWrite{{"create verification", s.insertVerification(false), args}}, after)
		if v.Status == otp.StatusPending {
			ws = slices.Concat(s.combinedSupersede("create verification", v, args, micros(v.CreatedAt)), before, after)
		}
		q, qargs := combineWrites(ws)
		begin := time.Now()
		ctx, span := s.span(ctx, "sqlstore.tx")
		_, err = s.write.ExecContext(ctx, q, qargs...)
		telemetry.End(span, err)
		if err != nil {
			return s.dbErr("create verification", err)
		}
		s.observeCommit(begin, 1)
		s.signalCommit() // as inTx does: Dialect.Background hears of every commit
		return nil
	}
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		return s.execInsertingVerification(ctx, tx, before, "create verification", v, after)
	})
}

// GetIdempotency returns the record of key created at or after since, or
// ErrNotFound.
func (s *Store) GetIdempotency(ctx context.Context, appID, key string, since time.Time) (*otp.Idempotency, error) {
	var (
		rec     = otp.Idempotency{AppID: appID, Key: key}
		created int64
	)
	err := s.reader.QueryRowContext(ctx,
		`SELECT request_hash, verification_id, created_at FROM idempotency
		WHERE app_id = $1 AND idem_key = $2 AND created_at >= $3`,
		appID, key, micros(since)).Scan(&rec.RequestHash, &rec.VerificationID, &created)
	if err != nil {
		return nil, s.dbErr("get idempotency key", err)
	}
	rec.RequestHash = emptyToNil(rec.RequestHash)
	rec.CreatedAt = fromMicros(created)
	return &rec, nil
}

// DeleteExpiredIdempotency removes records created before before and
// returns how many it removed.
func (s *Store) DeleteExpiredIdempotency(ctx context.Context, before time.Time) (int, error) {
	res, err := s.writeExec(ctx, `DELETE FROM idempotency WHERE created_at < $1`, micros(before))
	if err != nil {
		return 0, s.dbErr("delete expired idempotency keys", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	return int(n), nil
}

// GetVerification returns the verification id of application appID. An
// unknown id and another application's id are both ErrNotFound.
func (s *Store) GetVerification(ctx context.Context, appID, id string) (*otp.Verification, error) {
	v, err := scanVerification(s.reader.QueryRowContext(ctx,
		`SELECT `+verificationColumns+` FROM verifications WHERE app_id = $1 AND id = $2`, appID, id))
	if err != nil {
		return nil, s.dbErr("get verification", err)
	}
	return v, nil
}

// LatestPendingVerification returns the newest pending verification of
// destination to, or ErrNotFound.
func (s *Store) LatestPendingVerification(ctx context.Context, appID, to string) (*otp.Verification, error) {
	v, err := scanVerification(s.reader.QueryRowContext(ctx,
		`SELECT `+verificationColumns+` FROM verifications
		WHERE app_id = $1 AND destination = $2 AND status = $3
		ORDER BY id DESC LIMIT 1`,
		appID, to, string(otp.StatusPending)))
	if err != nil {
		return nil, s.dbErr("latest pending verification", err)
	}
	return v, nil
}

// GetVerificationByID returns the verification id of any application, or
// ErrNotFound.
func (s *Store) GetVerificationByID(ctx context.Context, id string) (*otp.Verification, error) {
	v, err := scanVerification(s.reader.QueryRowContext(ctx,
		`SELECT `+verificationColumns+` FROM verifications WHERE id = $1`, id))
	if err != nil {
		return nil, s.dbErr("get verification", err)
	}
	return v, nil
}

// ListVerifications returns the application's verifications that match f,
// newest first; with appID "", those of f.OwnerID's applications, or of
// every application when that is nil too (the console). IDs are
// time-ordered, so ordering by id is ordering by creation, and the cursor
// is simply the last id of the previous page.
func (s *Store) ListVerifications(ctx context.Context, appID string, f otp.VerificationFilter) ([]*otp.Verification, error) {
	var args argList
	where := verificationConds(f, &args)
	if f.Cursor != "" {
		where = append(where, "id < "+args.add(f.Cursor))
	}
	limit, page := "", ""
	if f.Limit > 0 {
		limit = args.add(f.Limit)
		page = " LIMIT " + limit
	}
	if f.Offset > 0 {
		if limit == "" { // SQLite takes an OFFSET only after a LIMIT
			page = " LIMIT " + args.add(int64(math.MaxInt64))
		}
		page += " OFFSET " + args.add(f.Offset)
	}
	arm := func(appCond string) string {
		return `SELECT ` + verificationColumns + ` FROM verifications WHERE ` +
			strings.Join(append([]string{appCond}, where...), " AND ") + ` ORDER BY id DESC` + page
	}
	var q string
	switch {
	case appID != "":
		q = arm("app_id = " + args.add(appID))
	case f.OwnerID != nil && limit != "" && f.Offset == 0:
		var ok bool
		var err error
		if q, ok, err = s.ownerList(ctx, *f.OwnerID, &args, arm, "app_id", "id DESC", limit); err != nil || !ok {
			return nil, s.dbErr("list verifications", err)
		}
	case f.OwnerID != nil:
		q = arm(ownerAppsCondition("app_id", *f.OwnerID, &args))
	default: // the console lists every application's
		q = arm("1 = 1")
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.dbErr("list verifications", err)
	}
	defer rows.Close()
	var out []*otp.Verification
	for rows.Next() {
		v, err := scanVerification(rows)
		if err != nil {
			return nil, s.dbErr("list verifications", err)
		}
		out = append(out, v)
	}
	return out, s.dbErr("list verifications", rows.Err())
}

// CountVerifications counts the verifications ListVerifications would
// list for appID and f, ignoring f's cursor, offset and limit.
func (s *Store) CountVerifications(ctx context.Context, appID string, f otp.VerificationFilter) (int, error) {
	var args argList
	where := verificationConds(f, &args)
	switch {
	case appID != "":
		where = append(where, "app_id = "+args.add(appID))
	case f.OwnerID != nil:
		where = append(where, ownerAppsCondition("app_id", *f.OwnerID, &args))
	}
	var n int
	err := s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM verifications WHERE `+strings.Join(append([]string{"1 = 1"}, where...), " AND "), args...).Scan(&n)
	if err != nil {
		return 0, s.dbErr("count verifications", err)
	}
	return n, nil
}

// verificationConds are the conditions of f's filters, not of its
// application, owner or page, with their arguments added to args.
func verificationConds(f otp.VerificationFilter, args *argList) []string {
	var where []string
	if f.Status != "" {
		where = append(where, "status = "+args.add(string(f.Status)))
	}
	if f.Channel != "" {
		where = append(where, "channel = "+args.add(string(f.Channel)))
	}
	if f.To != "" {
		where = append(where, "destination = "+args.add(f.To))
	}
	if !f.CreatedFrom.IsZero() {
		where = append(where, "created_at >= "+args.add(micros(f.CreatedFrom)))
	}
	if !f.CreatedBefore.IsZero() {
		where = append(where, "created_at < "+args.add(micros(f.CreatedBefore)))
	}
	if len(f.States) > 0 {
		// The time is bound only if a state uses it: PostgreSQL cannot
		// type a parameter that no expression uses.
		asOfArg := ""
		asOf := func() string {
			if asOfArg == "" {
				asOfArg = args.add(micros(f.AsOf))
			}
			return asOfArg
		}
		var anyOf []string
		for _, st := range f.States {
			anyOf = append(anyOf, stateCondition(st, asOf, args.add))
		}
		where = append(where, "("+strings.Join(anyOf, " OR ")+")")
	}
	return where
}

// stateCondition is the SQL condition of state st (see otp.State), with
// arg binding its values; asOf binds the time the state is judged at: a
// pending verification past its expiry counts as expired.
func stateCondition(st otp.State, asOf func() string, arg func(any) string) string {
	conds := []string{}
	switch st.Status {
	case "":
	case otp.StatusPending:
		conds = append(conds, "status = "+arg(string(otp.StatusPending))+" AND expires_at > "+asOf())
	case otp.StatusExpired:
		conds = append(conds, "(status = "+arg(string(otp.StatusExpired))+" OR status = "+arg(string(otp.StatusPending))+" AND expires_at <= "+asOf()+")")
	default:
		conds = append(conds, "status = "+arg(string(st.Status)))
	}
	if st.Delivery != "" {
		conds = append(conds, "delivery_status = "+arg(string(st.Delivery)))
	}
	if len(conds) == 0 {
		return "1 = 1"
	}
	return "(" + strings.Join(conds, " AND ") + ")"
}

// UpdateVerification locks the verification, applies change and writes the
// row and the effects back in one transaction. If change returns an error,
// nothing is written and that error is returned as it is.
func (s *Store) UpdateVerification(ctx context.Context, appID, id string, change func(v *otp.Verification) (otp.Effects, error)) (*otp.Verification, error) {
	if s.d.RowVersion != "" {
		if v, ok, err := s.updateVerificationOptimistic(ctx, appID, id, change); ok {
			return v, err
		}
	}
	var out *otp.Verification
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		v, err := s.lockVerification(ctx, tx, appID, id)
		if err != nil {
			return s.dbErr("update verification", err)
		}
		if err := s.applyChange(ctx, tx, v, change); err != nil {
			return err
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lockVerification reads a verification inside a write transaction,
// locking its row where the engine has row locks.
func (s *Store) lockVerification(ctx context.Context, tx *txRunner, appID, id string) (*otp.Verification, error) {
	return scanVerification(tx.QueryRowContext(ctx,
		`SELECT `+verificationColumns+` FROM verifications WHERE app_id = $1 AND id = $2`+s.d.ForUpdate, appID, id))
}

// applyChange runs change on v and writes v and the effects.
func (s *Store) applyChange(ctx context.Context, tx *txRunner, v *otp.Verification, change func(v *otp.Verification) (otp.Effects, error)) error {
	update, changed, ws, err := changeWrites(v, change)
	if err != nil {
		return err
	}
	if changed {
		ws = append([]rowWrite{update}, ws...)
	}
	return s.execWrites(ctx, tx, ws)
}

// changeWrites runs change on v and returns the writes of what it did:
// the UPDATE of the verification (changed is false when change modified
// no column) and the effects' inserts. Only the columns change modified
// are written: an UPDATE that names an indexed column rewrites that
// index's entry even when the value is the same, and most changes touch
// two or three of the verification's columns. The row is written back
// under the id and application it was read with, whatever change did to
// those fields.
func changeWrites(v *otp.Verification, change func(v *otp.Verification) (otp.Effects, error)) (update rowWrite, changed bool, effects []rowWrite, err error) {
	appID, id := v.AppID, v.ID
	before, err := verificationArgs(v)
	if err != nil {
		return rowWrite{}, false, nil, err
	}
	fx, err := change(v)
	if err != nil {
		return rowWrite{}, false, nil, err
	}
	after, err := verificationArgs(v)
	if err != nil {
		return rowWrite{}, false, nil, err
	}
	if effects, err = effectWrites(fx); err != nil {
		return rowWrite{}, false, nil, err
	}
	update, changed = verificationUpdate(id, appID, before, after)
	return update, changed, effects, nil
}

// verificationUpdate is the UPDATE of verification id that writes the
// columns whose values differ between before and after (verificationArgs
// of the row as read and as changed); ok is false when none does.
func verificationUpdate(id, appID string, before, after []any) (rowWrite, bool) {
	// One builder for the whole statement: a check changes two to six
	// columns, and a Sprintf and a join for them cost more allocations
	// than the rest of the update.
	var q strings.Builder
	args := append(make([]any, 0, 8), id, appID)
	for i := 2; i < len(after); i++ { // id and app_id are never rewritten
		if sameArg(before[i], after[i]) {
			continue
		}
		if len(args) == 2 {
			q.Grow(128)
			q.WriteString(`UPDATE verifications SET `)
		} else {
			q.WriteString(", ")
		}
		args = append(args, after[i])
		q.WriteString(verificationColumnNames[i])
		q.WriteString(" = $")
		q.WriteString(strconv.Itoa(len(args)))
	}
	if len(args) == 2 {
		return rowWrite{}, false
	}
	q.WriteString(` WHERE id = $1 AND app_id = $2`)
	return rowWrite{"update verification", q.String(), args}, true
}

// verificationColumnNames are the names in verificationColumns, in order.
var verificationColumnNames = func() []string {
	var names []string
	for _, c := range strings.Split(verificationColumns, ",") {
		names = append(names, strings.TrimSpace(c))
	}
	return names
}()

// sameArg reports whether two values of verificationArgs are equal.
func sameArg(a, b any) bool {
	if ab, ok := a.([]byte); ok {
		bb, ok := b.([]byte)
		return ok && bytes.Equal(ab, bb)
	}
	if _, ok := b.([]byte); ok {
		return false
	}
	return a == b
}

// ListExpiredPending returns up to limit pending verifications whose expiry
// is not after now, those that expired first first.
func (s *Store) ListExpiredPending(ctx context.Context, now time.Time, limit int) ([]otp.VerificationRef, error) {
	rows, err := s.reader.QueryContext(ctx,
		// 'pending' is written out, not bound: only then do the engines
		// see that the partial index verifications_pending_expiry applies.
		`SELECT app_id, id FROM verifications WHERE status = 'pending' AND expires_at <= $1
		ORDER BY expires_at, id`+limitClause(limit),
		micros(now))
	if err != nil {
		return nil, s.dbErr("list expired verifications", err)
	}
	defer rows.Close()
	var out []otp.VerificationRef
	for rows.Next() {
		var r otp.VerificationRef
		if err := rows.Scan(&r.AppID, &r.ID); err != nil {
			return nil, s.dbErr("list expired verifications", err)
		}
		out = append(out, r)
	}
	return out, s.dbErr("list expired verifications", rows.Err())
}

// ListDueFallbacks returns up to limit pending verifications whose next
// fallback step is due at now, the longest due first.
func (s *Store) ListDueFallbacks(ctx context.Context, now time.Time, limit int) ([]otp.VerificationRef, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT app_id, id FROM verifications WHERE next_step_at > 0 AND next_step_at <= $1 AND status = $2
		ORDER BY next_step_at, id`+limitClause(limit),
		micros(now), string(otp.StatusPending))
	if err != nil {
		return nil, s.dbErr("list due fallbacks", err)
	}
	defer rows.Close()
	var out []otp.VerificationRef
	for rows.Next() {
		var r otp.VerificationRef
		if err := rows.Scan(&r.AppID, &r.ID); err != nil {
			return nil, s.dbErr("list due fallbacks", err)
		}
		out = append(out, r)
	}
	return out, s.dbErr("list due fallbacks", rows.Err())
}
