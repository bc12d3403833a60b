package otp

import (
	"context"
	"fmt"
	"time"
)

// Learnt budgets: the detector's hourly pass writes, per country a
// project sent to in the last week, the sends an hour and a day that are
// normal for it, which the budget checks enforce beside the rules set by
// hand (SendBudgets.Learnt).
const (
	// LearntBudgetFactor is the headroom over the busiest normal hour
	// (and day) of the last week: growth within it is not refused.
	LearntBudgetFactor = 3
	// LearntBudgetHourFloor and LearntBudgetDayFloor are the least a
	// learnt budget allows, so a country with a few sends a week is not
	// refused its next few.
	LearntBudgetHourFloor = 20
	LearntBudgetDayFloor  = 200
	// learntBudgetMax bounds a learnt budget as the budget rules are
	// bounded (a hundred million).
	learntBudgetMax = 100_000_000
	// LearntBudgetEvery is how often the budgets are learnt again.
	LearntBudgetEvery = time.Hour
	// learntMinConversion leaves out of "normal" the hours converting
	// below this share of the project's week: an attack's hour must not
	// raise the budget that is to stop the next one, nor a country that
	// only attackers send to get more than the floors.
	learntMinConversion = 0.5
)

// LearnBudgets writes the learnt send budgets of every project with
// traffic in the last hour (a project without traffic keeps what it has:
// no write churns idle projects). It returns how many projects it wrote.
func (s *Service) LearnBudgets(ctx context.Context) (int, error) {
	now := s.clock.Now()
	ids, err := s.store.FraudTrafficProjects(ctx, bucketOf(now).Add(-LearntBudgetEvery))
	if err != nil {
		return 0, fmt.Errorf("learn budgets: %w", err)
	}
	n := 0
	for _, id := range ids {
		hours, err := s.store.FraudTrafficByHour(ctx, id, now.Add(-DetectorBaseline), now)
		if err != nil {
			return n, fmt.Errorf("learn budgets of %s: %w", id, err)
		}
		learnt := learntBudgets(hours)
		err = s.store.UpdateProjectFraud(ctx, id, func(f *FraudSettings) error {
			f.Budgets.Learnt, f.Budgets.LearntAt = learnt, now
			return f.validate()
		}, now)
		s.cache.forgetProject(id)
		if isCode(err, CodeNotFound) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("learn budgets of %s: %w", id, err)
		}
		n++
	}
	return n, nil
}

// learntBudgets is one rule per country of hours: LearntBudgetFactor
// times its busiest normal hour and day, at least the floors. A country
// "" (a number libphonenumber places nowhere) gets none.
func learntBudgets(hours []TrafficHour) []BudgetRule {
	type week struct {
		sends, verified int
		hours           []TrafficHour
	}
	byCountry := map[string]*week{}
	var all week
	for _, h := range hours {
		all.sends += h.Sends
		all.verified += h.Verified
		if h.Country == "" {
			continue
		}
		w := byCountry[h.Country]
		if w == nil {
			w = &week{}
			byCountry[h.Country] = w
		}
		w.sends += h.Sends
		w.verified += h.Verified
		w.hours = append(w.hours, h)
	}
	normal := learntMinConversion * conversion(all.sends, all.verified)
	var out []BudgetRule
	for _, c := range sortedKeys(byCountry) {
		w := byCountry[c]
		busiestHour := 0
		days := map[int64]int{}
		for _, h := range w.hours {
			if conversion(h.Sends, h.Verified) < normal {
				continue
			}
			busiestHour = max(busiestHour, h.Sends)
			days[dayOf(h.Hour)] += h.Sends
		}
		busiestDay := 0
		for _, n := range days {
			busiestDay = max(busiestDay, n)
		}
		out = append(out, BudgetRule{Country: c,
			PerHour: min(learntBudgetMax, max(LearntBudgetHourFloor, LearntBudgetFactor*busiestHour)),
			PerDay:  min(learntBudgetMax, max(LearntBudgetDayFloor, LearntBudgetFactor*busiestDay))})
	}
	return out
}
