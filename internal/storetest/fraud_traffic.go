package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testFraudTraffic: the consumer's traffic deltas add up per project,
// prefix, country and bucket; FraudTraffic sums a span by shorter
// prefixes under a prefix, FraudTrafficByHour by country and hour;
// FraudTrafficProjects lists the projects with recent traffic; old
// buckets are deleted.
func testFraudTraffic(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p, other := createProject(t, st, "traffic"), createProject(t, st, "other traffic")
	b0 := t0.Truncate(time.Hour)
	b1 := b0.Add(otp.TrafficBucket)
	deltas := []otp.TrafficDelta{
		{ProjectID: p.ID, Prefix: "+998901", Country: "UZ", Bucket: b0, Sends: 10},
		{ProjectID: p.ID, Prefix: "+998902", Country: "UZ", Bucket: b1, Sends: 5, Verified: 1},
		{ProjectID: p.ID, Prefix: "+447700", Country: "GB", Bucket: b1, Sends: 4, Verified: 3},
		{ProjectID: other.ID, Prefix: "+998901", Country: "UZ", Bucket: b0, Sends: 100},
	}
	if err := st.ConsumeEvents(ctx, nil, nil, nil, deltas, nil); err != nil {
		t.Fatal(err)
	}
	// The same row again adds to it.
	again := []otp.TrafficDelta{{ProjectID: p.ID, Prefix: "+998901", Country: "UZ", Bucket: b0, Sends: 2, Verified: 2}}
	if err := st.ConsumeEvents(ctx, nil, nil, nil, again, nil); err != nil {
		t.Fatal(err)
	}
	got, err := st.FraudTraffic(ctx, p.ID, b0, b1.Add(otp.TrafficBucket), "+9989", 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []otp.TrafficCount{{Prefix: "+9989", Country: "UZ", Sends: 17, Verified: 3}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("FraudTraffic under +9989 by 4 digits = %+v, want %+v", got, want)
	}
	got, err = st.FraudTraffic(ctx, p.ID, b0, b1, "", otp.TrafficPrefixDigits)
	if err != nil {
		t.Fatal(err)
	}
	want = []otp.TrafficCount{{Prefix: "+998901", Country: "UZ", Sends: 12, Verified: 2}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("FraudTraffic of the first bucket = %+v, want %+v (the second bucket is outside [from, to))", got, want)
	}
	got, err = st.FraudTraffic(ctx, p.ID, b0, b1.Add(otp.TrafficBucket), "+", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Country != "GB" || got[0].Sends != 4 || got[1].Country != "UZ" || got[1].Sends != 17 {
		t.Errorf("FraudTraffic of every phone = %+v, want GB 4 and UZ 17 sends", got)
	}
	hours, err := st.FraudTrafficByHour(ctx, p.ID, b0, b0.Add(time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(hours) != 2 || hours[1].Country != "UZ" || hours[1].Sends != 17 || !hours[1].Hour.Equal(b0) {
		t.Errorf("FraudTrafficByHour = %+v, want GB, then UZ with 17 sends in the hour of %s", hours, b0)
	}
	hours, err = st.FraudTrafficByHour(ctx, p.ID, b0, b0.Add(time.Hour), "+998902")
	if err != nil {
		t.Fatal(err)
	}
	if len(hours) != 1 || hours[0].Country != "UZ" || hours[0].Sends != 5 {
		t.Errorf("FraudTrafficByHour under +998902 = %+v, want its 5 sends", hours)
	}
	ids, err := st.FraudTrafficProjects(ctx, b1)
	if err != nil || len(ids) != 1 || ids[0] != p.ID {
		t.Errorf("FraudTrafficProjects from the second bucket = %v, %v; want only %s", ids, err, p.ID)
	}
	n, err := st.DeleteFraudTrafficBefore(ctx, b1)
	if err != nil || n != 2 {
		t.Errorf("DeleteFraudTrafficBefore the second bucket = %d, %v; want 2 rows (both projects' first bucket)", n, err)
	}
	if ids, _ := st.FraudTrafficProjects(ctx, b0); len(ids) != 1 {
		t.Errorf("projects with traffic after the deletion = %v, want one", ids)
	}
}

// testBlockEvents: events about no verification (fraud.blocked) are
// written with their block, read back by the consumer and in the log,
// and deleted by age once consumed.
func testBlockEvents(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "blocks")
	a := createApp(t, st, p.ID, otp.Live)
	b := otp.PrefixBlock{Prefix: "+88216", Reason: "412 sends, 0.2% verified", Auto: true, Since: t0, Until: t0.Add(time.Hour)}
	e := otp.Event{ID: otp.NewID("evt"), Type: otp.EventFraudBlocked, AppID: a.ID, CreatedAt: t0, Block: &b}
	if err := st.AddEvents(ctx, []otp.Event{e}); err != nil {
		t.Fatal(err)
	}
	pending := undispatched(t, st, 1)
	var got *otp.Event
	for i := range pending {
		if pending[i].ID == e.ID {
			got = &pending[i]
		}
	}
	if got == nil || got.Block == nil || got.Block.Prefix != "+88216" || !got.Block.Until.Equal(b.Until) || got.VerificationID != "" {
		t.Fatalf("undispatched fraud.blocked = %+v, want it with its block", got)
	}
	log, err := st.ListEventLog(ctx, otp.EventFilter{AppID: a.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Block == nil || log[0].Block.Reason != b.Reason {
		t.Errorf("event log = %+v, want the block event with its reason", log)
	}
	cut := t0.Add(time.Hour)
	if _, err := st.DeleteOldData(ctx, cut, cut, 100); err != nil {
		t.Fatal(err)
	}
	if log, _ := st.ListEventLog(ctx, otp.EventFilter{AppID: a.ID, Limit: 10}); len(log) != 1 {
		t.Errorf("an unconsumed block event was deleted: %+v", log)
	}
	if err := st.ConsumeEvents(ctx, nil, nil, nil, nil, pending); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteOldData(ctx, cut, cut, 100); err != nil {
		t.Fatal(err)
	}
	if log, _ := st.ListEventLog(ctx, otp.EventFilter{AppID: a.ID, Limit: 10}); len(log) != 0 {
		t.Errorf("a consumed block event older than the cut is left: %+v", log)
	}
}
