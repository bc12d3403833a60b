package sqlstore

import (
	"context"
	"fmt"

	"github.com/otpd/otpd/internal/otp"
)

// CreateProjectWithQuota inserts p unless its owner owns max projects
// already (ErrConflict). The owner's row is locked first (on PostgreSQL;
// SQLite has one writer), so two creations cannot both count max-1 and
// both insert. An unknown owner is ErrNotFound.
func (s *Store) CreateProjectWithQuota(ctx context.Context, p *otp.Project, max int) error {
	policy, err := encodePolicy(p.Policy)
	if err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	fraud, err := encodeFraud(p.Fraud)
	if err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var found string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM developers WHERE id = $1`+s.d.ForUpdate, p.OwnerID).Scan(&found); err != nil {
			return s.dbErr("create project", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM projects WHERE owner_id = $1`, p.OwnerID).Scan(&n); err != nil {
			return s.dbErr("create project", err)
		}
		if n >= max {
			return fmt.Errorf("create project: the owner has %d projects: %w", n, otp.ErrConflict)
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO projects (`+projectColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, p.Name, p.Description, policy, micros(p.CreatedAt), micros(p.UpdatedAt), p.OwnerID, encodePendingTemplates(p.PendingTemplates), fraud)
		return s.dbErr("create project", err)
	})
}

// CreateApplicationWithQuota inserts a unless its project has max
// applications already (ErrConflict), counted and inserted under the
// project's row lock as CreateProjectWithQuota does. An unknown project is
// ErrNotFound.
func (s *Store) CreateApplicationWithQuota(ctx context.Context, a *otp.Application, max int) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var found string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM projects WHERE id = $1`+s.d.ForUpdate, a.ProjectID).Scan(&found); err != nil {
			return s.dbErr("create application", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM applications WHERE project_id = $1`, a.ProjectID).Scan(&n); err != nil {
			return s.dbErr("create application", err)
		}
		if n >= max {
			return fmt.Errorf("create application: the project has %d applications: %w", n, otp.ErrConflict)
		}
		return s.dbErr("create application", insertApplication(ctx, tx, a))
	})
}
