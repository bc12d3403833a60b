package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

const developerColumns = `id, email, name, company, password_hash, max_projects, max_apps_per_project, created_at, updated_at, monthly_sends,
	virtual_phone_number, status, sessions_valid_after, plan_untrusted`

func scanDeveloper(row interface{ Scan(...any) error }) (*otp.Developer, error) {
	var (
		d                otp.Developer
		created, updated int64
		validAfter       int64
		untrusted        int
	)
	if err := row.Scan(&d.ID, &d.Email, &d.Name, &d.Company, &d.PasswordHash, &d.Plan.MaxProjects, &d.Plan.MaxAppsPerProject,
		&created, &updated, &d.Plan.MonthlySends, &d.VirtualPhoneNumber, &d.Status, &validAfter, &untrusted); err != nil {
		return nil, err
	}
	d.Plan.Untrusted = untrusted != 0
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	d.SessionsValidAfter = fromMicros(validAfter)
	return &d, nil
}

// CreateDeveloper inserts d; a taken email is ErrConflict.
func (s *Store) CreateDeveloper(ctx context.Context, d *otp.Developer) error {
	return s.dbErr("create developer", s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		return insertDeveloper(ctx, tx, d)
	}))
}

// CreateDeveloperWithInvitation uses up the unused invitation of
// tokenHash at at and inserts d, in one transaction: an unknown or used
// invitation is ErrNotFound and a taken email ErrConflict, and then
// neither is written, so a failed account creation leaves the invitation
// usable.
func (s *Store) CreateDeveloperWithInvitation(ctx context.Context, d *otp.Developer, tokenHash []byte, at time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at = 0`, tokenHash, micros(at))
		if err != nil {
			return s.dbErr("use invitation", err)
		}
		if err := rowsOrNotFound(res, "use invitation"); err != nil {
			return fmt.Errorf("use invitation: %w", err)
		}
		return s.dbErr("create developer", insertDeveloper(ctx, tx, d))
	})
}

// insertDeveloper writes the row of a new account.
func insertDeveloper(ctx context.Context, tx *txRunner, d *otp.Developer) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO developers (`+developerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		d.ID, d.Email, d.Name, d.Company, d.PasswordHash, d.Plan.MaxProjects, d.Plan.MaxAppsPerProject,
		micros(d.CreatedAt), micros(d.UpdatedAt), d.Plan.MonthlySends, d.VirtualPhoneNumber,
		string(cmp.Or(d.Status, otp.DeveloperActive)), micros(d.SessionsValidAfter), boolInt(d.Plan.Untrusted))
	return err
}

// GetDeveloper returns the developer id, or ErrNotFound.
func (s *Store) GetDeveloper(ctx context.Context, id string) (*otp.Developer, error) {
	d, err := scanDeveloper(s.reader.QueryRowContext(ctx, `SELECT `+developerColumns+` FROM developers WHERE id = $1`, id))
	if err != nil {
		return nil, s.dbErr("get developer", err)
	}
	return d, nil
}

// GetDeveloperByEmail returns the developer of a lower-cased email, or ErrNotFound.
func (s *Store) GetDeveloperByEmail(ctx context.Context, email string) (*otp.Developer, error) {
	d, err := scanDeveloper(s.reader.QueryRowContext(ctx, `SELECT `+developerColumns+` FROM developers WHERE email = $1`, email))
	if err != nil {
		return nil, s.dbErr("get developer", err)
	}
	return d, nil
}

// UpdateDeveloper writes d's profile, plan and virtual phone number back;
// not the password, the status or the session revocation, which have
// methods of their own (developer_control.go), so that a profile edit
// that read the row before one of those changes cannot undo it.
func (s *Store) UpdateDeveloper(ctx context.Context, d *otp.Developer) error {
	res, err := s.writeExec(ctx,
		`UPDATE developers SET name = $2, company = $3, max_projects = $4, max_apps_per_project = $5,
			updated_at = $6, monthly_sends = $7, virtual_phone_number = $8, plan_untrusted = $9 WHERE id = $1`,
		d.ID, d.Name, d.Company, d.Plan.MaxProjects, d.Plan.MaxAppsPerProject, micros(d.UpdatedAt), d.Plan.MonthlySends,
		d.VirtualPhoneNumber, boolInt(d.Plan.Untrusted))
	if err != nil {
		return s.dbErr("update developer", err)
	}
	return rowsOrNotFound(res, "update developer")
}

