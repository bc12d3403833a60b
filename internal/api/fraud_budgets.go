package api

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// sendBudgetsRequest replaces a project's send budgets (PUT). learnt is
// not here: it is the pumping detector's.
type sendBudgetsRequest struct {
	Mode           string           `json:"mode" enum:"enforce,monitor" description:"enforce (the default) refuses a send beyond a country or prefix budget (429 SEND_BUDGET_EXCEEDED); monitor sends it and emits fraud.flagged"`
	Rules          []budgetRuleView `json:"rules" description:"Budgets set by hand, one per country or prefix; a rule wins over a learnt budget of the same scope"`
	DailySends     int              `json:"dailySends" description:"The project's sends a day; 0 is no bound. Only the operator may change it: a developer sends it back unchanged"`
	IPPerHour      int              `json:"ipPerHour" description:"Sends an hour from one client address (remoteIp; an IPv6 /64 is one address); 0 is the default, 10"`
	GuessesPerHour int              `json:"guessesPerHour" description:"Wrong codes an hour one destination may take across its verifications before it is refused new ones for an hour (429 GUESS_BUDGET_EXCEEDED); 0 is the default, 15"`
	// Learnt lets a client send back the budgets it read; they are
	// ignored, being the detector's.
	Learnt []budgetRuleView `json:"learnt,omitempty" description:"Ignored: learnt budgets are written by the pumping detector only"`
	// LearntAt is ignored likewise.
	LearntAt *time.Time `json:"learntAt,omitempty" description:"Ignored, as learnt"`
}

// budgetRuleView is the normal volume of one country or prefix.
type budgetRuleView struct {
	Country string `json:"country,omitempty" description:"ISO 3166 code of two capital letters, e.g. GB; or give prefix"`
	Prefix  string `json:"prefix,omitempty" description:"E.164 prefix of 3 to 7 digits, e.g. +4477; or give country"`
	PerHour int    `json:"perHour,omitempty" description:"Sends an hour; 0 is no hourly budget"`
	PerDay  int    `json:"perDay,omitempty" description:"Sends a day; 0 is no daily budget"`
}

// sendBudgetsView is a project's send budgets.
type sendBudgetsView struct {
	Mode           string           `json:"mode" enum:"enforce,monitor"`
	Rules          []budgetRuleView `json:"rules"`
	Learnt         []budgetRuleView `json:"learnt" description:"Budgets the pumping detector learnt from history (read-only); they apply to a scope without a rule"`
	LearntAt       *time.Time       `json:"learntAt" description:"When the detector last wrote learnt"`
	DailySends     int              `json:"dailySends" description:"The project's sends a day (the operator's); 0 is no bound"`
	IPPerHour      int              `json:"ipPerHour" description:"Sends an hour from one client address, the default applied"`
	GuessesPerHour int              `json:"guessesPerHour" description:"Wrong codes an hour one destination may take, the default applied"`
}

func newSendBudgetsView(b otp.SendBudgets) sendBudgetsView {
	v := sendBudgetsView{Mode: string(b.Mode), Rules: rulesView(b.Rules), Learnt: rulesView(b.Learnt),
		DailySends: b.DailySends, IPPerHour: b.IPPerHour, GuessesPerHour: b.GuessesPerHour}
	if v.Mode == "" {
		v.Mode = string(otp.BudgetEnforce)
	}
	if v.IPPerHour == 0 {
		v.IPPerHour = otp.DefaultIPSendsPerHour
	}
	if v.GuessesPerHour == 0 {
		v.GuessesPerHour = otp.DefaultGuessesPerHour
	}
	if !b.LearntAt.IsZero() {
		at := b.LearntAt.UTC()
		v.LearntAt = &at
	}
	return v
}

func rulesView(rs []otp.BudgetRule) []budgetRuleView {
	out := make([]budgetRuleView, len(rs))
	for i, r := range rs {
		out[i] = budgetRuleView(r)
	}
	return out
}

func (s *Server) getSendBudgets(w http.ResponseWriter, r *http.Request) error {
	b, err := s.svc.SendBudgets(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newSendBudgetsView(b))
	return nil
}

func (s *Server) setSendBudgets(w http.ResponseWriter, r *http.Request) error {
	var req sendBudgetsRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	in := otp.SendBudgets{Mode: otp.BudgetMode(req.Mode), DailySends: req.DailySends, IPPerHour: req.IPPerHour, GuessesPerHour: req.GuessesPerHour}
	for _, rule := range req.Rules {
		in.Rules = append(in.Rules, otp.BudgetRule(rule))
	}
	b, err := s.svc.SetSendBudgets(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newSendBudgetsView(b))
	return nil
}
