package otp

import "time"

// SendBudgets are the sends an hour and a day that are normal for a
// project, per country and per prefix: set by hand (Rules) or learnt from
// history by the pumping detector (Learnt, written by it alone). Beyond
// them a send is refused (SEND_BUDGET_EXCEEDED), or in monitor mode
// allowed and flagged. DailySends is the operator's bound on the
// project's sends a day (OTPD_DEFAULT_DAILY_SENDS for a new project); only
// the operator changes it. (Issue 16: filled in by the budget work.)
type SendBudgets struct {
	// Mode is BudgetEnforce ("" too) or BudgetMonitor.
	Mode   BudgetMode   `json:"mode,omitempty"`
	Rules  []BudgetRule `json:"rules,omitempty"`
	Learnt []BudgetRule `json:"learnt,omitempty"`
	// LearntAt is when the detector last wrote Learnt.
	LearntAt time.Time `json:"learntAt,omitzero"`
	// DailySends bounds the project's sends a day; 0 is no bound.
	DailySends int `json:"dailySends,omitempty"`
}

// BudgetMode says what a send beyond a budget meets.
type BudgetMode string

// Budget modes.
const (
	BudgetEnforce BudgetMode = "enforce"
	BudgetMonitor BudgetMode = "monitor"
)

// BudgetRule is the normal volume of one scope: a country (ISO 3166
// region) or an E.164 prefix of 3–7 digits ("+4477").
type BudgetRule struct {
	Country string `json:"country,omitempty"`
	Prefix  string `json:"prefix,omitempty"`
	PerHour int    `json:"perHour,omitempty"`
	PerDay  int    `json:"perDay,omitempty"`
}

func (b SendBudgets) validate() error { return nil }
