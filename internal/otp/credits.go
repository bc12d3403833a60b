package otp

import (
	"context"
	"fmt"
)

// Charge is what some sent messages cost a project's balance.
type Charge struct {
	ProjectID string
	Cost      Money
}

// chargesOf adds up the cost of the sent messages among events by project.
func (s *Service) chargesOf(ctx context.Context, events []Event) ([]Charge, error) {
	byProject := map[string]*Charge{}
	var out []Charge
	var order []string
	for _, e := range events {
		if e.Type != EventSent || e.Cost.Micros == 0 {
			continue
		}
		a, err := s.applicationByID(ctx, e.AppID)
		if isCode(err, CodeNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c := byProject[a.ProjectID]
		if c == nil {
			c = &Charge{ProjectID: a.ProjectID}
			byProject[a.ProjectID] = c
			order = append(order, a.ProjectID)
		}
		if sum, err := c.Cost.Add(e.Cost); err == nil {
			c.Cost = sum
		}
	}
	for _, id := range order {
		out = append(out, *byProject[id])
	}
	return out, nil
}

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
