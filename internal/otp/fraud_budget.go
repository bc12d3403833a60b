package otp

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// SendBudgets are the sends an hour and a day that are normal for a
// project, per country and per prefix: set by hand (Rules) or learnt from
// history by the pumping detector (Learnt, written by it alone; a Rule of
// the same scope wins). Beyond them a send is refused
// (SEND_BUDGET_EXCEEDED), or in monitor mode allowed and flagged.
// DailySends is the operator's bound on the project's sends a day
// (OTPD_DEFAULT_DAILY_SENDS for a new project); only the operator changes
// it. IPPerHour and GuessesPerHour bound the sends an hour of one client
// address and the wrong codes an hour of one destination.
type SendBudgets struct {
	// Mode is BudgetEnforce ("" too) or BudgetMonitor.
	Mode   BudgetMode   `json:"mode,omitempty"`
	Rules  []BudgetRule `json:"rules,omitempty"`
	Learnt []BudgetRule `json:"learnt,omitempty"`
	// LearntAt is when the detector last wrote Learnt.
	LearntAt time.Time `json:"learntAt,omitzero"`
	// DailySends bounds the project's sends a day; 0 is no bound.
	DailySends int `json:"dailySends,omitempty"`
	// IPPerHour bounds the sends an hour from one client address (an
	// IPv4 address or an IPv6 /64) when the caller passes it; 0 is
	// DefaultIPSendsPerHour.
	IPPerHour int `json:"ipPerHour,omitempty"`
	// GuessesPerHour is the wrong codes an hour one destination may take
	// across its verifications before it is blocked for an hour; 0 is
	// DefaultGuessesPerHour.
	GuessesPerHour int `json:"guessesPerHour,omitempty"`
}

// Defaults and bounds of the send budgets.
const (
	DefaultIPSendsPerHour = 10
	DefaultGuessesPerHour = 15
	// DefaultDailySends is a new project's DailySends when the operator
	// sets no OTPD_DEFAULT_DAILY_SENDS.
	DefaultDailySends = 1000
	// MaxBudget bounds every count of the budgets: larger is a typo.
	MaxBudget = 100_000_000
	// GuessBlock is how long a destination whose guess budget is spent
	// is refused new verifications.
	GuessBlock = time.Hour
)

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

// scope names the rule's scope in a counter key and an error.
func (r BudgetRule) scope() (kind, value string) {
	if r.Prefix != "" {
		return "prefix", r.Prefix
	}
	return "country", r.Country
}

// ipPerHour and guessesPerHour are the settings with their defaults.
func (b SendBudgets) ipPerHour() int      { return cmpOr(b.IPPerHour, DefaultIPSendsPerHour) }
func (b SendBudgets) guessesPerHour() int { return cmpOr(b.GuessesPerHour, DefaultGuessesPerHour) }

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// monitor says budgets flag rather than refuse.
func (b SendBudgets) monitor() bool { return b.Mode == BudgetMonitor }

// rulesFor returns the rules that apply to d: its country's and every
// prefix of its number's, each from Rules or, for a scope without a Rule,
// from Learnt.
func (b SendBudgets) rulesFor(d Destination) []BudgetRule {
	if !d.IsPhone {
		return nil
	}
	var out []BudgetRule
	ruled := map[string]bool{}
	for _, set := range [][]BudgetRule{b.Rules, b.Learnt} {
		var next []string
		for _, r := range set {
			if !(r.Country != "" && r.Country == d.Country || r.Prefix != "" && strings.HasPrefix(d.Value, r.Prefix)) {
				continue
			}
			kind, value := r.scope()
			if ruled[kind+value] {
				continue
			}
			next = append(next, kind+value)
			out = append(out, r)
		}
		for _, k := range next {
			ruled[k] = true
		}
	}
	return out
}

func (b SendBudgets) validate() error {
	var errs []error
	switch b.Mode {
	case "", BudgetEnforce, BudgetMonitor:
	default:
		errs = append(errs, invalidField("mode", "invalid_budget_mode", "mode must be enforce or monitor"))
	}
	bounded := func(field string, v int) {
		if v < 0 || v > MaxBudget {
			errs = append(errs, invalidField(field, "out_of_range", fmt.Sprintf("%s must be between 0 and %d", field, MaxBudget)))
		}
	}
	bounded("dailySends", b.DailySends)
	bounded("ipPerHour", b.IPPerHour)
	bounded("guessesPerHour", b.GuessesPerHour)
	errs = append(errs, validateRules("rules", b.Rules), validateRules("learnt", b.Learnt))
	return errors.Join(errs...)
}

// validateRules checks each rule names one scope once, with a count.
func validateRules(field string, rules []BudgetRule) error {
	if len(rules) > 500 {
		return invalidField(field, "too_many", field+" may hold at most 500 rules")
	}
	seen := map[string]bool{}
	for i, r := range rules {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case (r.Country == "") == (r.Prefix == ""):
			return invalidField(f, "budget_scope", "a budget rule names either a country or a prefix")
		case r.Country != "" && !isRegionCode(r.Country):
			return invalidField(f+".country", "invalid_country", "country must be an ISO 3166 code of two capital letters, such as GB")
		case r.Prefix != "" && !isBudgetPrefix(r.Prefix):
			return invalidField(f+".prefix", "invalid_prefix", "prefix must be + and 3 to 7 digits, such as +4477")
		case r.PerHour < 0 || r.PerHour > MaxBudget || r.PerDay < 0 || r.PerDay > MaxBudget:
			return invalidField(f, "out_of_range", fmt.Sprintf("perHour and perDay must be between 0 and %d", MaxBudget))
		case r.PerHour == 0 && r.PerDay == 0:
			return invalidField(f, "budget_empty", "a budget rule needs perHour, perDay or both")
		}
		kind, value := r.scope()
		if seen[kind+value] {
			return invalidField(f, "duplicate_scope", "two rules name "+value)
		}
		seen[kind+value] = true
	}
	return nil
}

func isRegionCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// isBudgetPrefix says s is an E.164 prefix of 3–7 digits.
func isBudgetPrefix(s string) bool {
	digits, ok := strings.CutPrefix(s, "+")
	if !ok || len(digits) < 3 || len(digits) > 7 || digits[0] == '0' {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
