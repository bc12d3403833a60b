package otp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// TestFallbackStepCountsAtSendTime is the attack of issue 16: fallback
// steps to one victim, made a minute apart (each fits the victim's limit
// of 1 a minute when made) and timed to come due together. Each step
// counts again when it is sent, so the victim gets one SMS, not nine.
func TestFallbackStepCountsAtSendTime(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setPolicy(t, a, func(p *otp.Policy) { p.SendsPerMinute = 1 })
	const victim = "+14155550100"
	start := f.clock.Now()
	var ids []string
	for k := range 9 {
		v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{
			To: fmt.Sprintf("+1415555020%d", k), TTL: 900 * time.Second,
			Fallback: []otp.FallbackStep{
				{Channel: otp.SMS, Timeout: 600*time.Second - time.Duration(k)*time.Minute},
				{Channel: otp.SMS, To: victim},
			}})
		if err != nil {
			t.Fatalf("verification %d: %v", k, err)
		}
		ids = append(ids, v.ID)
		f.clock.Advance(time.Minute)
	}
	rec := &recorder{}
	f.deliverAll(t, rec)
	f.clock.Advance(start.Add(600 * time.Second).Sub(f.clock.Now()))
	if _, err := f.svc.SweepFallbacks(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	f.deliverAll(t, rec)
	toVictim := 0
	for _, m := range rec.sent {
		if m.To == victim {
			toVictim++
		}
	}
	if toVictim != 1 {
		t.Errorf("SMS to the victim when the steps came due = %d, want 1 (a limit of 1 a minute)", toVictim)
	}
	// The refused steps are skipped, and say why.
	refused := 0
	for _, id := range ids {
		ms, err := f.svc.Messages(t.Context(), a, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Status == otp.DeliveryFailed && m.To == victim {
				refused++
			}
		}
	}
	if refused != 8 {
		t.Errorf("steps recorded as refused = %d, want 8", refused)
	}
}

// setBudgets replaces the send budgets of a's project, as the operator.
func (f *fixture) setBudgets(t *testing.T, a *otp.Application, b otp.SendBudgets) {
	t.Helper()
	if _, err := f.svc.SetSendBudgets(t.Context(), a.ProjectID, b); err != nil {
		t.Fatal(err)
	}
}

// errDetails returns the code and params of err.
func errDetails(err error) (string, map[string]any) {
	e := otp.ErrorOf(err)
	if e == nil {
		return code(err), nil
	}
	return e.Code, e.Params
}

func TestSendCountersAreOneBatch(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setBudgets(t, a, otp.SendBudgets{DailySends: 100, Rules: []otp.BudgetRule{{Country: "US", PerHour: 50, PerDay: 100}, {Prefix: "+1415", PerHour: 50}}})
	before := f.limiter.batches.Load()
	_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", RemoteIP: "203.0.113.9",
		Fallback: []otp.FallbackStep{{Channel: otp.SMS}, {Channel: otp.Email, To: "p@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.limiter.batches.Load() - before; got != 1 {
		t.Errorf("limiter batches of one send with every defence = %d, want 1", got)
	}
}

func TestClientAddressLimit(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setBudgets(t, a, otp.SendBudgets{IPPerHour: 3})
	send := func(i int, ip string) error {
		_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: fmt.Sprintf("+1415555260%d", i), RemoteIP: ip})
		return err
	}
	for i := range 3 {
		if err := send(i, "2001:db8:1:2::1"); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	// Another address of the same /64 shares the count.
	err := send(4, "2001:db8:1:2:ffff::9")
	if c, params := errDetails(err); c != otp.CodeSendBudgetExceeded || params["scope"] != "ip" || params["period"] != "hour" {
		t.Fatalf("fourth send from the /64 = %v, want SEND_BUDGET_EXCEEDED scope ip", err)
	}
	if e := otp.ErrorOf(err); e.RetryAfter <= 0 {
		t.Errorf("RetryAfter = %s, want positive", e.RetryAfter)
	}
	if err := send(5, "2001:db8:1:3::1"); err != nil {
		t.Errorf("another /64: %v, want sent", err)
	}
	if err := send(6, ""); err != nil {
		t.Errorf("no address: %v, want sent (not counted)", err)
	}
	f.clock.Advance(time.Hour)
	if err := send(7, "2001:db8:1:2::1"); err != nil {
		t.Errorf("an hour later: %v, want sent", err)
	}
}

func TestDailySends(t *testing.T) {
	f := newFixtureConfig(t, otp.Config{DefaultDailySends: 3})
	a, _ := f.newApp(t, otp.Live)
	b, err := f.svc.SendBudgets(t.Context(), a.ProjectID)
	if err != nil || b.DailySends != 3 {
		t.Fatalf("a new project's budgets = %+v, %v; want dailySends 3", b, err)
	}
	for i := range 3 {
		if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: fmt.Sprintf("+1415555270%d", i)}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	_, _, err = f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552709"})
	if c, params := errDetails(err); c != otp.CodeSendBudgetExceeded || params["scope"] != "project" || params["period"] != "day" || params["limit"] != 3 {
		t.Fatalf("fourth send of the day = %v %v, want SEND_BUDGET_EXCEEDED scope project", err, params)
	}
	// The operator raises it; the counter is the project's and goes on.
	f.setBudgets(t, a, otp.SendBudgets{DailySends: 10})
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552709"}); err != nil {
		t.Errorf("after the operator raised the budget: %v", err)
	}
}

