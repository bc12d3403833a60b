package otp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Learnt budgets: the detector's hourly pass writes, per country a
// project sent to in the last week and per busy prefix, the sends an hour
// and a day that are normal for it, which the budget checks enforce
// beside the rules set by hand (SendBudgets.Learnt).
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
	// LearntPrefixDigits is the length of the prefixes that get budgets
	// of their own, LearntBusyPrefix the normal sends a week that make
	// one busy, and learntMaxPrefixes how many of the busiest get one.
	LearntPrefixDigits = 5
	LearntBusyPrefix   = 1000
	learntMaxPrefixes  = 100
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
		learnt, err := s.learnProject(ctx, id, now.Add(-DetectorBaseline), now)
		if err != nil {
			return n, fmt.Errorf("learn budgets of %s: %w", id, err)
		}
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

// learnProject is the learnt rules of one project over [from, to): one
// per country, then one per busy prefix (the busiest first).
func (s *Service) learnProject(ctx context.Context, projectID string, from, to time.Time) ([]BudgetRule, error) {
	hours, err := s.store.FraudTrafficByHour(ctx, projectID, from, to, "")
	if err != nil {
		return nil, err
	}
	var sends, verified int
	for _, h := range hours {
		sends, verified = sends+h.Sends, verified+h.Verified
	}
	normal := learntMinConversion * conversion(sends, verified)
	byCountry := map[string][]TrafficHour{}
	for _, h := range hours {
		if h.Country != "" {
			byCountry[h.Country] = append(byCountry[h.Country], h)
		}
	}
	var out []BudgetRule
	for _, c := range sortedKeys(byCountry) {
		r, _ := learntRule(byCountry[c], normal)
		r.Country = c
		out = append(out, r)
	}

	weeks, err := s.store.FraudTraffic(ctx, projectID, from, to, "", LearntPrefixDigits)
	if err != nil {
		return nil, err
	}
	busy := map[string]int{}
	for _, w := range weeks {
		if len(w.Prefix) == 1+LearntPrefixDigits && conversion(w.Sends, w.Verified) >= normal {
			busy[w.Prefix] += w.Sends
		}
	}
	prefixes := sortedKeys(busy)
	prefixes = slices.DeleteFunc(prefixes, func(p string) bool { return busy[p] < LearntBusyPrefix })
	slices.SortStableFunc(prefixes, func(a, b string) int { return cmp.Compare(busy[b], busy[a]) })
	prefixes = prefixes[:min(len(prefixes), learntMaxPrefixes)]
	slices.Sort(prefixes)
	for _, p := range prefixes {
		hours, err := s.store.FraudTrafficByHour(ctx, projectID, from, to, p)
		if err != nil {
			return nil, err
		}
		if r, ok := learntRule(hours, normal); ok {
			r.Prefix = p
			out = append(out, r)
		}
	}
	return out, nil
}

// learntRule is LearntBudgetFactor times the busiest normal hour and day
// of hours, at least the floors; ok is false when no hour was normal.
func learntRule(hours []TrafficHour, normal float64) (BudgetRule, bool) {
	busiestHour := 0
	days := map[int64]int{}
	byHour := map[int64]*TrafficHour{} // a prefix's hours come by country
	for _, h := range hours {
		k := h.Hour.Unix()
		if byHour[k] == nil {
			byHour[k] = &TrafficHour{Hour: h.Hour}
		}
		byHour[k].Sends += h.Sends
		byHour[k].Verified += h.Verified
	}
	ok := false
	for _, h := range byHour {
		if conversion(h.Sends, h.Verified) < normal {
			continue
		}
		ok = true
		busiestHour = max(busiestHour, h.Sends)
		days[dayOf(h.Hour)] += h.Sends
	}
	busiestDay := 0
	for _, n := range days {
		busiestDay = max(busiestDay, n)
	}
	return BudgetRule{
		PerHour: min(learntBudgetMax, max(LearntBudgetHourFloor, LearntBudgetFactor*busiestHour)),
		PerDay:  min(learntBudgetMax, max(LearntBudgetDayFloor, LearntBudgetFactor*busiestDay)),
	}, ok
}
