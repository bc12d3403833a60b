package otp

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The send path's counters (issue 16): the destination's sends a minute,
// the client address's sends an hour, the project's sends a day, the
// country and prefix budgets, and the destination's guess block. They
// are gathered into one batch (Limiter.AllowAll) so that they cost one
// round trip to a shared limiter, and a send refused by one of them
// counts against none.

const day = 24 * time.Hour

// plannedSend is one send a batch counts.
type plannedSend struct {
	Dest Destination
	// Channel is the send's channel, and Step its fallback step (0: the
	// first send), which the screens need.
	Channel Channel
	Step    int
	// Later is a fallback step screened when its verification is made:
	// its destination's limit counts now (the workflow holds a send to
	// it), its budgets when the step is sent.
	Later bool
	// NoGuessBlock leaves out the guess block: a resend of a
	// verification that exists already.
	NoGuessBlock bool
}

// budgetTake is a take with what its refusal means.
type budgetTake struct {
	Take
	refusal func(d Decision) *Error
	// flag names the budget in a monitor-mode flag; nil for the takes
	// monitor mode does not soften. A function, since the name is
	// formatted only for a budget gone beyond, not for every send.
	flag func() string
}

// countSends counts the sends of one request in one batch, or refuses
// them all: RATE_LIMITED (destination_rate_limited),
// SEND_BUDGET_EXCEEDED, GUESS_BUDGET_EXCEEDED. remoteIP is the end user's
// address, "" when the caller did not give it. Test numbers count
// nothing; safelisted destinations skip the budgets only. It returns the
// budgets a monitor-mode project went beyond (already logged).
func (s *Service) countSends(ctx context.Context, a *Application, p *Project, remoteIP string, sends []plannedSend) ([]string, error) {
	var takes []budgetTake
	seen := map[string]bool{}
	add := func(t budgetTake) {
		takes = append(takes, t)
	}
	f := &p.Fraud
	b := f.Budgets
	counted := false // whether a send goes out now
	for _, sd := range sends {
		if _, ok := f.testCode(sd.Dest); ok {
			continue
		}
		key := sd.Dest.limitKey()
		if !seen[key] {
			seen[key] = true
			add(budgetTake{Take: Take{Key: "dest:" + a.ID + ":" + key, Limit: Limit{Count: p.Policy.SendsPerMinute, Period: time.Minute}},
				refusal: func(d Decision) *Error {
					return rateLimited("destination_rate_limited", "Too many codes sent to this destination; try again later", d.RetryAfter)
				}})
			if !sd.NoGuessBlock {
				add(budgetTake{Take: Take{Key: guessBlockKey(p.ID, key), Limit: Limit{Count: 1, Period: GuessBlock}, Kind: TakePeek},
					refusal: guessBudgetExceeded})
			}
		}
		if sd.Later {
			continue
		}
		counted = true
		if f.safelisted(sd.Dest) {
			continue
		}
		kind := TakeCount
		if b.monitor() {
			kind = TakeSoft
		}
		for _, r := range b.rulesFor(sd.Dest) {
			scope, value := r.scope()
			for _, per := range []struct {
				n      int
				period time.Duration
				name   string
			}{{r.PerHour, time.Hour, "hour"}, {r.PerDay, day, "day"}} {
				if per.n == 0 {
					continue
				}
				add(budgetTake{Take: Take{Key: budgetKey(p.ID, scope+":"+value+":"+per.name, per.n), Limit: Limit{Count: per.n, Period: per.period}, Kind: kind},
					refusal: budgetExceeded(scope, value, per.name, per.n),
					flag: func() string {
						return fmt.Sprintf("%s %s: more than %d sends %s", scope, value, per.n, perPeriod[per.name])
					}})
			}
		}
	}
	if counted {
		if b.DailySends > 0 {
			add(budgetTake{Take: Take{Key: budgetKey(p.ID, "daily", b.DailySends), Limit: Limit{Count: b.DailySends, Period: day}},
				refusal: budgetExceeded("project", "", "day", b.DailySends)})
		}
		if ip, err := netip.ParseAddr(remoteIP); err == nil {
			n := b.ipPerHour()
			add(budgetTake{Take: Take{Key: "ipsend:" + p.ID + ":" + addressKey(ip.Unmap()), Limit: Limit{Count: n, Period: time.Hour}},
				refusal: budgetExceeded("ip", "", "hour", n)})
		}
	}
	if len(takes) == 0 {
		return nil, nil
	}
	batch := make([]Take, len(takes))
	for i, t := range takes {
		batch[i] = t.Take
	}
	ds, err := s.limiter.AllowAll(ctx, batch)
	if err != nil {
		return nil, fmt.Errorf("send counters: %w", err)
	}
	if ok, i := Passed(batch, ds); !ok {
		return nil, takes[i].refusal(ds[i])
	}
	var flags []string
	for i, t := range takes {
		if t.Kind == TakeSoft && !ds[i].Allowed && t.flag != nil {
			flags = append(flags, t.flag())
		}
	}
	if len(flags) > 0 {
		// Monitor mode: the send goes; the flag is an event of its
		// verification and this line.
		s.log.WarnContext(ctx, string(EventFlagged), "project", p.ID, "app", a.ID, "reason", strings.Join(flags, "; "))
	}
	return flags, nil
}

