package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/otpd/otpd/internal/otp"
)

// sealedColumns says where each kind of sealed value lives. A project's
// challenge secret is inside its policy's JSON instead (challengeJSON).
var sealedColumns = map[otp.SealedKind]struct{ table, column string }{
	otp.SealedCode:              {"verifications", "code_sealed"},
	otp.SealedInboxCode:         {"verifications", "inbox_code"},
	otp.SealedWebhookSecret:     {"applications", "webhook_secret_sealed"},
	otp.SealedPrevWebhookSecret: {"applications", "prev_webhook_secret_sealed"},
}

// ListSealedValues returns up to limit values of kind in the order of
// their rows' ids, after afterID.
func (s *Store) ListSealedValues(ctx context.Context, kind otp.SealedKind, afterID string, limit int) ([]otp.SealedValue, error) {
	if kind == otp.SealedChallengeSecret {
		return s.listChallengeSecrets(ctx, afterID, limit)
	}
	c, ok := sealedColumns[kind]
	if !ok {
		return nil, fmt.Errorf("list sealed values: unknown kind %q", kind)
	}
	extra := ""
	if kind == otp.SealedCode {
		extra = ", code_hash"
	}
	rows, err := s.reader.QueryContext(ctx,
		`SELECT id, `+c.column+extra+` FROM `+c.table+` WHERE `+c.column+` IS NOT NULL AND id > $1
		ORDER BY id`+limitClause(limit), afterID)
	if err != nil {
		return nil, s.dbErr("list sealed values", err)
	}
	defer rows.Close()
	var out []otp.SealedValue
	for rows.Next() {
		v := otp.SealedValue{Kind: kind}
		dst := []any{&v.ID, &v.Sealed}
		if kind == otp.SealedCode {
			dst = append(dst, &v.CodeHash)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, s.dbErr("list sealed values", err)
		}
		if len(v.Sealed) == 0 {
			continue
		}
		out = append(out, v)
	}
	return out, s.dbErr("list sealed values", rows.Err())
}

// listChallengeSecrets reads the sealed secrets out of the policies that
// have one; the LIKE only narrows the rows read, the JSON decides.
func (s *Store) listChallengeSecrets(ctx context.Context, afterID string, limit int) ([]otp.SealedValue, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT id, policy FROM projects WHERE policy LIKE '%"secretSealed"%' AND id > $1 ORDER BY id`+limitClause(limit), afterID)
	if err != nil {
		return nil, s.dbErr("list sealed values", err)
	}
	defer rows.Close()
	var out []otp.SealedValue
	for rows.Next() {
		var id, policy string
		if err := rows.Scan(&id, &policy); err != nil {
			return nil, s.dbErr("list sealed values", err)
		}
		sealed, err := challengeSecretOf(policy)
		if err != nil {
			return nil, fmt.Errorf("list sealed values: project %s: %w", id, err)
		}
		if len(sealed) > 0 {
			out = append(out, otp.SealedValue{Kind: otp.SealedChallengeSecret, ID: id, Sealed: sealed})
		}
	}
	return out, s.dbErr("list sealed values", rows.Err())
}

func challengeSecretOf(policy string) ([]byte, error) {
	var p policyJSON
	if err := json.Unmarshal([]byte(policy), &p); err != nil {
		return nil, err
	}
	if p.Challenge == nil {
		return nil, nil
	}
	return p.Challenge.SecretSealed, nil
}

// ReplaceSealedValue swaps cur's value for next's if the row still holds
// cur's: a compare-and-swap on the column (and, for a code, its hash).
func (s *Store) ReplaceSealedValue(ctx context.Context, cur, next otp.SealedValue) (bool, error) {
	if cur.Kind != next.Kind || cur.ID != next.ID || len(cur.Sealed) == 0 || len(next.Sealed) == 0 {
		return false, fmt.Errorf("replace sealed value: want two values of one row and kind")
	}
	if cur.Kind == otp.SealedChallengeSecret {
		return s.replaceChallengeSecret(ctx, cur, next)
	}
	c, ok := sealedColumns[cur.Kind]
	if !ok {
		return false, fmt.Errorf("replace sealed value: unknown kind %q", cur.Kind)
	}
	query := `UPDATE ` + c.table + ` SET ` + c.column + ` = $1 WHERE id = $2 AND ` + c.column + ` = $3`
	args := []any{next.Sealed, cur.ID, cur.Sealed}
	if cur.Kind == otp.SealedCode {
		if len(next.CodeHash) == 0 {
			return false, fmt.Errorf("replace sealed value: a code needs its new hash")
		}
		query = `UPDATE verifications SET code_sealed = $1, code_hash = $4 WHERE id = $2 AND code_sealed = $3`
		args = append(args, next.CodeHash)
	}
	res, err := s.writeExec(ctx, query, args...)
	if err != nil {
		return false, s.dbErr("replace sealed value", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("replace sealed value: %w", err)
	}
	return n == 1, nil
}

// replaceChallengeSecret rewrites only the secret inside the project's
// policy JSON, under the row's lock; every other key stays as stored.
func (s *Store) replaceChallengeSecret(ctx context.Context, cur, next otp.SealedValue) (bool, error) {
	replaced := false
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		replaced = false // a group commit may run fn again
		var policy string
		err := tx.QueryRowContext(ctx, `SELECT policy FROM projects WHERE id = $1`+s.d.ForUpdate, cur.ID).Scan(&policy)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return s.dbErr("replace sealed value", err)
		}
		var p map[string]json.RawMessage
		if err := json.Unmarshal([]byte(policy), &p); err != nil {
			return fmt.Errorf("replace sealed value: project %s: %w", cur.ID, err)
		}
		var c map[string]json.RawMessage
		if err := json.Unmarshal(p["challenge"], &c); err != nil {
			return nil // no challenge any more
		}
		var stored []byte
		if err := json.Unmarshal(c["secretSealed"], &stored); err != nil || !bytes.Equal(stored, cur.Sealed) {
			return nil
		}
		c["secretSealed"], _ = json.Marshal(next.Sealed) // bytes always encode
		if p["challenge"], err = json.Marshal(c); err != nil {
			return fmt.Errorf("replace sealed value: %w", err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("replace sealed value: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE projects SET policy = $1 WHERE id = $2`, string(b), cur.ID); err != nil {
			return s.dbErr("replace sealed value", err)
		}
		replaced = true
		return nil
	})
	return replaced, err
}
