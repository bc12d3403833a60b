package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testClaimLeaseRetry(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	now := t0
	v1 := newVerification(a, "+15550001111", t0)
	d1 := createVerification(t, st, v1, now)
	v2 := newVerification(a, "+15550002222", t0)
	d2 := createVerification(t, st, v2, now.Add(time.Minute))

	claimed := func(at time.Time, want ...otp.Delivery) []otp.Delivery {
		t.Helper()
		got := claim(t, st, at, 10)
		for i := range want {
			want[i].ClaimedUntil = at.Add(leaseTime) // the claim's lease names it
		}
		diff(t, "claimed at +"+at.Sub(now).String(), want, got)
		return got
	}
	// attempt is d as its nth claim returns it, due at next.
	attempt := func(d otp.Delivery, n int, next time.Time) otp.Delivery {
		d.Attempts, d.NextAttemptAt = n, next
		return d
	}

	claimed(now, attempt(d1, 1, now)) // d2 is not due yet
	claimed(now.Add(10 * time.Second))
	// The lease runs out: a crashed worker's row is claimed again.
	second := claimed(now.Add(leaseTime), attempt(d1, 2, now))[0]

	// The first claim's worker comes back late: its retry must not end
	// the second claim's lease, nor call its change.
	err := st.RetryDelivery(ctx, attempt(d1, 1, now), now.Add(leaseTime), "late", []string{"x"},
		func(*otp.Verification) (otp.Effects, error) {
			t.Error("change called for a stale claim")
			return otp.Effects{}, nil
		})
	if err != nil {
		t.Fatalf("RetryDelivery with a stale claim: %v", err)
	}
	claimed(now.Add(leaseTime + time.Second))

	// A retry records the attempt in the same transaction: its message
	// row and the verification's last error, beside the outbox row's
	// next attempt, error and skip list.
	retryAt := now.Add(leaseTime + 2*time.Second)
	next := now.Add(5 * time.Minute)
	attempt2 := otp.Message{ID: d1.ID, AppID: a.ID, VerificationID: v1.ID, Channel: d1.Channel, Provider: "a",
		Status: otp.DeliveryRetrying, Attempts: 2, Error: "a: provider timeout", CreatedAt: d1.CreatedAt, NextAttemptAt: next}
	err = st.RetryDelivery(ctx, second, next, "a: provider timeout", []string{"b", "c"}, func(v *otp.Verification) (otp.Effects, error) {
		v.LastError, v.UpdatedAt = "a: provider timeout", retryAt
		return otp.Effects{Messages: []otp.Message{attempt2}}, nil
	})
	if err != nil {
		t.Fatalf("RetryDelivery: %v", err)
	}
	wantV1 := *v1
	wantV1.LastError, wantV1.UpdatedAt = "a: provider timeout", retryAt
	diff(t, "verification after RetryDelivery", &wantV1, getVerification(t, st, a.ID, v1.ID))
	if ms, ok := messages(t, st, a.ID, v1.ID); ok {
		diff(t, "messages after RetryDelivery", []otp.Message{attempt2}, ms)
	}
	d2claim := claimed(now.Add(time.Minute), attempt(d2, 1, now.Add(time.Minute)))[0] // d1 waits for its retry time
	if err := st.FinishDelivery(ctx, d2claim, nil); err != nil {
		t.Fatalf("FinishDelivery: %v", err)
	}
	claimed(now.Add(5*time.Minute - time.Microsecond))
	// The claim returns what the retry recorded: a worker after a restart
	// continues the plan.
	d1retried := attempt(d1, 3, next)
	d1retried.LastError, d1retried.Skip = "a: provider timeout", []string{"b", "c"}
	third := claimed(next, d1retried)[0]
	// A retry ends the lease at once, even if the next attempt is due now;
	// an empty skip list clears it.
	if err := st.RetryDelivery(ctx, third, next, "again", nil, nil); err != nil {
		t.Fatalf("RetryDelivery: %v", err)
	}
	d1again := attempt(d1, 4, next)
	d1again.LastError = "again"
	last := claimed(next, d1again)[0]
	if err := st.FinishDelivery(ctx, last, nil); err != nil {
		t.Fatalf("FinishDelivery: %v", err)
	}
	claimed(now.Add(time.Hour))

	// Finishing without a change leaves the verification alone.
	diff(t, "verification after FinishDelivery(nil)", &wantV1, getVerification(t, st, a.ID, v1.ID))

	// A delivery has a message row per attempt, under the one id; a
	// receipt updates the attempt the provider accepted.
	sent := otp.Message{ID: d1.ID, AppID: a.ID, VerificationID: v1.ID, Channel: d1.Channel, Provider: "b",
		ProviderMessageID: "b-1", Status: otp.DeliverySent, Attempts: 4, CreatedAt: d1.CreatedAt, SentAt: next}
	if _, err := st.UpdateVerification(ctx, a.ID, v1.ID, func(*otp.Verification) (otp.Effects, error) {
		return otp.Effects{Messages: []otp.Message{sent}}, nil
	}); err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	err = st.ApplyReceipt(ctx, "b", "b-1", func(v *otp.Verification, m *otp.Message) (otp.Effects, error) {
		diff(t, "message a receipt finds", &sent, m)
		m.Status, m.DeliveredAt = otp.DeliveryDelivered, next.Add(time.Second)
		return otp.Effects{}, nil
	})
	if err != nil {
		t.Fatalf("ApplyReceipt: %v", err)
	}
	if ms, ok := messages(t, st, a.ID, v1.ID); ok {
		delivered := sent
		delivered.Status, delivered.DeliveredAt = otp.DeliveryDelivered, next.Add(time.Second)
		diff(t, "messages after the receipt", []otp.Message{attempt2, delivered}, ms)
	}
}

