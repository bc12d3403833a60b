package otp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// seedTraffic writes sends and verified to the traffic history of
// prefix (6 digits) in the bucket ago before now, as the consumer would.
func seedTraffic(t *testing.T, f *fixture, projectID, prefix, country string, ago time.Duration, sends, verified int) {
	t.Helper()
	d := otp.TrafficDelta{ProjectID: projectID, Prefix: prefix, Country: country,
		Bucket: f.clock.Now().Add(-ago).Truncate(otp.TrafficBucket), Sends: sends, Verified: verified}
	if err := f.store.ConsumeEvents(t.Context(), nil, nil, nil, []otp.TrafficDelta{d}, nil); err != nil {
		t.Fatal(err)
	}
}

// The detector blocks the sub-prefix that holds an attack, not the busy
// prefix around it; leaves alone a prefix below the minimum volume, a
// prefix whose conversion holds, and a project whose detector is off;
// and does not block a prefix twice.
func TestDetectorBlocksWhereTheAttackIs(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	off, _ := f.newApp(t, otp.Live)
	if _, err := f.svc.SetDetector(t.Context(), off.ProjectID, otp.PumpingDetector{Disabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a.ProjectID, off.ProjectID} {
		// A week of normal UK traffic: 100 an hour over +4474, 80% verified.
		for h := 2; h < 7*24; h++ {
			seedTraffic(t, f, p, "+447400", "GB", time.Duration(h)*time.Hour, 100, 80)
		}
		for m := 5; m <= 60; m += 5 {
			ago := time.Duration(m) * time.Minute
			seedTraffic(t, f, p, "+447400", "GB", ago, 10, 8) // normal, as usual
			seedTraffic(t, f, p, "+447911", "GB", ago, 20, 0) // the attack: 240 sends, none verified
			seedTraffic(t, f, p, "+447912", "GB", ago, 1, 0)  // too few to judge
			seedTraffic(t, f, p, "+336120", "FR", ago, 10, 9) // a new prefix converting well
		}
	}
	added, err := f.svc.DetectPumping(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range added {
		got = append(got, b.Prefix)
		if !b.Auto || b.Country != "GB" || !b.Until.Equal(f.clock.Now().Add(time.Hour)) {
			t.Errorf("block %+v, want automatic, GB, for an hour", b)
		}
		t.Logf("%s: %s", b.Prefix, b.Reason)
	}
	if fmt.Sprint(got) != "[+447911]" {
		t.Errorf("blocked %v, want [+447911] only (of the project whose detector is on)", got)
	}
	f.clock.Advance(time.Minute)
	if again, err := f.svc.DetectPumping(t.Context()); err != nil || len(again) != 0 {
		t.Errorf("a second run blocked %v, %v; want nothing new", again, err)
	}
}

// Learnt budgets are written for projects with traffic in the last hour
// only, per country and per busy prefix (1000 normal sends a week): 3
// times the busiest normal hour and day, at least the floors; an hour
// converting far below the project's is not normal, and a prefix with no
// normal hour gets none.
func TestLearntBudgets(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	busy, _ := f.newApp(t, otp.Live)
	idle, _ := f.newApp(t, otp.Live)
	seedTraffic(t, f, idle.ProjectID, "+447400", "GB", 3*time.Hour, 500, 400)
	seedTraffic(t, f, busy.ProjectID, "+447400", "GB", 3*time.Hour, 100, 80)
	seedTraffic(t, f, busy.ProjectID, "+447400", "GB", 2*time.Hour, 40, 32)
	seedTraffic(t, f, busy.ProjectID, "+447400", "GB", 30*time.Minute, 5, 4)
	seedTraffic(t, f, busy.ProjectID, "+998901", "UZ", 26*time.Hour, 900, 0) // an attack's hour
	seedTraffic(t, f, busy.ProjectID, "+336120", "FR", 50*time.Hour, 600, 540)
	seedTraffic(t, f, busy.ProjectID, "+336129", "FR", 49*time.Hour, 400, 360) // +33612: busy
	seedTraffic(t, f, busy.ProjectID, "+447400", "GB", 4*time.Hour, 900, 720)  // +44740 busy too, with the hours above
	n, err := f.svc.LearnBudgets(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("LearnBudgets = %d, %v; want the one project with traffic in the last hour", n, err)
	}
	p, err := f.svc.GetProject(t.Context(), busy.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	want := "[{FR  1800 3000} {GB  2700 3135} {UZ  20 200} { +33612 1800 3000} { +44740 2700 3135}]"
	if got := fmt.Sprint(p.Fraud.Budgets.Learnt); got != want || !p.Fraud.Budgets.LearntAt.Equal(f.clock.Now()) {
		t.Errorf("learnt = %s at %s, want %s now", got, p.Fraud.Budgets.LearntAt, want)
	}
	if q, _ := f.svc.GetProject(t.Context(), idle.ProjectID); len(q.Fraud.Budgets.Learnt) != 0 || !q.Fraud.Budgets.LearntAt.IsZero() {
		t.Errorf("the idle project was written: %+v", q.Fraud.Budgets)
	}
}

// A block whose cooling period ends is dropped by the next detector run,
// with one fraud.released event of each application, however many times
// the detector runs after that.
func TestBlockEndsWithItsCoolingPeriod(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	if _, err := f.svc.BlockPrefix(t.Context(), a.ProjectID, otp.BlockInput{Prefix: "+88216", Minutes: 30}); err != nil {
		t.Fatal(err)
	}
	seedTraffic(t, f, a.ProjectID, "+447400", "GB", 10*time.Minute, 10, 8) // the project has traffic: the detector looks at it
	released := func() int {
		t.Helper()
		recs, err := f.svc.ListLogs(t.Context(), otp.EventFilter{AppID: a.ID, Type: otp.EventFraudReleased})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	if _, err := f.svc.DetectPumping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := released(); n != 0 {
		t.Fatalf("fraud.released events while the block lasts = %d, want 0", n)
	}
	f.clock.Advance(31 * time.Minute)
	for range 2 {
		if _, err := f.svc.DetectPumping(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := released(); n != 1 {
		t.Errorf("fraud.released events after the cooling period = %d, want 1", n)
	}
	if bs, err := f.svc.PrefixBlocks(t.Context(), a.ProjectID); err != nil || len(bs) != 0 {
		t.Errorf("active blocks after the cooling period = %v, %v; want none", bs, err)
	}
	p, err := f.store.GetProject(t.Context(), a.ProjectID)
	if err != nil || len(p.Fraud.Blocks) != 0 {
		t.Errorf("stored blocks after the cooling period = %v, %v; want none", p.Fraud.Blocks, err)
	}
}
