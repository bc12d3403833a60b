package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// testEventLogPages checks that the event log is newest first in the
// order the events were written, not in the order of their ids, and
// that paging it by the records' cursors lists each event once, with no
// gap between pages: of one application, of an owner's (one arm per
// application) and of all. A cursor the store did not give is an invalid
// parameter. Events are written here with ids in the reverse of their
// order, which an id can be (another instance's clock, an event whose id
// was made before a slow transaction's), so that a log in id order fails.
func testEventLogPages(t *testing.T, st otp.Store) {
	ctx := t.Context()
	owner := "dev_pages"
	a, b := ownedApp(t, st, owner), ownedApp(t, st, owner)
	other := ownedApp(t, st, "dev_other")
	apps := []*otp.Application{a, b, a, other, a, b, b, a, other}
	ids := make([]string, len(apps))
	for i := range ids {
		ids[len(ids)-1-i] = otp.NewID("evt") // the last written has the lowest id
	}
	// written is each application's event ids (and "" the owner's, "*"
	// every one's) in the order written.
	written := map[string][]string{}
	for i, app := range apps {
		v := newVerification(app, fmt.Sprintf("+1415555070%d", i), t0)
		e := newEvent(otp.EventCreated, v, t0)
		e.ID = ids[i]
		if err := st.CreateVerification(ctx, v, otp.Effects{Events: []otp.Event{e}}, nil); err != nil {
			t.Fatalf("CreateVerification: %v", err)
		}
		written[app.ID] = append(written[app.ID], e.ID)
		if app != other {
			written[""] = append(written[""], e.ID)
		}
		written["*"] = append(written["*"], e.ID)
	}
	newestFirst := func(key string) []string {
		out := slices.Clone(written[key])
		slices.Reverse(out)
		return out
	}

	// pages reads the log of f in pages of limit, following each page's
	// last cursor, and fails on a repeated event.
	pages := func(f otp.EventFilter, limit int) []string {
		t.Helper()
		var got []string
		seen := map[string]bool{}
		f.Limit = limit
		for range 20 {
			recs, err := st.ListEventLog(ctx, f)
			if err != nil {
				t.Fatalf("ListEventLog(%+v): %v", f, err)
			}
			for _, r := range recs {
				if seen[r.ID] {
					t.Fatalf("event %s listed twice, on a page after cursor %q", r.ID, f.Cursor)
				}
				seen[r.ID] = true
				got = append(got, r.ID)
			}
			if len(recs) < limit {
				return got
			}
			f.Cursor = recs[len(recs)-1].Cursor
		}
		t.Fatal("ListEventLog never ends")
		return nil
	}
	for _, limit := range []int{1, 2, 3, 100} {
		diff(t, fmt.Sprintf("a's log in pages of %d", limit), newestFirst(a.ID), pages(otp.EventFilter{AppID: a.ID}, limit))
		diff(t, fmt.Sprintf("the owner's log in pages of %d", limit), newestFirst(""), pages(otp.EventFilter{OwnerID: &owner}, limit))
		diff(t, fmt.Sprintf("the whole log in pages of %d", limit), newestFirst("*"), pages(otp.EventFilter{}, limit))
	}
	if evs, ok := events(t, st, a.ID); ok {
		var got []string
		for _, e := range evs {
			got = append(got, e.ID)
		}
		diff(t, "a's events in the order written", written[a.ID], got)
	}

	// The events of one change are in the order of its Effects.Events
	// too, though PostgreSQL runs the inserts of one change's combined
	// statement in no promised order (last first, in fact).
	v := newVerification(b, "+14155550799", t0)
	sent, created := newEvent(otp.EventSent, v, t0), newEvent(otp.EventCreated, v, t0)
	if err := st.CreateVerification(ctx, v, otp.Effects{Events: []otp.Event{created, sent}, Messages: []otp.Message{inboxMessage(v, t0)}}, nil); err != nil {
		t.Fatalf("CreateVerification: %v", err)
	}
	recs, err := st.ListEventLog(ctx, otp.EventFilter{AppID: b.ID, Limit: 2})
	if err != nil || len(recs) != 2 || recs[0].ID != sent.ID || recs[1].ID != created.ID {
		t.Errorf("log of a change of two events = %v, %v; want %s (sent) then %s (created)", recs, err, sent.ID, created.ID)
	}

	for _, cursor := range []string{ids[3], "12x", "-1"} {
		recs, err := st.ListEventLog(ctx, otp.EventFilter{AppID: a.ID, Cursor: cursor, Limit: 10})
		var e *otp.Error
		if !errors.As(err, &e) || e.Code != otp.CodeInvalidParameter || e.Field != "cursor" {
			t.Errorf("ListEventLog after cursor %q = %d records, %v; want an invalid cursor", cursor, len(recs), err)
		}
	}
}