func TestDailySendsIsTheOperators(t *testing.T) {
	f := newFixtureConfig(t, otp.Config{DefaultDailySends: 5})
	dev, err := f.svc.CreateDeveloper(t.Context(), otp.DeveloperInput{Email: ptr("d@example.com"), Password: ptr("correct horse battery")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := otp.WithPrincipal(t.Context(), otp.Principal{Developer: dev})
	p, err := f.svc.CreateProject(ctx, otp.ProjectInput{Name: ptr("Mine")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetSendBudgets(ctx, p.ID, otp.SendBudgets{DailySends: 5, IPPerHour: 20, Mode: otp.BudgetMonitor}); err != nil {
		t.Errorf("the developer keeps dailySends and sets the rest: %v", err)
	}
	_, err = f.svc.SetSendBudgets(ctx, p.ID, otp.SendBudgets{DailySends: 5000})
	if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeForbidden || e.Key != "operator_only" || e.Field != "dailySends" {
		t.Errorf("the developer raises dailySends: %v, want FORBIDDEN operator_only on dailySends", err)
	}
	b, err := f.svc.SetSendBudgets(t.Context(), p.ID, otp.SendBudgets{DailySends: 5000})
	if err != nil || b.DailySends != 5000 {
		t.Errorf("the operator raises dailySends: %+v, %v", b, err)
	}
}

func TestCountryAndPrefixBudgets(t *testing.T) {
	f := newFixture(t, otp.Limits{ReadCacheTTL: -1}) // Learnt is written behind the service's back
	a, _ := f.newApp(t, otp.Live)
	f.setBudgets(t, a, otp.SendBudgets{
		Rules: []otp.BudgetRule{{Country: "GB", PerHour: 100, PerDay: 3}, {Prefix: "+447123", PerHour: 1}},
	})
	// A learnt budget applies where no rule names the scope; the rule
	// for GB wins over the learnt one. SetSendBudgets keeps the
	// detector's Learnt: write it as the detector would.
	if err := f.store.UpdateProjectFraud(t.Context(), a.ProjectID, func(fs *otp.FraudSettings) error {
		fs.Budgets.Learnt = []otp.BudgetRule{{Country: "GB", PerHour: 1}, {Country: "FR", PerHour: 1}}
		return nil
	}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	send := func(to string) error {
		_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to})
		return err
	}
	if err := send("+447123456781"); err != nil {
		t.Fatal(err)
	}
	err := send("+447123456782")
	if c, params := errDetails(err); c != otp.CodeSendBudgetExceeded || params["scope"] != "prefix" || params["prefix"] != "+447123" || params["period"] != "hour" {
		t.Fatalf("second send to the prefix = %v %v, want SEND_BUDGET_EXCEEDED prefix +447123 hour", err, params)
	}
	if err := send("+447400123456"); err != nil {
		t.Fatalf("GB outside the prefix: %v", err)
	}
	if err := send("+447400123457"); err != nil {
		t.Fatalf("GB's rule (100 an hour) wins over its learnt budget (1): %v", err)
	}
	err = send("+447400123458")
	if c, params := errDetails(err); c != otp.CodeSendBudgetExceeded || params["country"] != "GB" || params["period"] != "day" {
		t.Fatalf("fourth send to GB in a day = %v %v, want SEND_BUDGET_EXCEEDED country GB day", err, params)
	}
	if err := send("+33612345678"); err != nil {
		t.Fatal(err)
	}
	if c, params := errDetails(send("+33612345679")); c != otp.CodeSendBudgetExceeded || params["country"] != "FR" {
		t.Errorf("second send to FR = %v, want its learnt budget of 1 an hour", params)
	}
	if err := send("+14155552671"); err != nil {
		t.Errorf("a country without budgets: %v", err)
	}
}

func TestMonitorModeFlags(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setBudgets(t, a, otp.SendBudgets{Mode: otp.BudgetMonitor, Rules: []otp.BudgetRule{{Country: "GB", PerHour: 1}}})
	var ids []string
	for i := range 3 {
		v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: fmt.Sprintf("+44740012345%d", i)})
		if err != nil {
			t.Fatalf("send %d in monitor mode: %v", i, err)
		}
		ids = append(ids, v.ID)
	}
	events, err := f.store.ListUndispatchedEvents(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	flagged := map[string]bool{}
	for _, e := range events {
		if e.Type == otp.EventFlagged {
			flagged[e.VerificationID] = true
			if want := "beyond the send budget of country GB: more than 1 sends an hour"; e.Reason != want {
				t.Errorf("reason = %q, want %q", e.Reason, want)
			}
		}
	}
	if flagged[ids[0]] || !flagged[ids[1]] || !flagged[ids[2]] {
		t.Errorf("flagged = %v, want the second and third of %v", flagged, ids)
	}

	// A resend beyond the budget is flagged on its verification too.
	f.clock.Advance(time.Minute) // past the resend cooldown
	if _, err := f.svc.Resend(t.Context(), a, ids[0], ""); err != nil {
		t.Fatalf("resend in monitor mode: %v", err)
	}
	events, err = f.store.ListUndispatchedEvents(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	resentFlagged := false
	for _, e := range events {
		resentFlagged = resentFlagged || e.Type == otp.EventFlagged && e.VerificationID == ids[0]
	}
	if !resentFlagged {
		t.Errorf("no fraud.flagged event for the resend of %s beyond the budget", ids[0])
	}
}

// TestGuessBudget: wrong codes to one destination across its
// verifications block it; a fresh code does not reset the count.
func TestGuessBudget(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setBudgets(t, a, otp.SendBudgets{GuessesPerHour: 6})
	const to = "+14155552800"
	wrong := 0
	for round := range 3 {
		v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to})
		if err != nil {
			t.Fatalf("round %d: a fresh code after %d wrong ones: %v", round, wrong, err)
		}
		for range 2 {
			if _, err := f.svc.Check(t.Context(), a, v.ID, "000000x"); err != nil {
				t.Fatal(err)
			}
			wrong++
		}
		f.clock.Advance(time.Minute) // past the destination's sends a minute
	}
	_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to})
	e := otp.ErrorOf(err)
	if e == nil || e.Code != otp.CodeGuessBudgetExceeded || e.RetryAfter < 50*time.Minute {
		t.Fatalf("a new code after 6 wrong ones = %v, want GUESS_BUDGET_EXCEEDED for about an hour", err)
	}
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552801"}); err != nil {
		t.Errorf("another destination: %v", err)
	}
	f.clock.Advance(57 * time.Minute) // the block began at the sixth wrong code, a minute before the refusal
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to}); code(err) != otp.CodeGuessBudgetExceeded {
		t.Errorf("58 minutes into the block: %v, want still blocked", err)
	}
	f.clock.Advance(2 * time.Minute)
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to}); err != nil {
		t.Errorf("after the hour: %v", err)
	}
}

