package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testAnalytics(t *testing.T, st otp.Store) {
	p := createProject(t, st, "stats")
	a := createApp(t, st, p.ID, otp.Live)
	b := createApp(t, st, p.ID, otp.Live)
	day := t0.UTC().Unix() / 86400
	usd := func(m int64) otp.Money { return otp.Money{Micros: m, Currency: "USD"} }
	deltas := []otp.StatDelta{
		{AppID: a.ID, Day: day, Channel: otp.SMS, Country: "US", Created: 3, Sent: 3, Verified: 2, Cost: usd(22500)},
		{AppID: a.ID, Day: day, Channel: otp.Email, Created: 1, Sent: 1, Verified: 1},
		{AppID: b.ID, Day: day - 1, Channel: otp.SMS, Country: "GB", Created: 2, Sent: 2, Failed: 1, Cost: usd(10000)},
	}
	if err := st.ConsumeEvents(t.Context(), nil, deltas, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	// The same row again adds up.
	if err := st.ConsumeEvents(t.Context(), nil, deltas[:1], nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	sum, err := st.StatsSummary(t.Context(), otp.StatsFilter{}, day-7, day)
	if err != nil {
		t.Fatal(err)
	}
	want := otp.StatsTotals{Created: 9, Sent: 9, Verified: 5, Failed: 1, Cost: usd(55000)}
	diff(t, "totals", want, sum.Totals)
	if sum.Applications < 2 || len(sum.ByChannel) != 2 || sum.ByChannel[0].Key != "sms" || sum.ByChannel[0].Created != 8 {
		t.Errorf("summary = %+v, want sms first with 8 created", sum)
	}
	one, err := st.StatsSummary(t.Context(), otp.StatsFilter{AppID: a.ID, Channel: otp.SMS, Country: "US"}, day, day)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "one app, channel and country", otp.StatsTotals{Created: 6, Sent: 6, Verified: 4, Cost: usd(45000)}, one.Totals)
	days, err := st.StatsByDay(t.Context(), otp.StatsFilter{}, day-7, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 2 || !days[0].Day.Equal(time.Unix((day-1)*86400, 0).UTC()) || days[0].Failed != 1 || days[1].Sent != 7 {
		t.Errorf("by day = %+v", days)
	}
}

func testCredits(t *testing.T, st otp.Store) {
	p := createProject(t, st, "credits")
	if got, _ := st.GetProject(t.Context(), p.ID); got.Credits != nil {
		t.Fatalf("a new project has credits %+v, want none", got.Credits)
	}
	usd := func(m int64) otp.Money { return otp.Money{Micros: m, Currency: "USD"} }
	got, err := st.AddCredits(t.Context(), p.ID, usd(1_000_000))
	if err != nil || got.Credits == nil || *got.Credits != usd(1_000_000) {
		t.Fatalf("AddCredits = %+v, %v", got, err)
	}
	if err := st.ConsumeEvents(t.Context(), nil, nil, []otp.UsageRecord{{EventID: otp.NewID("evt"), ProjectID: p.ID, AppID: "app_1", Environment: otp.Live, Cost: usd(7500), At: t0}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A policy change does not undo the charge.
	got.Policy.CodeLength = 8
	if err := st.UpdateProject(t.Context(), got); err != nil {
		t.Fatal(err)
	}
	after, err := st.GetProject(t.Context(), p.ID)
	if err != nil || *after.Credits != usd(992_500) || after.Policy.CodeLength != 8 {
		t.Errorf("after a charge and a policy change: %+v %v, want 0.9925 USD and length 8", after.Credits, err)
	}
	_, err = st.AddCredits(t.Context(), p.ID, otp.Money{Micros: 1, Currency: "EUR"})
	wantErr(t, "AddCredits in another currency", err, otp.ErrConflict)
	_, err = st.AddCredits(t.Context(), "prj_nope", usd(1))
	wantNotFound(t, "AddCredits of an unknown project", err)
}
