package otp

import (
	"context"
	"fmt"
	"time"
)

// DeveloperStatus is whether the operator lets a developer act.
type DeveloperStatus string

// Developer statuses.
const (
	DeveloperActive    DeveloperStatus = "active"
	DeveloperSuspended DeveloperStatus = "suspended"
)

// developerSuspended is what a suspended developer gets, at the console
// and through the API keys of their applications; details.reason on the
// wire tells it from other refusals.
func developerSuspended() *Error {
	return &Error{Code: CodeForbidden, Key: "developer_suspended", Params: map[string]any{"reason": "developer_suspended"},
		Message: "The developer account is suspended by the operator"}
}

// SetDeveloperStatus suspends or reactivates a developer; only the
// operator may. A suspension takes effect at once on this instance (on
// others sharing the database within Limits.ReadCacheTTL for API keys;
// console requests read the account every time): the developer's
// sessions and ID tokens are refused and so are the API keys and public
// keys of the applications of their projects. Their data is kept.
// Errors: FORBIDDEN, NOT_FOUND, INVALID_PARAMETER.
func (s *Service) SetDeveloperStatus(ctx context.Context, id string, st DeveloperStatus) (*Developer, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	if st != DeveloperActive && st != DeveloperSuspended {
		return nil, invalidField("status", "invalid_status", "status must be active or suspended")
	}
	now := s.clock.Now()
	err := s.store.SetDeveloperStatus(ctx, id, st, now)
	s.cache.forgetDeveloper(id)
	if err != nil {
		return nil, s.notFound(err, "developer")
	}
	return s.GetDeveloper(ctx, id)
}

// DeleteDeveloper deletes a developer's account with its sessions and
// password-reset links; only the operator may. It is refused (CONFLICT,
// developer_has_projects) while the developer owns projects: their
// applications, verifications and balances are not deleted as a side
// effect; the operator deletes or keeps them first. Suspend the developer
// before, so that no project is created meanwhile. Errors: FORBIDDEN,
// NOT_FOUND, CONFLICT.
func (s *Service) DeleteDeveloper(ctx context.Context, id string) error {
	if err := requireOperator(ctx); err != nil {
		return err
	}
	err := s.store.DeleteDeveloper(ctx, id)
	s.cache.forgetDeveloper(id)
	switch {
	case isCode(err, CodeConflict):
		return conflict("developer_has_projects", "The developer still owns projects; delete them first")
	case err != nil:
		return s.notFound(err, "developer")
	}
	return nil
}

// RevokeSessions ends every console session of developer id at once, and
// refuses ID tokens issued before now; only the operator may. Errors:
// FORBIDDEN, NOT_FOUND.
func (s *Service) RevokeSessions(ctx context.Context, id string) error {
	if err := requireOperator(ctx); err != nil {
		return err
	}
	return s.notFound(s.store.RevokeSessions(ctx, id, s.revocationTime()), "developer")
}

// revocationTime is when a revocation made now dates the sessions valid
// after: the next microsecond (the store's precision), so that a session
// created in the very microsecond of the revocation ends too, while the
// new session a password change gives, dated at it, is valid.
func (s *Service) revocationTime() time.Time {
	return s.clock.Now().Truncate(time.Microsecond).Add(time.Microsecond)
}

// RevokeMySessions ends every console session of the signed-in developer,
// the one in use included. Errors: FORBIDDEN (the operator has none).
func (s *Service) RevokeMySessions(ctx context.Context) error {
	me, err := s.Me(ctx)
	if err != nil {
		return err
	}
	return s.notFound(s.store.RevokeSessions(ctx, me.ID, s.revocationTime()), "developer")
}

// checkDeveloperAccess refuses a suspended developer and a credential
// (a session or an ID token) issued before their sessions were revoked.
// issued is when the credential was issued, at the precision it carries.
func checkDeveloperAccess(d *Developer, issued time.Time, precision time.Duration) error {
	if d.Status == DeveloperSuspended {
		return developerSuspended()
	}
	if !d.SessionsValidAfter.IsZero() && issued.Before(d.SessionsValidAfter.Truncate(precision)) {
		return invalidSession()
	}
	return nil
}

func invalidSession() *Error {
	return &Error{Code: CodeUnauthenticated, Key: "invalid_session", Message: "The session is unknown or has expired: sign in again"}
}

// ownerAllows refuses the API calls of an application whose project's
// owner is suspended, or no longer exists (a project left behind by a
// deletion that raced with its creation). The operator's own projects
// have no owner. Project and owner are read through the read cache.
func (s *Service) ownerAllows(ctx context.Context, a *Application) error {
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return fmt.Errorf("project of %s: %w", a.ID, err)
	}
	if p.OwnerID == "" {
		return nil
	}
	st, err := s.developerStatus(ctx, p.OwnerID)
	if isCode(err, CodeNotFound) {
		return developerSuspended()
	}
	if err != nil {
		return fmt.Errorf("owner of %s: %w", a.ID, err)
	}
	if st != DeveloperActive {
		return developerSuspended()
	}
	return nil
}

// developerStatus is a developer's status through the read cache.
func (s *Service) developerStatus(ctx context.Context, id string) (DeveloperStatus, error) {
	now := s.clock.Now()
	if st, ok := s.cache.developerStatus(id, now); ok {
		return st, nil
	}
	gen := s.cache.generation()
	d, err := s.store.GetDeveloper(ctx, id)
	if err != nil {
		return "", err
	}
	s.cache.putDeveloperStatus(id, d.Status, gen, now)
	return d.Status, nil
}

// usable refuses the calls of an application that its owner disabled,
// that the operator holds disabled, or whose owner is suspended.
func (s *Service) usable(ctx context.Context, a *Application) error {
	if a.Status != AppActive {
		return &Error{Code: CodeForbidden, Key: "application_disabled", Message: "The application is disabled"}
	}
	if a.OperatorDisabled {
		return &Error{Code: CodeForbidden, Key: "operator_disabled", Params: map[string]any{"reason": "operator_disabled"},
			Message: "The application is disabled by the operator; its owner cannot enable it"}
	}
	return s.ownerAllows(ctx, a)
}