// BenchmarkCreateWithDefences is the send path (a test application's
// verification, stored in SQLite) with the send defences off and on:
// "on" is a country budget, a budget for the number's prefix, a
// client-address limit and the daily bound, all out of reach, and
// remoteIp on each send. Compare the two with -count and benchstat.
func BenchmarkCreateWithDefences(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			f := newFixtureConfig(b, otp.Config{})
			p, err := f.svc.CreateProject(b.Context(), otp.ProjectInput{Name: ptr("P")})
			if err != nil {
				b.Fatal(err)
			}
			env := otp.Test
			a, _, err := f.svc.CreateApplication(b.Context(), otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID, Environment: &env})
			if err != nil {
				b.Fatal(err)
			}
			ip := ""
			if on {
				ip = "198.18.0.1"
				if _, err := f.svc.SetSendBudgets(b.Context(), p.ID, otp.SendBudgets{DailySends: otp.MaxBudget, IPPerHour: otp.MaxBudget,
					Rules: []otp.BudgetRule{{Country: "US", PerHour: otp.MaxBudget, PerDay: otp.MaxBudget}, {Prefix: "+1415", PerHour: otp.MaxBudget, PerDay: otp.MaxBudget}}}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, _, err := f.svc.CreateVerification(b.Context(), a, otp.CreateRequest{To: fmt.Sprintf("+1415%07d", 2000000+i%8000000), Channel: otp.SMS, RemoteIP: ip}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGuessBudgetAcrossFlows: wrong codes in kod.mobi's session flow and
// in the native flow count against one budget per destination, and its
// block refuses both.
func TestGuessBudgetAcrossFlows(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	f.setBudgets(t, a, otp.SendBudgets{GuessesPerHour: 4})
	const to = "+14155552900"
	st, err := f.svc.StartSession(t.Context(), a, otp.SessionRequest{To: to, Send: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.svc.CheckSession(t.Context(), a, st.Session.ID, "000000x"); code(err) != otp.CodeInvalidParameter {
			t.Fatalf("wrong code in the session: %v", err)
		}
	}
	f.clock.Advance(time.Minute)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS})
	if err != nil {
		t.Fatalf("a native code after 2 wrong ones in a session: %v", err)
	}
	for range 2 {
		if _, err := f.svc.Check(t.Context(), a, v.ID, "000000x"); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(time.Minute)
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS}); code(err) != otp.CodeGuessBudgetExceeded {
		t.Errorf("native send after 4 wrong codes across flows: %v, want GUESS_BUDGET_EXCEEDED", err)
	}
	_, err = f.svc.SendSession(t.Context(), a, st.Session.ID, otp.SMS, "")
	if e := otp.ErrorOf(err); e == nil || e.Key != "guess_budget_exceeded" {
		t.Errorf("session send after 4 wrong codes across flows: %v, want guess_budget_exceeded", err)
	}
}
