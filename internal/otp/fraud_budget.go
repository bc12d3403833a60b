package otp

// SendBudgets are the sends an hour and a day that are normal for a
// project, per country and per prefix. (Issue 16: filled in by the budget work.)
type SendBudgets struct{}

func (b SendBudgets) validate() error { return nil }
