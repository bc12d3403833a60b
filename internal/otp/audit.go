package otp

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry records one console action that changed something.
type AuditEntry struct {
	ID         string
	Actor      string // "admin" for the admin token, "developer:<id>" for a session, "application:<id>" for an API key
	Action     string // the route, e.g. "PATCH /v1/projects/{id}"
	Target     string // the path as called, e.g. "/v1/projects/prj_…"
	Status     int    // the HTTP status of the answer
	RemoteAddr string
	UserAgent  string
	CreatedAt  time.Time
}

// Bounds of what an audit entry keeps of a request.
const (
	maxAuditTarget    = 512
	maxAuditUserAgent = 256
)

// Audit records a console action of the caller in ctx. The entry is written after the action,
// in a transaction of its own: a failure to record is reported to the
// caller to log, and does not undo the action.
func (s *Service) Audit(ctx context.Context, e AuditEntry) error {
	e.ID, e.CreatedAt = NewID("aud"), s.clock.Now()
	if e.Actor == "" { // else the caller named it: "application:<id>" for an API key's call
		e.Actor = "admin"
		if dev := principalOf(ctx).Developer; dev != nil {
			e.Actor = "developer:" + dev.ID
		}
	}
	e.Target = truncate(e.Target, maxAuditTarget)
	e.UserAgent = truncate(e.UserAgent, maxAuditUserAgent)
	if err := s.store.AddAuditEntry(ctx, e); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditLog returns audit entries newest first, after cursor (an entry ID).
func (s *Service) AuditLog(ctx context.Context, cursor string, limit int) ([]AuditEntry, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	if limit < 1 || limit > 201 {
		return nil, invalidField("limit", "out_of_range", "limit must be between 1 and 200")
	}
	return s.store.ListAuditEntries(ctx, cursor, limit)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n]
}
