package otp_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/otpd/otpd/internal/otp"
)

// The simulated SMS pumping attack of issue 16: a week of normal history,
// an hour of normal
// traffic (about 80% of codes typed back, spread over ordinary mobile
// numbers of a few countries), then an hour in which a bot adds
// thousands of sends over three mobile prefixes of expensive countries
// and never types a code, then half an hour more. The event consumer and
// the detector run every simulated minute, as cmd/otpd runs them. The
// attack's prefixes must be blocked within 10 minutes, and no normal
// send refused.
//
// Reproduce the README's numbers with:
//
//	go test ./internal/otp -run TestSimulatedPumpingAttack -v
func TestSimulatedPumpingAttack(t *testing.T) {
	f := newFixture(t, otp.Limits{APIKeyRequests: otp.Limit{Count: 1_000_000, Period: time.Minute}})
	a, _ := f.newApp(t, otp.Live)
	rng := rand.New(rand.NewPCG(16, 16))

	normalPrefixes := []string{"+447", "+336", "+4915", "+4917"}
	attackPrefixes := []string{"+99890", "+99655", "+99292"}
	// mobile is a valid mobile number of prefix with random digits after it.
	mobile := func(prefix string, length int) string {
		for {
			n := prefix
			for len(n) < 1+length {
				n += string(rune('0' + rng.IntN(10)))
			}
			num, err := phonenumbers.Parse(n, "")
			if err == nil && phonenumbers.IsValidNumber(num) && phonenumbers.GetNumberType(num) == phonenumbers.MOBILE {
				return n
			}
		}
	}
	normalLength := map[string]int{"+447": 12, "+336": 11, "+4915": 13, "+4917": 12}

	const (
		normalPerMinute = 10
		attackPerMinute = 40
		attackStart     = 60 // minutes into the simulation
		attackEnd       = 120
		simulation      = 150
		verifiedShare   = 0.8
	)
	type typing struct {
		at   time.Time
		id   string
		code string
	}
	var (
		toType                                   []typing
		normalSent, normalRefused, normalTyped   int
		attackTried, attackThrough, attackBefore int
		blockedAt                                = map[string]int{}
		rec                                      = &recorder{}
		normalIDs                                = map[string]bool{}
		normalNumbers                            []string
	)
	start := f.clock.Now()
	seedNormalWeek(t, f, a.ProjectID, rng, normalPerMinute)
	send := func(to string) (string, error) {
		v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS})
		if err != nil {
			return "", err
		}
		return v.ID, nil
	}
	for minute := range simulation {
		for i := range normalPerMinute {
			prefix := normalPrefixes[(minute+i)%len(normalPrefixes)]
			to := mobile(prefix, normalLength[prefix])
			normalNumbers = append(normalNumbers, to)
			id, err := send(to)
			if err != nil {
				normalRefused++
				t.Logf("minute %d: normal send to %s refused: %v", minute, to, err)
				continue
			}
			normalSent++
			normalIDs[id] = true
		}
		if minute >= attackStart && minute < attackEnd {
			for i := range attackPerMinute {
				attackTried++
				_, err := send(mobile(attackPrefixes[i%len(attackPrefixes)], 12))
				switch code(err) {
				case "":
					attackThrough++
					if minute >= attackStart+10 {
						attackBefore++ // should not happen: counted to show it does not
					}
				case otp.CodePrefixBlocked:
				default:
					t.Fatalf("attack send refused with %v, want PREFIX_BLOCKED or nothing", err)
				}
			}
		}
		// The provider accepts every message (otp.sent); the people
		// behind 80% of normal numbers type their code 1 to 3 minutes later.
		for {
			rec.sent = rec.sent[:0]
			if ds := f.deliverAll(t, rec); len(ds) == 0 {
				break
			}
			for _, m := range rec.sent {
				if normalIDs[m.VerificationID] && rng.Float64() < verifiedShare {
					toType = append(toType, typing{at: f.clock.Now().Add(time.Duration(60+rng.IntN(120)) * time.Second), id: m.VerificationID, code: m.Code})
				}
			}
		}
		f.clock.Advance(time.Minute)
		due := 0
		for _, ty := range toType {
			if ty.at.After(f.clock.Now()) {
				toType[due] = ty
				due++
				continue
			}
			res, err := f.svc.Check(t.Context(), a, ty.id, ty.code)
			if err != nil || !res.Valid {
				t.Fatalf("typing the code of %s: %+v, %v", ty.id, res, err)
			}
			normalTyped++
		}
		toType = toType[:due]
		for {
			n, err := f.svc.ConsumeEvents(t.Context(), 1000)
			if err != nil {
				t.Fatal(err)
			}
			if n < 1000 {
				break
			}
		}
		added, err := f.svc.DetectPumping(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range added {
			blockedAt[b.Prefix] = minute + 1
			t.Logf("minute %d: blocked %s until %s: %s", minute+1, b.Prefix, b.Until.Sub(start), b.Reason)
		}
	}

	for _, b := range slices.Sorted(maps.Keys(blockedAt)) {
		for _, n := range normalNumbers {
			if strings.HasPrefix(n, b) {
				t.Errorf("block %s covers the normal number %s", b, n)
			}
		}
	}
	for _, p := range attackPrefixes {
		covered := -1
		for b, at := range blockedAt {
			if strings.HasPrefix(p, b) || strings.HasPrefix(b, p) {
				covered = at
			}
		}
		switch {
		case covered < 0:
			t.Errorf("attack prefix %s never blocked", p)
		case covered-attackStart > 10:
			t.Errorf("attack prefix %s blocked %d minutes into the attack, want at most 10", p, covered-attackStart)
		}
	}
	if normalRefused > 0 {
		t.Errorf("%d normal sends refused, want none", normalRefused)
	}
	if attackBefore > 0 {
		t.Errorf("%d attack sends got through more than 10 minutes into the attack", attackBefore)
	}
	t.Logf("normal traffic: %d sends, %d refused, %d codes typed (%.0f%%)", normalSent, normalRefused, normalTyped, 100*float64(normalTyped)/float64(normalSent))
	t.Logf("attack: %d sends tried over %d minutes, %d got through (%.1f%%), %d refused by blocks",
		attackTried, attackEnd-attackStart, attackThrough, 100*float64(attackThrough)/float64(attackTried), attackTried-attackThrough)
	for _, p := range slices.Sorted(maps.Keys(blockedAt)) {
		t.Logf("blocked %s %d minutes into the attack", p, blockedAt[p]-attackStart)
	}

	// The hourly pass then learns budgets from the normal hours only.
	if _, err := f.svc.LearnBudgets(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.GetProject(t.Context(), a.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	learnt := map[string]otp.BudgetRule{}
	for _, r := range p.Fraud.Budgets.Learnt {
		learnt[r.Country] = r
	}
	t.Logf("learnt budgets: %+v", p.Fraud.Budgets.Learnt)
	if gb := learnt["GB"]; gb.PerHour < otp.LearntBudgetFactor*normalPerMinute*60/len(normalPrefixes) {
		t.Errorf("learnt GB budget %+v, want at least %d an hour", gb, otp.LearntBudgetFactor*normalPerMinute*60/len(normalPrefixes))
	}
	if uz := learnt["UZ"]; uz.PerHour != otp.LearntBudgetHourFloor || uz.PerDay != otp.LearntBudgetDayFloor {
		t.Errorf("learnt UZ budget %+v, want the floors: attack hours are not normal", uz)
	}
	for _, r := range p.Fraud.Budgets.Learnt {
		for _, ap := range attackPrefixes {
			if r.Prefix != "" && (strings.HasPrefix(r.Prefix, ap) || strings.HasPrefix(ap, r.Prefix)) {
				t.Errorf("learnt budget %+v for an attack prefix", r)
			}
		}
	}
}

// seedNormalWeek writes a week of normal traffic history before now into
// the store, as the consumer would have: perMinute sends a minute over
// the normal prefixes, 80% of them verified, so that the detector has
// the baselines a live project has.
func seedNormalWeek(t *testing.T, f *fixture, projectID string, rng *rand.Rand, perMinute int) {
	t.Helper()
	countries := map[string]string{"+447": "GB", "+336": "FR", "+4915": "DE", "+4917": "DE"}
	var history []otp.TrafficDelta
	for h := 7 * 24; h > 0; h-- {
		hour := f.clock.Now().Add(-time.Duration(h) * time.Hour)
		for _, prefix := range slices.Sorted(maps.Keys(countries)) {
			for range 10 { // ten ordinary 6-digit prefixes an hour
				p := prefix
				for len(p) < 1+otp.TrafficPrefixDigits {
					p += fmt.Sprint(rng.IntN(10))
				}
				sends := perMinute * 60 / len(countries) / 10
				history = append(history, otp.TrafficDelta{ProjectID: projectID, Prefix: p, Country: countries[prefix],
					Bucket: hour.Truncate(otp.TrafficBucket), Sends: sends, Verified: sends * 8 / 10})
			}
		}
	}
	if err := f.store.ConsumeEvents(t.Context(), nil, nil, nil, history, nil); err != nil {
		t.Fatal(err)
	}
}

// A block refuses a new verification to its prefix, a resend of an older
// one, and nothing else: the longest active prefix decides, an ended
// block refuses nothing, an email address has no prefix.
func TestPrefixBlockOnTheSendPath(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	send := func(to string) error {
		_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to})
		return err
	}
	older, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+447911123456", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.BlockPrefix(t.Context(), a.ProjectID, otp.BlockInput{Prefix: "+44791", Minutes: 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.BlockPrefix(t.Context(), a.ProjectID, otp.BlockInput{Prefix: "+447911", Minutes: 10}); err != nil {
		t.Fatal(err)
	}
	err = send("+447911123457")
	if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodePrefixBlocked || e.Params["prefix"] != "+447911" || e.RetryAfter != 10*time.Minute {
		t.Errorf("send under two blocks = %v, want PREFIX_BLOCKED by the longer one, retry in 10 minutes", err)
	}
	f.clock.Advance(31 * time.Second) // past the resend cooldown
	if _, err := f.svc.Resend(t.Context(), a, older.ID, ""); code(err) != otp.CodePrefixBlocked {
		t.Errorf("resend of a verification made before the block = %v, want PREFIX_BLOCKED", err)
	}
	for _, to := range []string{"+447400123456", "person@example.com"} {
		if err := send(to); err != nil {
			t.Errorf("send to %s = %v, want it sent", to, err)
		}
	}
	f.clock.Advance(10 * time.Minute)
	err = send("+447911123458")
	if e := otp.ErrorOf(err); e == nil || e.Params["prefix"] != "+44791" {
		t.Errorf("send after the longer block ended = %v, want PREFIX_BLOCKED by +44791", err)
	}
	f.clock.Advance(20 * time.Minute)
	if err := send("+447911123459"); err != nil {
		t.Errorf("send after both blocks ended = %v", err)
	}
}
