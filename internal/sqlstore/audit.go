package sqlstore

import (
	"context"

	"github.com/otpd/otpd/internal/otp"
)

// AddAuditEntry inserts e.
func (s *Store) AddAuditEntry(ctx context.Context, e otp.AuditEntry) error {
	_, err := s.writeExec(ctx,
		`INSERT INTO audit_log (id, actor, action, target, status, remote_addr, user_agent, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.Actor, e.Action, e.Target, e.Status, e.RemoteAddr, e.UserAgent, micros(e.CreatedAt))
	return s.dbErr("add audit entry", err)
}

// ListAuditEntries returns entries newest first, after cursor if set.
func (s *Store) ListAuditEntries(ctx context.Context, cursor string, limit int) ([]otp.AuditEntry, error) {
	q := `SELECT id, actor, action, target, status, remote_addr, user_agent, created_at FROM audit_log`
	args := []any{limit}
	if cursor != "" {
		q += ` WHERE id < $2`
		args = append(args, cursor)
	}
	rows, err := s.reader.QueryContext(ctx, q+` ORDER BY id DESC LIMIT $1`, args...)
	if err != nil {
		return nil, s.dbErr("list audit entries", err)
	}
	defer rows.Close()
	var out []otp.AuditEntry
	for rows.Next() {
		var (
			e       otp.AuditEntry
			created int64
		)
		if err := rows.Scan(&e.ID, &e.Actor, &e.Action, &e.Target, &e.Status, &e.RemoteAddr, &e.UserAgent, &created); err != nil {
			return nil, s.dbErr("list audit entries", err)
		}
		e.CreatedAt = fromMicros(created)
		out = append(out, e)
	}
	return out, s.dbErr("list audit entries", rows.Err())
}
