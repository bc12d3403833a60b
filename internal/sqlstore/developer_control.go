package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// SetDeveloperStatus sets a developer's status, or returns ErrNotFound.
func (s *Store) SetDeveloperStatus(ctx context.Context, id string, st otp.DeveloperStatus, at time.Time) error {
	res, err := s.writeExec(ctx, `UPDATE developers SET status = $2, updated_at = $3 WHERE id = $1`, id, string(st), micros(at))
	if err != nil {
		return s.dbErr("set developer status", err)
	}
	return rowsOrNotFound(res, "set developer status")
}

// DeleteDeveloper deletes a developer without projects, with their
// sessions and password resets. The developer's row is locked before the
// projects are counted.
func (s *Store) DeleteDeveloper(ctx context.Context, id string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var found string
		err := tx.QueryRowContext(ctx, `SELECT id FROM developers WHERE id = $1`+s.d.ForUpdate, id).Scan(&found)
		if err != nil {
			return s.dbErr("delete developer", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM projects WHERE owner_id = $1`, id).Scan(&n); err != nil {
			return s.dbErr("delete developer", err)
		}
		if n > 0 {
			return fmt.Errorf("delete developer: %d projects left: %w", n, otp.ErrConflict)
		}
		for _, q := range []string{
			`DELETE FROM sessions WHERE developer_id = $1`,
			`DELETE FROM password_resets WHERE developer_id = $1`,
			`DELETE FROM developers WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return s.dbErr("delete developer", err)
			}
		}
		return nil
	})
}

// RevokeSessions dates the developer's revocation at and deletes the
// sessions created before it.
func (s *Store) RevokeSessions(ctx context.Context, developerID string, at time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		return s.revokeSessions(ctx, tx, developerID, at)
	})
}

func (s *Store) revokeSessions(ctx context.Context, tx *txRunner, developerID string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE developers SET sessions_valid_after = $2 WHERE id = $1`, developerID, micros(at))
	if err != nil {
		return s.dbErr("revoke sessions", err)
	}
	if err := rowsOrNotFound(res, "revoke sessions"); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE developer_id = $1 AND created_at < $2`, developerID, micros(at))
	return s.dbErr("revoke sessions", err)
}

// SetPassword writes a developer's password hash, revokes their sessions
// at at and deletes their password resets, in one transaction.
func (s *Store) SetPassword(ctx context.Context, developerID, passwordHash string, at time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		return s.setPassword(ctx, tx, developerID, passwordHash, at)
	})
}

func (s *Store) setPassword(ctx context.Context, tx *txRunner, developerID, passwordHash string, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE developers SET password_hash = $2, updated_at = $3 WHERE id = $1`,
		developerID, passwordHash, micros(at))
	if err != nil {
		return s.dbErr("set password", err)
	}
	if err := rowsOrNotFound(res, "set password"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE developer_id = $1`, developerID); err != nil {
		return s.dbErr("set password", err)
	}
	return s.revokeSessions(ctx, tx, developerID, at)
}

// CreatePasswordReset inserts r in place of the developer's other
// password resets; ErrNotFound if the developer is unknown.
func (s *Store) CreatePasswordReset(ctx context.Context, r *otp.PasswordReset) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var found string
		err := tx.QueryRowContext(ctx, `SELECT id FROM developers WHERE id = $1`+s.d.ForUpdate, r.DeveloperID).Scan(&found)
		if err != nil {
			return s.dbErr("create password reset", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE developer_id = $1`, r.DeveloperID); err != nil {
			return s.dbErr("create password reset", err)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO password_resets (token_hash, developer_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)`,
			r.TokenHash, r.DeveloperID, micros(r.CreatedAt), micros(r.ExpiresAt), micros(r.UsedAt))
		return s.dbErr("create password reset", err)
	})
}

// GetPasswordReset returns the password reset of a token hash, or ErrNotFound.
func (s *Store) GetPasswordReset(ctx context.Context, tokenHash []byte) (*otp.PasswordReset, error) {
	r := otp.PasswordReset{TokenHash: tokenHash}
	var created, expires, used int64
	err := s.reader.QueryRowContext(ctx,
		`SELECT developer_id, created_at, expires_at, used_at FROM password_resets WHERE token_hash = $1`, tokenHash).
		Scan(&r.DeveloperID, &created, &expires, &used)
	if err != nil {
		return nil, s.dbErr("get password reset", err)
	}
	r.CreatedAt, r.ExpiresAt, r.UsedAt = fromMicros(created), fromMicros(expires), fromMicros(used)
	return &r, nil
}

// RedeemPasswordReset uses up the reset with UPDATE … RETURNING, which
// one of concurrent redemptions wins on either engine, then sets the
// password in the same transaction. The used row is deleted with the
// developer's other resets by setPassword.
func (s *Store) RedeemPasswordReset(ctx context.Context, tokenHash []byte, at time.Time, passwordHash string) (string, error) {
	var devID string
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		err := tx.QueryRowContext(ctx,
			`UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at = 0 AND expires_at > $2 RETURNING developer_id`,
			tokenHash, micros(at)).Scan(&devID)
		if err != nil {
			return s.dbErr("redeem password reset", err)
		}
		return s.setPassword(ctx, tx, devID, passwordHash, at)
	})
	if err != nil {
		return "", err
	}
	return devID, nil
}
