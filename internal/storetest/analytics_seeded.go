package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testAnalyticsSeeded writes the benchmark's dataset, small, the way otpd
// writes it (each verification with its events in one transaction), runs
// the event consumer that keeps the daily rollup, and checks the summary
// and the time series against answers worked out from the dataset's
// definition: totals, breakdowns, one application, one channel and
// country, the active users and each day.
func testAnalyticsSeeded(t *testing.T, st otp.Store) {
	svc := newService(t, st)
	// The 90 days that end today, so that the time series covers them.
	end := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	s := seed{n: 1500, dests: 100, end: end, apps: seedApplications(t, st)}
	for i := range s.n {
		evs := s.events(i)
		v := &otp.Verification{
			ID: evs[0].VerificationID, AppID: s.app(i), To: s.dest(i), Channel: seedChannel(i), Purpose: otp.PurposeVerification,
			Locale: "en", Status: otp.StatusExpired, DeliveryStatus: otp.DeliveryDelivered, CodeHash: sum(evs[0].VerificationID),
			MaxAttempts: 5, CreatedAt: evs[0].CreatedAt, UpdatedAt: evs[2].CreatedAt, ExpiresAt: evs[0].CreatedAt.Add(10 * time.Minute),
			Country: seedCountry(i),
		}
		fx := otp.Effects{Events: evs}
		if evs[2].Type == otp.EventVerified {
			v.Status, v.VerifiedAt = otp.StatusVerified, evs[2].CreatedAt
			fx.Users = []otp.UserVisit{{AppID: v.AppID, Destination: v.To, Channel: v.Channel, At: v.VerifiedAt}}
		}
		if err := st.CreateVerification(t.Context(), v, fx, nil); err != nil {
			t.Fatalf("CreateVerification %d: %v", i, err)
		}
	}
	for {
		n, err := svc.ConsumeEvents(t.Context(), 500)
		if err != nil {
			t.Fatalf("ConsumeEvents: %v", err)
		}
		if n == 0 {
			break
		}
	}

	// want adds up, by key, the events of the days [from, to] that keep holds for.
	day := func(at time.Time) time.Time { return at.UTC().Truncate(24 * time.Hour) }
	type totals = otp.StatsTotals
	want := func(from, to time.Time, keep func(e otp.Event) bool, key func(e otp.Event) string) map[string]totals {
		out := map[string]totals{}
		for i := range s.n {
			for _, e := range s.events(i) {
				if d := day(e.CreatedAt); d.Before(from) || d.After(to) || !keep(e) {
					continue
				}
				t := out[key(e)]
				t.Key = key(e)
				switch e.Type {
				case otp.EventCreated:
					t.Created++
				case otp.EventSent:
					t.Sent++
					t.Cost.Micros += e.Cost.Micros
					t.Cost.Currency = max(t.Cost.Currency, e.Cost.Currency)
				case otp.EventVerified:
					t.Verified++
				case otp.EventFailed:
					t.Failed++
				}
				out[key(e)] = t
			}
		}
		return out
	}
	all := func(otp.Event) bool { return true }
	whole := func(otp.Event) string { return "" }
	activeUsers := func(from, to time.Time, app string) int {
		last := map[string]time.Time{}
		for i := range s.n {
			if e := s.events(i)[2]; e.Type == otp.EventVerified && (app == "" || e.AppID == app) {
				k := e.AppID + " " + s.dest(i)
				if e.CreatedAt.After(last[k]) {
					last[k] = e.CreatedAt
				}
			}
		}
		n := 0
		for _, at := range last {
			if d := day(at); !d.Before(from) && !d.After(to) {
				n++
			}
		}
		return n
	}
	asMap := func(ts []otp.StatsTotals) map[string]totals {
		out := map[string]totals{}
		for _, t := range ts {
			out[t.Key] = t
		}
		return out
	}

	lastDay := end.AddDate(0, 0, -1)
	app := s.apps[2]
	someUsers := false
	for _, c := range []struct {
		name     string
		f        otp.StatsFilter
		keep     func(otp.Event) bool
		from, to time.Time
	}{
		{"everything, 90 days", otp.StatsFilter{}, all, end.AddDate(0, 0, -seedDays), lastDay},
		{"everything, the last 30 days", otp.StatsFilter{}, all, lastDay.AddDate(0, 0, -29), lastDay},
		{"one application, 60 days ending 10 days ago", otp.StatsFilter{AppID: app}, func(e otp.Event) bool { return e.AppID == app },
			lastDay.AddDate(0, 0, -69), lastDay.AddDate(0, 0, -10)},
		{"one application, sms in the US", otp.StatsFilter{AppID: app, Channel: otp.SMS, Country: "US"},
			func(e otp.Event) bool { return e.AppID == app && e.Channel == otp.SMS && e.Country == "US" }, end.AddDate(0, 0, -seedDays), lastDay},
		{"email, every application", otp.StatsFilter{Channel: otp.Email}, func(e otp.Event) bool { return e.Channel == otp.Email },
			end.AddDate(0, 0, -seedDays), lastDay},
	} {
		f := c.f
		f.From, f.To = c.from, c.to
		got, err := svc.AnalyticsSummary(t.Context(), f)
		if err != nil {
			t.Fatalf("%s: AnalyticsSummary: %v", c.name, err)
		}
		diff(t, c.name+": totals", want(c.from, c.to, c.keep, whole)[""], got.Totals)
		diff(t, c.name+": by channel", want(c.from, c.to, c.keep, func(e otp.Event) string { return string(e.Channel) }), asMap(got.ByChannel))
		diff(t, c.name+": by country", want(c.from, c.to, c.keep, func(e otp.Event) string { return e.Country }), asMap(got.ByCountry))
		for k := 1; k < len(got.ByChannel); k++ {
			if got.ByChannel[k].Created > got.ByChannel[k-1].Created {
				t.Errorf("%s: by channel not the most created first: %+v", c.name, got.ByChannel)
			}
		}
		// Users are counted by application, not by channel or country.
		// (A user whose last verification is after the period does not
		// count: the users table keeps the last one only.)
		if c.f.Channel == "" {
			w := activeUsers(c.from, c.to, c.f.AppID)
			if got.ActiveUsers != w {
				t.Errorf("%s: active users = %d, want %d", c.name, got.ActiveUsers, w)
			}
			someUsers = someUsers || w > 0
		}
	}

	if !someUsers {
		t.Error("no period has active users: the count is not checked")
	}

	// The time series: each of the last 30 days, zeros included.
	series, err := svc.AnalyticsTimeseries(t.Context(), otp.StatsFilter{AppID: app}, 30)
	if err != nil {
		t.Fatal(err)
	}
	byDay := want(lastDay.AddDate(0, 0, -29), lastDay, func(e otp.Event) bool { return e.AppID == app },
		func(e otp.Event) string { return day(e.CreatedAt).Format(time.DateOnly) })
	if len(series) != 30 || !series[29].Day.Equal(lastDay) {
		t.Fatalf("series has %d days ending %v, want 30 ending %v", len(series), series[len(series)-1].Day, lastDay)
	}
	for _, d := range series {
		w := byDay[d.Day.Format(time.DateOnly)]
		if d.Sent != w.Sent || d.Verified != w.Verified || d.Failed != w.Failed {
			t.Errorf("%s: sent %d, verified %d, failed %d; want %d, %d, %d", d.Day.Format(time.DateOnly), d.Sent, d.Verified, d.Failed, w.Sent, w.Verified, w.Failed)
		}
	}
	if len(byDay) == 0 {
		t.Error("the seeded application has nothing in the last 30 days: the series checks nothing")
	}
}
