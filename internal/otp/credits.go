package otp

import (
	"context"
	"fmt"
)

// ParseAmount reads an amount of a request, naming the field at fault.
func ParseAmount(amount, currency string) (Money, error) {
	if _, err := ParseMoney("0", currency); err != nil {
		return Money{}, invalidField("currency", "invalid_amount", err.Error())
	}
	m, err := ParseMoney(amount, currency)
	if err != nil {
		return Money{}, invalidField("amount", "invalid_amount", err.Error())
	}
	return m, nil
}

// AddCredits tops up a project's balance (and turns it on: from then on
// its live applications' sends need a positive balance).
func (s *Service) AddCredits(ctx context.Context, projectID string, amount Money) (*Project, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	if amount.Micros <= 0 {
		return nil, invalidField("amount", "out_of_range", "amount must be positive")
	}
	p, err := s.store.AddCredits(ctx, projectID, amount)
	s.cache.forgetProject(projectID)
	if err != nil {
		return nil, s.notFound(err, "project")
	}
	return p, nil
}

// checkCredits refuses a live send when the project's balance is used up.
// The balance is charged by the event consumer, about a second after a
// message is sent, and read through the project cache: a burst can
// overshoot by the messages of those seconds.
func checkCredits(p *Project, a *Application) error {
	if p.Credits == nil || a.Environment != Live || p.Credits.Micros > 0 {
		return nil
	}
	return &Error{Code: CodeInsufficientCredits, Key: "insufficient_credits",
		Message: fmt.Sprintf("The project's balance is used up (%s %s): add credits to send", p.Credits.Amount(), p.Credits.Currency)}
}
