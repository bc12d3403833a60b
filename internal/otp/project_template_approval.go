package otp

import (
	"context"
	"slices"
	"time"
)

// PendingTemplates are template overrides waiting for the operator's
// approval.
type PendingTemplates struct {
	Templates []TemplateOverride
	// SubmittedAt is when the owner saved them; approving names it, so
	// the operator approves the texts they read, not ones saved since.
	SubmittedAt time.Time
}

// holdUnapprovedTemplates keeps the approved template overrides in use
// when an untrusted developer (Plan.Untrusted) changed them: a template
// is any text around the code, so a tenant the operator does not trust
// could otherwise send phishing under the operator's sender. The new
// overrides become the project's pending ones, replacing any pending
// before. Removing overrides needs no approval (otpd's own texts take
// their place), nor does the operator's own change.
func holdUnapprovedTemplates(ctx context.Context, p *Project, approved []TemplateOverride, now time.Time) {
	dev := principalOf(ctx).Developer
	saved := p.Policy.Messages.Templates
	if dev == nil || !dev.Plan.Untrusted || templatesWithin(saved, approved) {
		return
	}
	p.PendingTemplates = &PendingTemplates{Templates: saved, SubmittedAt: now.UTC().Truncate(time.Microsecond)}
	p.Policy.Messages.Templates = approved
}

// templatesWithin reports whether every override of saved is one of approved.
func templatesWithin(saved, approved []TemplateOverride) bool {
	for _, t := range saved {
		if !slices.Contains(approved, t) {
			return false
		}
	}
	return true
}

// ApprovePendingTemplates puts a project's pending template overrides in
// use; only the operator may. submittedAt must be the pending overrides'
// SubmittedAt: if the owner saved others since, they are not approved
// unread (CONFLICT pending_templates_changed). Errors: FORBIDDEN,
// NOT_FOUND, CONFLICT (no_pending_templates, pending_templates_changed).
func (s *Service) ApprovePendingTemplates(ctx context.Context, projectID string, submittedAt time.Time) (*Project, error) {
	return s.decidePendingTemplates(ctx, projectID, submittedAt, true)
}

// RejectPendingTemplates drops a project's pending template overrides;
// the approved ones stay in use. Only the operator may; errors as
// ApprovePendingTemplates.
func (s *Service) RejectPendingTemplates(ctx context.Context, projectID string, submittedAt time.Time) (*Project, error) {
	return s.decidePendingTemplates(ctx, projectID, submittedAt, false)
}

func (s *Service) decidePendingTemplates(ctx context.Context, projectID string, submittedAt time.Time, approve bool) (*Project, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	p, err := s.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	switch {
	case p.PendingTemplates == nil:
		return nil, conflict("no_pending_templates", "The project has no template overrides waiting for approval")
	case !p.PendingTemplates.SubmittedAt.Equal(submittedAt):
		return nil, conflict("pending_templates_changed",
			"The owner saved other template overrides since; read them and decide with their submittedAt")
	}
	if approve {
		p.Policy.Messages.Templates = p.PendingTemplates.Templates
		if err := p.Policy.Validate(); err != nil {
			return nil, err
		}
	}
	p.PendingTemplates = nil
	p.UpdatedAt = s.clock.Now()
	err = s.store.UpdateProject(ctx, p)
	s.cache.forgetProject(projectID)
	if err != nil {
		return nil, s.notFound(err, "project")
	}
	return p, nil
}
