package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testUsageLedger: the ledger counts an owner's live messages from a time
// on, whatever application sent them; recording a message twice (the
// consumer again, or racing a deletion) neither adds a row nor charges
// twice; the charge is taken from the project's balance.
func testUsageLedger(t *testing.T, st otp.Store) {
	usd := func(m int64) otp.Money { return otp.Money{Micros: m, Currency: "USD"} }
	p := &otp.Project{ID: otp.NewID("prj"), Name: "owned", Policy: otp.DefaultPolicy(), OwnerID: "dev_1", CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCredits(t.Context(), p.ID, usd(1_000_000)); err != nil {
		t.Fatal(err)
	}
	live := createApp(t, st, p.ID, otp.Live)
	test := createApp(t, st, p.ID, otp.Test)
	other := createProject(t, st, "operator's")
	month := time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, time.UTC)
	rec := func(a *otp.Application, owner string, at time.Time, cost int64) otp.UsageRecord {
		return otp.UsageRecord{EventID: otp.NewID("evt"), OwnerID: owner, ProjectID: a.ProjectID, AppID: a.ID,
			Environment: a.Environment, Channel: otp.SMS, Country: "US", Cost: usd(cost), At: at}
	}
	rs := []otp.UsageRecord{
		rec(live, "dev_1", t0, 7500),
		rec(live, "dev_1", t0.Add(time.Second), 7500),
		rec(live, "dev_1", month.Add(-time.Microsecond), 7500), // the month before
		rec(test, "dev_1", t0.Add(2*time.Second), 0),
		rec(&otp.Application{ID: "app_gone", ProjectID: other.ID, Environment: otp.Live}, "", t0, 0),
	}
	if err := st.ConsumeEvents(t.Context(), nil, nil, rs, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.ConsumeEvents(t.Context(), nil, nil, rs[:2], nil, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := st.CountOwnerMessages(t.Context(), "dev_1", month); err != nil || n != 2 {
		t.Errorf("CountOwnerMessages = %d, %v; want 2 (live, this month, own projects, each once)", n, err)
	}
	if n, err := st.CountOwnerMessages(t.Context(), "", month); err != nil || n != 1 {
		t.Errorf("the operator's CountOwnerMessages = %d, %v; want 1", n, err)
	}
	if got, _ := st.GetProject(t.Context(), p.ID); got == nil || *got.Credits != usd(1_000_000-3*7500) {
		t.Errorf("balance = %+v, want three messages charged once each", got)
	}
	list, err := st.ListOwnerUsage(t.Context(), "dev_1", month, month.AddDate(0, 1, 0), 10)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "this month's ledger", []otp.UsageRecord{rs[0], rs[1], rs[3]}, list)
	if list, _ := st.ListOwnerUsage(t.Context(), "dev_1", month, month.AddDate(0, 1, 0), 1); len(list) != 1 {
		t.Errorf("ListOwnerUsage with limit 1 = %d rows", len(list))
	}
}

// testUsageLedgerOutlivesApplication: deleting an application keeps its
// ledger rows, and first records and charges its otp.sent events the
// consumer has not taken, once even if the consumer then records them too.
func testUsageLedgerOutlivesApplication(t *testing.T, st otp.Store) {
	usd := func(m int64) otp.Money { return otp.Money{Micros: m, Currency: "USD"} }
	p := &otp.Project{ID: otp.NewID("prj"), Name: "owned", Policy: otp.DefaultPolicy(), OwnerID: "dev_2", CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddCredits(t.Context(), p.ID, usd(1_000_000)); err != nil {
		t.Fatal(err)
	}
	a := createApp(t, st, p.ID, otp.Live)
	consumed := otp.UsageRecord{EventID: otp.NewID("evt"), OwnerID: "dev_2", ProjectID: p.ID, AppID: a.ID,
		Environment: otp.Live, Channel: otp.SMS, Country: "BR", Cost: usd(1000), At: t0}
	if err := st.ConsumeEvents(t.Context(), nil, nil, []otp.UsageRecord{consumed}, nil, nil); err != nil {
		t.Fatal(err)
	}
	v := newVerification(a, "+15550001111", t0)
	sent := func(cost int64, at time.Time) otp.Event {
		e := newEvent(otp.EventSent, v, at)
		e.Channel, e.Country, e.Cost = otp.SMS, "BR", usd(cost)
		return e
	}
	pending := []otp.Event{newEvent(otp.EventCreated, v, t0), sent(7500, t0.Add(time.Second)), sent(2500, t0.Add(2*time.Second))}
	if err := st.CreateVerification(t.Context(), v, otp.Effects{Events: pending}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteApplication(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	month := time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, time.UTC)
	if n, err := st.CountOwnerMessages(t.Context(), "dev_2", month); err != nil || n != 3 {
		t.Errorf("CountOwnerMessages after the deletion = %d, %v; want 3 (one consumed, two left to consume)", n, err)
	}
	want := []otp.UsageRecord{consumed}
	for _, e := range pending[1:] {
		want = append(want, otp.UsageRecord{EventID: e.ID, OwnerID: "dev_2", ProjectID: p.ID, AppID: a.ID,
			Environment: otp.Live, Channel: otp.SMS, Country: "BR", Cost: e.Cost, At: e.CreatedAt})
	}
	list, err := st.ListOwnerUsage(t.Context(), "dev_2", month, month.AddDate(0, 1, 0), 10)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "the ledger after the deletion", want, list)
	// The consumer read the events before the deletion and records them after.
	if err := st.ConsumeEvents(t.Context(), nil, nil, want[1:], nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetProject(t.Context(), p.ID); got == nil || *got.Credits != usd(1_000_000-1000-7500-2500) {
		t.Errorf("balance = %+v, want each message charged once", got)
	}
	if evs, err := st.ListUndispatchedEvents(t.Context(), 10); err != nil || len(evs) != 0 {
		t.Errorf("events left to consume = %v, %v; want none", evs, err)
	}
}
