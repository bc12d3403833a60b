package otp

import "context"

// SetOperatorDisabled sets or clears the operator's hold on an
// application; only the operator may. It is a switch of its own beside
// the owner's status, which the owner can change as before: while the
// hold is on, every call with the application's keys is refused
// (FORBIDDEN, operator_disabled) whatever the status says.
// It is written alone, so an owner's concurrent edit of the application
// cannot undo it. Errors: FORBIDDEN, NOT_FOUND.
func (s *Service) SetOperatorDisabled(ctx context.Context, id string, disabled bool) (*Application, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	err := s.store.SetApplicationOperatorDisabled(ctx, id, disabled, s.clock.Now())
	s.cache.forgetApp(id)
	if err != nil {
		return nil, s.notFound(err, "application")
	}
	return s.GetApplication(ctx, id)
}