// budgetKey names the counter of a project's budget. The limit is part
// of the name: a GCRA counter holds the time its events used up, so
// under the old name a raised budget would still wait out the spent
// one. A changed budget starts a fresh count.
func budgetKey(projectID, scope string, limit int) string {
	return "budget:" + projectID + ":" + scope + ":" + strconv.Itoa(limit)
}

// perPeriod says a period's name in a sentence.
var perPeriod = map[string]string{"hour": "an hour", "day": "a day"}

// budgetExceeded is the refusal of a send budget; value is the country
// or prefix of those scopes.
func budgetExceeded(scope, value, period string, limit int) func(Decision) *Error {
	return func(d Decision) *Error {
		params := map[string]any{"scope": scope, "period": period, "limit": limit}
		what := map[string]string{"project": "this project", "ip": "this client address"}[scope]
		if value != "" {
			params[scope] = value
			what = scope + " " + value
		}
		return &Error{Code: CodeSendBudgetExceeded, Key: "send_budget_exceeded", RetryAfter: d.RetryAfter, Params: params,
			Message: fmt.Sprintf("The send budget of %s is spent: at most %d sends %s", what, limit, perPeriod[period])}
	}
}

func guessBudgetExceeded(d Decision) *Error {
	return &Error{Code: CodeGuessBudgetExceeded, Key: "guess_budget_exceeded", RetryAfter: d.RetryAfter,
		Params:  map[string]any{"scope": "destination"},
		Message: "Too many wrong codes were entered for this destination; no new code can be sent to it for now"}
}

// guessBlockKey is the counter that blocks a destination whose guess
// budget is spent; guessKey counts its wrong codes.
func guessBlockKey(projectID, limitKey string) string {
	return "guessblock:" + projectID + ":" + limitKey
}
func guessKey(projectID, limitKey string) string { return "guess:" + projectID + ":" + limitKey }

// countWrongGuess counts one wrong code for the destination of a
// verification of project p; the guess that spends the budget blocks the
// destination for GuessBlock. A new code does not reset it: the counter
// is the destination's, not the verification's. A limiter failure is
// logged, not returned: the check's answer stands.
func (s *Service) countWrongGuess(ctx context.Context, p *Project, to string) {
	d, err := ParseDestination(to, "to")
	if err != nil {
		return
	}
	if _, ok := p.Fraud.testCode(d); ok {
		return
	}
	key := d.limitKey()
	dec, err := s.limiter.Allow(ctx, guessKey(p.ID, key), Limit{Count: p.Fraud.Budgets.guessesPerHour(), Period: time.Hour})
	if err == nil && (!dec.Allowed || dec.Remaining == 0) {
		// Spent: the block is a counter of one an hour, counted once.
		_, err = s.limiter.AllowAll(ctx, []Take{{Key: guessBlockKey(p.ID, key), Limit: Limit{Count: 1, Period: GuessBlock}, Kind: TakeSoft}})
	}
	if err != nil {
		s.log.ErrorContext(ctx, "guess budget", "project", p.ID, "err", err)
	}
}

// plannedSends are the sends a new verification plans: its first send,
// and each fallback step after it (to the verification's destination
// unless the step names its own), each destination parsed once for the
// screens and the counters.
func plannedSends(a *Application, dest Destination, first Channel, fallback []FallbackStep) ([]plannedSend, error) {
	sends := []plannedSend{{Dest: dest, Channel: first}}
	for i, st := range fallback {
		if i == 0 {
			continue // the first send
		}
		d := dest
		if st.To != "" {
			var err error
			if d, _, err = parseDestinationFor(a, st.To, "to"); err != nil {
				return nil, err // validateFallback refused it already
			}
		}
		sends = append(sends, plannedSend{Dest: d, Channel: st.Channel, Step: i, Later: true})
	}
	return sends, nil
}

// flaggedEvent is the fraud.flagged event of a send to v that went beyond
// the monitor-mode budgets flags.
func flaggedEvent(v *Verification, flags []string, now time.Time) Event {
	e := newEvent(EventFlagged, v, now)
	e.Reason = "beyond the send budget of " + strings.Join(flags, ", and of ")
	return e
}
