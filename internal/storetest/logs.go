package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testEventLogFilters checks that each filter of the event log keeps
// exactly its events, alone and together, in pages.
func testEventLogFilters(t *testing.T, st otp.Store) {
	p := createProject(t, st, "logs")
	a := createApp(t, st, p.ID, otp.Live)
	b := createApp(t, st, p.ID, otp.Live)
	type made struct {
		id  string
		typ otp.EventType
	}
	var all []made
	// record creates a verification at at with a created event, then the
	// later events of types, one minute apart.
	record := func(app *otp.Application, at time.Time, types ...otp.EventType) string {
		t.Helper()
		v := newVerification(app, fmt.Sprintf("+1415555%04d", len(all)), at) // one each: a new one would supersede it
		created := newEvent(otp.EventCreated, v, at)
		if err := st.CreateVerification(t.Context(), v, otp.Effects{Events: []otp.Event{created}}, nil); err != nil {
			t.Fatalf("CreateVerification: %v", err)
		}
		all = append(all, made{created.ID, otp.EventCreated})
		for i, typ := range types {
			e := newEvent(typ, v, at.Add(time.Duration(i+1)*time.Minute))
			if _, err := st.UpdateVerification(t.Context(), app.ID, v.ID, func(*otp.Verification) (otp.Effects, error) {
				return otp.Effects{Events: []otp.Event{e}}, nil
			}); err != nil {
				t.Fatal(err)
			}
			all = append(all, made{e.ID, typ})
		}
		return v.ID
	}
	v1 := record(a, t0, otp.EventSent, otp.EventVerified)
	v2 := record(a, t0.Add(time.Hour), otp.EventSent, otp.EventFailed)
	v3 := record(b, t0.Add(2*time.Hour), otp.EventSent, otp.EventVerified)

	ids := func(f otp.EventFilter) []string {
		t.Helper()
		var out []string
		for range 20 {
			f.Limit = 2
			page, err := st.ListEventLog(t.Context(), f)
			if err != nil {
				t.Fatalf("ListEventLog(%+v): %v", f, err)
			}
			for _, r := range page {
				out = append(out, r.ID)
			}
			if len(page) < 2 {
				break
			}
			f.Cursor = page[len(page)-1].Cursor
		}
		return out
	}
	// want lists, newest first, the IDs of the events made for which keep holds.
	want := func(keep func(i int, m made) bool) []string {
		var out []string
		for i := len(all) - 1; i >= 0; i-- {
			if keep(i, all[i]) {
				out = append(out, all[i].id)
			}
		}
		return out
	}
	diff(t, "one verification", want(func(i int, _ made) bool { return i < 3 }), ids(otp.EventFilter{VerificationID: v1}))
	diff(t, "one verification of its application", want(func(i int, _ made) bool { return i >= 3 && i < 6 }),
		ids(otp.EventFilter{AppID: a.ID, VerificationID: v2}))
	diff(t, "a verification of another application", []string(nil), ids(otp.EventFilter{AppID: a.ID, VerificationID: v3}))
	diff(t, "one type", want(func(_ int, m made) bool { return m.typ == otp.EventVerified }), ids(otp.EventFilter{Type: otp.EventVerified}))
	diff(t, "one type of one application", want(func(i int, m made) bool { return i < 6 && m.typ == otp.EventSent }),
		ids(otp.EventFilter{AppID: a.ID, Type: otp.EventSent}))
	// From t0+1h (included) to t0+2h (excluded): v2's three events.
	diff(t, "a time window", want(func(i int, _ made) bool { return i >= 3 && i < 6 }),
		ids(otp.EventFilter{From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}))
	diff(t, "every filter", want(func(i int, _ made) bool { return i == 5 }),
		ids(otp.EventFilter{AppID: a.ID, VerificationID: v2, Type: otp.EventFailed, From: t0, To: t0.Add(3 * time.Hour)}))
}