func testClaimLimit(t *testing.T, st otp.Store) {
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	var want []string
	for i := range 5 {
		v := newVerification(a, "+15550001111", t0)
		want = append(want, createVerification(t, st, v, t0.Add(time.Duration(i)*time.Second)).ID)
	}
	now := t0.Add(time.Minute)
	first := claim(t, st, now, 2)
	// The rows due first are claimed first.
	diff(t, "first claim", want[:2], deliveryIDs(first))
	rest := claim(t, st, now, 10)
	diff(t, "second claim", want[2:], deliveryIDs(rest))
	if ds := claim(t, st, now, 10); len(ds) != 0 {
		t.Errorf("third claim = %v, want none", deliveryIDs(ds))
	}
}

// testClaimConcurrent claims from many goroutines at once: every row must
// be handed out exactly once.
func testClaimConcurrent(t *testing.T, st otp.Store) {
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	var want []string
	for range 40 {
		v := newVerification(a, "+15550001111", t0)
		want = append(want, createVerification(t, st, v, t0).ID)
	}
	got := claimAll(t, []otp.Store{st}, 8, t0, 2*len(want))
	diff(t, "claimed rows", sorted(want), sorted(got))
}

// claimAll runs workers goroutines per store, each claiming three rows at a
// time until none is left, and returns every id claimed, duplicates
// included. It stops at maxIDs ids, so that a store that hands rows out
// again and again fails the test instead of hanging it.
func claimAll(t *testing.T, stores []otp.Store, workers int, now time.Time, maxIDs int) []string {
	t.Helper()
	var (
		mu  sync.Mutex
		got []string
		wg  sync.WaitGroup
	)
	start := make(chan struct{})
	for _, st := range stores {
		for range workers {
			wg.Go(func() {
				<-start
				for {
					ds, err := st.ClaimDeliveries(t.Context(), now, now.Add(leaseTime), 3)
					if err != nil {
						t.Errorf("ClaimDeliveries: %v", err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					got = append(got, deliveryIDs(ds)...)
					done := len(got) >= maxIDs
					mu.Unlock()
					if done {
						return
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	return got
}

func testFinishDelivery(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	v := newVerification(a, "+15550001111", t0)
	v.DeliveryStatus, v.SentAt, v.LastError = otp.DeliveryQueued, time.Time{}, "earlier failure"
	createVerification(t, st, v, t0)
	d := claim(t, st, t0, 10)[0]

	// A failing change keeps the row leased and the verification as it was.
	errBusy := &otp.Error{Code: otp.CodeConflict, Key: "busy", Message: "busy"}
	err := st.FinishDelivery(ctx, d, func(cur *otp.Verification) (otp.Effects, error) {
		cur.DeliveryStatus = otp.DeliveryFailed
		return otp.Effects{}, errBusy
	})
	wantErr(t, "FinishDelivery with a failing change", err, errBusy)
	diff(t, "verification after a failed finish", v, getVerification(t, st, a.ID, v.ID))
	if ds := claim(t, st, t0.Add(time.Second), 10); len(ds) != 0 {
		t.Fatalf("claimed %v during the lease, want none", deliveryIDs(ds))
	}
	d = claim(t, st, t0.Add(leaseTime), 10)[0]
	if d.Attempts != 2 {
		t.Fatalf("Attempts = %d after the second claim, want 2", d.Attempts)
	}

	// A successful finish writes the change and its effects and removes the row.
	sentAt := t0.Add(time.Minute)
	want := *v
	want.DeliveryStatus, want.SentAt, want.UpdatedAt, want.LastError = otp.DeliverySent, sentAt, sentAt, ""
	msg := otp.Message{ID: d.ID, AppID: a.ID, VerificationID: v.ID, Channel: d.Channel, Provider: "test_inbox",
		ProviderMessageID: d.ID, Status: otp.DeliverySent, Attempts: d.Attempts, CreatedAt: d.CreatedAt, SentAt: sentAt}
	err = st.FinishDelivery(ctx, d, func(cur *otp.Verification) (otp.Effects, error) {
		diff(t, "verification seen by change", v, cur)
		cur.DeliveryStatus, cur.SentAt, cur.UpdatedAt, cur.LastError = otp.DeliverySent, sentAt, sentAt, ""
		return otp.Effects{
			Events:   []otp.Event{newEvent(otp.EventSent, cur, sentAt)},
			Messages: []otp.Message{msg},
		}, nil
	})
	if err != nil {
		t.Fatalf("FinishDelivery: %v", err)
	}
	diff(t, "verification after FinishDelivery", &want, getVerification(t, st, a.ID, v.ID))
	inbox, err := st.ListTestMessages(ctx, a.ID, v.To, time.Time{}, 10)
	if err != nil {
		t.Fatalf("ListTestMessages: %v", err)
	}
	diff(t, "test inbox", []otp.TestInboxMessage{inboxEntry(msg, &want)}, inbox)
	if ms, ok := messages(t, st, a.ID, v.ID); ok {
		diff(t, "messages", []otp.Message{msg}, ms)
	}
	if types, ok := eventTypes(t, st, a.ID); ok {
		diff(t, "events", []otp.EventType{otp.EventCreated, otp.EventSent}, types)
	}
	if ds := claim(t, st, t0.Add(time.Hour), 10); len(ds) != 0 {
		t.Fatalf("claimed %v after FinishDelivery, want none", deliveryIDs(ds))
	}

	// A second finish of the same delivery (a worker whose lease ran out)
	// records nothing twice.
	err = st.FinishDelivery(ctx, d, func(*otp.Verification) (otp.Effects, error) {
		t.Error("change called for a delivery that was finished already")
		return otp.Effects{}, nil
	})
	if err != nil {
		t.Fatalf("FinishDelivery twice: %v", err)
	}

	// An outbox row whose verification is gone is just removed.
	orphan := otp.Delivery{ID: otp.NewID("dlv"), AppID: a.ID, VerificationID: "ver_missing", Channel: otp.SMS,
		NextAttemptAt: t0, CreatedAt: t0}
	w := newVerification(a, "+15550002222", t0)
	if err := st.CreateVerification(ctx, w, otp.Effects{Deliveries: []otp.Delivery{orphan}}, nil); err != nil {
		t.Fatalf("CreateVerification: %v", err)
	}
	claimedOrphan := claim(t, st, t0.Add(2*time.Hour), 10)
	if !slices.Equal(deliveryIDs(claimedOrphan), []string{orphan.ID}) {
		t.Fatalf("claimed %v, want the orphan %s", deliveryIDs(claimedOrphan), orphan.ID)
	}
	err = st.FinishDelivery(ctx, claimedOrphan[0], func(*otp.Verification) (otp.Effects, error) {
		t.Error("change called for a missing verification")
		return otp.Effects{}, nil
	})
	if err != nil {
		t.Fatalf("FinishDelivery of an orphan: %v", err)
	}
	if ds := claim(t, st, t0.Add(3*time.Hour), 10); len(ds) != 0 {
		t.Fatalf("claimed %v after finishing the orphan, want none", deliveryIDs(ds))
	}
}

// testTestInbox: the test inbox is the messages sent through the test
// inbox's provider whose verification keeps its inbox code, newest sent
// first; a message's destination is its own (a fallback step's) or its
// verification's.
func testTestInbox(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	b := createApp(t, st, p.ID, otp.Test)
	x, y, z := "+15550001111", "user@example.com", "fallback@example.com"

	create := func(app *otp.Application, to string, at time.Time) (*otp.Verification, otp.Message) {
		v := newVerification(app, to, at)
		m := inboxMessage(v, at)
		if err := st.CreateVerification(ctx, v, otp.Effects{Messages: []otp.Message{m}}, nil); err != nil {
			t.Fatalf("CreateVerification: %v", err)
		}
		return v, m
	}
	send := func(v *otp.Verification, m otp.Message) {
		_, err := st.UpdateVerification(ctx, v.AppID, v.ID, func(*otp.Verification) (otp.Effects, error) {
			return otp.Effects{Messages: []otp.Message{m}}, nil
		})
		if err != nil {
			t.Fatalf("UpdateVerification: %v", err)
		}
	}
	vx1, m1 := create(a, x, t0)
	vy, m2 := create(a, y, t0.Add(time.Minute))
	vx2, m3 := create(a, x, t0.Add(2*time.Minute)) // supersedes vx1, whose message stays in the inbox
	vb, m4 := create(b, x, t0.Add(3*time.Minute))
	// A resend of an older verification is newer than a younger one's message.
	m5 := inboxMessage(vy, t0.Add(4*time.Minute))
	m5.Channel = otp.Voice
	send(vy, m5)
	// A fallback step to another destination is that destination's.
	m6 := inboxMessage(vx2, t0.Add(5*time.Minute))
	m6.Channel, m6.To = otp.Email, z
	send(vx2, m6)
	// Not in the inbox: a message through a provider, and one of a
	// verification that keeps no inbox code.
	live := inboxMessage(vx2, t0.Add(6*time.Minute))
	live.Provider, live.ProviderMessageID = "twilio", "SM1"
	send(vx2, live)
	noCode := newVerification(a, "+15550003333", t0.Add(7*time.Minute))
	noCode.InboxCode = nil
	if err := st.CreateVerification(ctx, noCode, otp.Effects{Messages: []otp.Message{inboxMessage(noCode, t0.Add(7*time.Minute))}}, nil); err != nil {
		t.Fatalf("CreateVerification: %v", err)
	}

	e1, e2, e3, e4 := inboxEntry(m1, vx1), inboxEntry(m2, vy), inboxEntry(m3, vx2), inboxEntry(m4, vb)
	e5, e6 := inboxEntry(m5, vy), inboxEntry(m6, vx2)
	for _, tc := range []struct {
		app   *otp.Application
		to    string
		since time.Time
		limit int
		want  []otp.TestInboxMessage
	}{
		{a, "", time.Time{}, 10, []otp.TestInboxMessage{e6, e5, e3, e2, e1}},
		{a, x, time.Time{}, 10, []otp.TestInboxMessage{e3, e1}},
		{a, y, time.Time{}, 10, []otp.TestInboxMessage{e5, e2}},
		{a, z, time.Time{}, 10, []otp.TestInboxMessage{e6}},
		{a, "", time.Time{}, 2, []otp.TestInboxMessage{e6, e5}},
		{a, x, time.Time{}, 1, []otp.TestInboxMessage{e3}},
		{a, "", t0.Add(time.Minute), 10, []otp.TestInboxMessage{e6, e5, e3, e2}},
		{a, x, t0.Add(time.Minute), 10, []otp.TestInboxMessage{e3}},
		{a, "+15559999999", time.Time{}, 10, nil},
		{a, "+15550003333", time.Time{}, 10, nil},
		{b, "", time.Time{}, 10, []otp.TestInboxMessage{e4}},
		{b, z, time.Time{}, 10, nil},
	} {
		got, err := st.ListTestMessages(ctx, tc.app.ID, tc.to, tc.since, tc.limit)
		if err != nil {
			t.Fatalf("ListTestMessages: %v", err)
		}
		diff(t, fmt.Sprintf("ListTestMessages(%q, since %v, limit %d)", tc.to, tc.since.Sub(t0), tc.limit), tc.want, got)
	}

	// Retention: the verifications that expired before the cut lose their
	// inbox code, across applications, and their messages leave the inbox.
	n, err := st.DeleteTestMessagesBefore(ctx, vy.ExpiresAt.Add(time.Microsecond))
	if err != nil || n != 2 {
		t.Fatalf("DeleteTestMessagesBefore = %d, %v; want vx1's and vy's inbox codes", n, err)
	}
	for app, want := range map[*otp.Application][]otp.TestInboxMessage{a: {e6, e3}, b: {e4}} {
		got, err := st.ListTestMessages(ctx, app.ID, "", time.Time{}, 10)
		if err != nil {
			t.Fatalf("ListTestMessages after retention: %v", err)
		}
		diff(t, "after retention", want, got)
	}
	if got := getVerification(t, st, a.ID, vy.ID); got.InboxCode != nil || got.CodeSealed == nil {
		t.Errorf("after retention: inbox code %q, sealed code %q; want only the inbox code erased", got.InboxCode, got.CodeSealed)
	}
}
