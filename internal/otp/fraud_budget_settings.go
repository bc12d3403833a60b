package otp

import (
	"context"
	"time"
)

// SendBudgets returns the send budgets of a project the caller may
// manage. Errors: NOT_FOUND.
func (s *Service) SendBudgets(ctx context.Context, projectID string) (SendBudgets, error) {
	p, err := s.GetProject(ctx, projectID)
	if err != nil {
		return SendBudgets{}, err
	}
	return p.Fraud.Budgets, nil
}

// SetSendBudgets replaces the budgets a project's owner sets: the mode,
// the rules, the client-address and guess limits. Learnt is the
// detector's and stays as stored whatever in holds. DailySends is the
// operator's: a developer may send it back unchanged, and is refused a
// change (FORBIDDEN operator_only). Errors: NOT_FOUND, INVALID_PARAMETER,
// FORBIDDEN.
func (s *Service) SetSendBudgets(ctx context.Context, projectID string, in SendBudgets) (SendBudgets, error) {
	in.Learnt, in.LearntAt = nil, time.Time{} // the detector's, not the caller's
	if err := in.validate(); err != nil {
		return SendBudgets{}, err
	}
	p, err := s.updateFraud(ctx, projectID, func(f *FraudSettings) error {
		if in.DailySends != f.Budgets.DailySends {
			if err := requireOperator(ctx); err != nil {
				e := ErrorOf(err)
				e.Field = "dailySends"
				e.Message = "Only the operator may change dailySends, the project's sends a day"
				return e
			}
		}
		b := f.Budgets
		b.Mode, b.Rules, b.IPPerHour, b.GuessesPerHour, b.DailySends = in.Mode, in.Rules, in.IPPerHour, in.GuessesPerHour, in.DailySends
		f.Budgets = b
		return nil
	})
	if err != nil {
		return SendBudgets{}, err
	}
	return p.Fraud.Budgets, nil
}