// CreateSession inserts sess.
func (s *Store) CreateSession(ctx context.Context, sess *otp.Session) error {
	_, err := s.writeExec(ctx,
		`INSERT INTO sessions (token_hash, developer_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		sess.TokenHash, sess.DeveloperID, micros(sess.CreatedAt), micros(sess.ExpiresAt))
	return s.dbErr("create session", err)
}

// GetSession returns the session of a token hash, or ErrNotFound.
func (s *Store) GetSession(ctx context.Context, tokenHash []byte) (*otp.Session, error) {
	sess := otp.Session{TokenHash: tokenHash}
	var created, expires int64
	err := s.reader.QueryRowContext(ctx,
		`SELECT developer_id, created_at, expires_at FROM sessions WHERE token_hash = $1`, tokenHash).
		Scan(&sess.DeveloperID, &created, &expires)
	if err != nil {
		return nil, s.dbErr("get session", err)
	}
	sess.CreatedAt, sess.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &sess, nil
}

// DeleteSession removes a session, or returns ErrNotFound.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	res, err := s.writeExec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	if err != nil {
		return fmt.Errorf("delete session: %w", s.dbErr("delete session", err))
	}
	return rowsOrNotFound(res, "delete session")
}

// CreateInvitation inserts inv.
func (s *Store) CreateInvitation(ctx context.Context, inv *otp.Invitation) error {
	_, err := s.writeExec(ctx,
		`INSERT INTO invitations (token_hash, email, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5)`,
		inv.TokenHash, inv.Email, micros(inv.CreatedAt), micros(inv.ExpiresAt), micros(inv.UsedAt))
	return s.dbErr("create invitation", err)
}

// GetInvitation returns the invitation of a token hash, or ErrNotFound.
func (s *Store) GetInvitation(ctx context.Context, tokenHash []byte) (*otp.Invitation, error) {
	inv := otp.Invitation{TokenHash: tokenHash}
	var created, expires, used int64
	err := s.reader.QueryRowContext(ctx,
		`SELECT email, created_at, expires_at, used_at FROM invitations WHERE token_hash = $1`, tokenHash).
		Scan(&inv.Email, &created, &expires, &used)
	if err != nil {
		return nil, s.dbErr("get invitation", err)
	}
	inv.CreatedAt, inv.ExpiresAt, inv.UsedAt = fromMicros(created), fromMicros(expires), fromMicros(used)
	return &inv, nil
}

// UseInvitation marks an unused invitation used, or returns ErrNotFound.
func (s *Store) UseInvitation(ctx context.Context, tokenHash []byte, at time.Time) error {
	res, err := s.writeExec(ctx, `UPDATE invitations SET used_at = $2 WHERE token_hash = $1 AND used_at = 0`, tokenHash, micros(at))
	if err != nil {
		return s.dbErr("use invitation", err)
	}
	return rowsOrNotFound(res, "use invitation")
}

// DeleteExpiredSessions removes sessions that expired before before.
func (s *Store) DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error) {
	res, err := s.writeExec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, micros(before))
	if err != nil {
		return 0, s.dbErr("delete expired sessions", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ListDevelopers returns every account, newest first.
func (s *Store) ListDevelopers(ctx context.Context) ([]*otp.Developer, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+developerColumns+` FROM developers ORDER BY id DESC`)
	if err != nil {
		return nil, s.dbErr("list developers", err)
	}
	defer rows.Close()
	var out []*otp.Developer
	for rows.Next() {
		d, err := scanDeveloper(rows)
		if err != nil {
			return nil, s.dbErr("list developers", err)
		}
		out = append(out, d)
	}
	return out, s.dbErr("list developers", rows.Err())
}
