package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testVerificationRoundTrip(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)

	full := newVerification(a, "+15550001111", t0)
	createVerification(t, st, full, time.Time{})
	got := getVerification(t, st, a.ID, full.ID)
	diff(t, "GetVerification", full, got)
	for name, tm := range map[string]time.Time{"CreatedAt": got.CreatedAt, "ExpiresAt": got.ExpiresAt, "VerifiedAt": got.VerifiedAt} {
		if tm.Location() != time.UTC {
			t.Errorf("%s location = %v, want UTC", name, tm.Location())
		}
	}

	// Absent values stay absent: no metadata, no sealed code, zero times.
	bare := newVerification(a, "user@example.com", t0)
	bare.Channel, bare.Purpose, bare.Locale = otp.Email, otp.PurposeVerification, "en"
	bare.Metadata, bare.CodeSealed, bare.LastError = nil, nil, ""
	bare.Attempts, bare.Resends = 0, 0
	bare.LastSentAt, bare.ResendAt, bare.SentAt, bare.VerifiedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	createVerification(t, st, bare, time.Time{})
	got = getVerification(t, st, a.ID, bare.ID)
	diff(t, "GetVerification without optional values", bare, got)
	if got.Metadata != nil || got.CodeSealed != nil || !got.SentAt.IsZero() {
		t.Errorf("absent values read back as Metadata %q, CodeSealed %v, SentAt %v; want nil, nil, zero",
			got.Metadata, got.CodeSealed, got.SentAt)
	}

	wantErr(t, "CreateVerification with a taken id",
		st.CreateVerification(ctx, full, otp.Effects{}, nil), otp.ErrConflict)
	_, err := st.GetVerification(ctx, a.ID, "ver_missing")
	wantNotFound(t, "GetVerification(missing)", err)
}

func testUpdateVerification(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	v := newVerification(a, "+15550001111", t0)
	createVerification(t, st, v, time.Time{})

	// A change sees the stored row and writes it back with its effects.
	now := t0.Add(time.Minute)
	want := *v
	want.Status, want.Attempts, want.CodeSealed, want.VerifiedAt, want.UpdatedAt = otp.StatusVerified, 2, nil, now, now
	want.Metadata = json.RawMessage(`{"changed":true}`)
	d := newDelivery(v, now)
	msg := otp.Message{ID: d.ID, AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS, Provider: "twilio",
		ProviderMessageID: "SM123", Status: otp.DeliverySent, Attempts: 2, Error: "", CreatedAt: t0, SentAt: now}
	inboxMsg := inboxMessage(v, now)
	got, err := st.UpdateVerification(ctx, a.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
		diff(t, "verification seen by change", v, cur)
		cur.Status, cur.Attempts, cur.CodeSealed, cur.VerifiedAt, cur.UpdatedAt = otp.StatusVerified, 2, nil, now, now
		cur.Metadata = json.RawMessage(`{"changed":true}`)
		return otp.Effects{
			Events:     []otp.Event{newEvent(otp.EventVerified, cur, now)},
			Deliveries: []otp.Delivery{d},
			Messages:   []otp.Message{msg, inboxMsg},
		}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	diff(t, "UpdateVerification result", &want, got)
	diff(t, "GetVerification after UpdateVerification", &want, getVerification(t, st, a.ID, v.ID))
	claimed := claim(t, st, now, 10)
	if got := deliveryIDs(claimed); !slices.Equal(got, []string{d.ID}) {
		t.Errorf("claimed %v, want the change's delivery %s", got, d.ID)
	}
	inbox, err := st.ListTestMessages(ctx, a.ID, "", time.Time{}, 10)
	if err != nil {
		t.Fatalf("ListTestMessages: %v", err)
	}
	diff(t, "test inbox", []otp.TestInboxMessage{inboxEntry(inboxMsg, &want)}, inbox)
	if ms, ok := messages(t, st, a.ID, v.ID); ok {
		diff(t, "messages", []otp.Message{msg, inboxMsg}, ms)
	}
	if types, ok := eventTypes(t, st, a.ID); ok {
		diff(t, "events", []otp.EventType{otp.EventCreated, otp.EventVerified}, types)
	}

	// A change that fails writes nothing, not even what it did to v before
	// failing, and its error comes back intact.
	errRefused := &otp.Error{Code: otp.CodeConflict, Key: "refused", Message: "refused"}
	_, err = st.UpdateVerification(ctx, a.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
		cur.Status, cur.Attempts = otp.StatusCanceled, 9
		return otp.Effects{
			Events:     []otp.Event{newEvent(otp.EventCanceled, cur, now)},
			Deliveries: []otp.Delivery{newDelivery(cur, now)},
			Messages:   []otp.Message{inboxMessage(cur, now)},
		}, errRefused
	})
	wantErr(t, "UpdateVerification with a failing change", err, errRefused)
	diff(t, "GetVerification after a failed change", &want, getVerification(t, st, a.ID, v.ID))
	if ds := claim(t, st, now.Add(time.Hour), 10); len(ds) != 1 || ds[0].ID != d.ID {
		t.Errorf("claimed %v after a failed change, want only %s", deliveryIDs(ds), d.ID)
	}
	if inbox, _ := st.ListTestMessages(ctx, a.ID, "", time.Time{}, 10); len(inbox) != 1 {
		t.Errorf("test inbox has %d messages after a failed change, want 1", len(inbox))
	}
	if types, ok := eventTypes(t, st, a.ID); ok && len(types) != 2 {
		t.Errorf("events after a failed change = %v, want 2", types)
	}

	// Changing the id or application inside change cannot move the row.
	_, err = st.UpdateVerification(ctx, a.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
		cur.ID, cur.AppID, cur.LastError = "ver_other", "app_other", "moved?"
		return otp.Effects{}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	if got := getVerification(t, st, a.ID, v.ID); got.LastError != "moved?" {
		t.Errorf("LastError = %q, want the change written under the original id", got.LastError)
	}

	called := false
	_, err = st.UpdateVerification(ctx, a.ID, "ver_missing", func(*otp.Verification) (otp.Effects, error) {
		called = true
		return otp.Effects{}, nil
	})
	wantNotFound(t, "UpdateVerification(missing)", err)
	if called {
		t.Error("change was called for a missing verification")
	}
}

func testTenantIsolation(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	mine := createApp(t, st, p.ID, otp.Test)
	theirs := createApp(t, st, p.ID, otp.Test)
	v := newVerification(mine, "+15550001111", t0)
	idem := &otp.Idempotency{AppID: mine.ID, Key: "k", RequestHash: sum("r"), VerificationID: v.ID, CreatedAt: t0}
	fx := otp.Effects{Messages: []otp.Message{inboxMessage(v, t0)}}
	if err := st.CreateVerification(ctx, v, fx, idem); err != nil {
		t.Fatalf("CreateVerification: %v", err)
	}

	_, err := st.GetVerification(ctx, theirs.ID, v.ID)
	wantNotFound(t, "GetVerification by another application", err)
	_, err = st.UpdateVerification(ctx, theirs.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
		t.Error("change was called with another application's verification")
		cur.Attempts = 99
		return otp.Effects{}, nil
	})
	wantNotFound(t, "UpdateVerification by another application", err)
	_, err = st.LatestPendingVerification(ctx, theirs.ID, v.To)
	wantNotFound(t, "LatestPendingVerification by another application", err)
	_, err = st.GetIdempotency(ctx, theirs.ID, "k", time.Time{})
	wantNotFound(t, "GetIdempotency by another application", err)
	if vs, err := st.ListVerifications(ctx, theirs.ID, otp.VerificationFilter{To: v.To}); err != nil || len(vs) != 0 {
		t.Errorf("ListVerifications by another application = %d, %v; want none", len(vs), err)
	}
	for _, to := range []string{v.To, ""} {
		if ms, err := st.ListTestMessages(ctx, theirs.ID, to, time.Time{}, 10); err != nil || len(ms) != 0 {
			t.Errorf("ListTestMessages(%q) by another application = %d, %v; want none", to, len(ms), err)
		}
		if ms, err := st.ListTestMessages(ctx, mine.ID, to, time.Time{}, 10); err != nil || len(ms) != 1 {
			t.Errorf("ListTestMessages(%q) by its application = %d, %v; want its message", to, len(ms), err)
		}
	}
	diff(t, "verification after another application's attempts", v, getVerification(t, st, mine.ID, v.ID))
}

func testIdempotency(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Test)
	b := createApp(t, st, p.ID, otp.Test)

	v1 := newVerification(a, "+15550001111", t0)
	idem1 := &otp.Idempotency{AppID: a.ID, Key: "order-17", RequestHash: sum("request 1"), VerificationID: v1.ID, CreatedAt: t0}
	d1 := newDelivery(v1, t0)
	err := st.CreateVerification(ctx, v1, otp.Effects{
		Events: []otp.Event{newEvent(otp.EventCreated, v1, t0)}, Deliveries: []otp.Delivery{d1},
	}, idem1)
	if err != nil {
		t.Fatalf("CreateVerification: %v", err)
	}
	for _, tc := range []struct {
		since time.Time
		found bool
	}{
		{time.Time{}, true},
		{t0.Add(-24 * time.Hour), true},
		{t0, true}, // created at since counts
		{t0.Add(time.Microsecond), false},
	} {
		got, err := st.GetIdempotency(ctx, a.ID, "order-17", tc.since)
		if !tc.found {
			wantNotFound(t, fmt.Sprintf("GetIdempotency(since %v)", tc.since), err)
			continue
		}
		if err != nil {
			t.Fatalf("GetIdempotency(since %v): %v", tc.since, err)
		}
		diff(t, "GetIdempotency", idem1, got)
	}
	_, err = st.GetIdempotency(ctx, a.ID, "order-18", time.Time{})
	wantNotFound(t, "GetIdempotency(unknown key)", err)

	// The same key again: refused, and nothing of the second request stays.
	v2 := newVerification(a, "+15550002222", t0.Add(time.Second))
	idem2 := &otp.Idempotency{AppID: a.ID, Key: "order-17", RequestHash: sum("request 2"), VerificationID: v2.ID, CreatedAt: t0.Add(time.Second)}
	err = st.CreateVerification(ctx, v2, otp.Effects{
		Events:     []otp.Event{newEvent(otp.EventCreated, v2, t0)},
		Deliveries: []otp.Delivery{newDelivery(v2, t0)},
		Messages:   []otp.Message{inboxMessage(v2, t0)},
	}, idem2)
	wantErr(t, "CreateVerification with a taken idempotency key", err, otp.ErrConflict)
	_, err = st.GetVerification(ctx, a.ID, v2.ID)
	wantNotFound(t, "GetVerification of the refused verification", err)
	got, err := st.GetIdempotency(ctx, a.ID, "order-17", time.Time{})
	if err != nil {
		t.Fatalf("GetIdempotency: %v", err)
	}
	diff(t, "idempotency record after a refused reuse", idem1, got)
	if ds := claim(t, st, t0.Add(time.Hour), 10); !slices.Equal(deliveryIDs(ds), []string{d1.ID}) {
		t.Errorf("claimed %v, want only the first request's delivery %s", deliveryIDs(ds), d1.ID)
	}
	if ms, err := st.ListTestMessages(ctx, a.ID, "", time.Time{}, 10); err != nil || len(ms) != 0 {
		t.Errorf("ListTestMessages = %d, %v; want none", len(ms), err)
	}
	if types, ok := eventTypes(t, st, a.ID); ok {
		diff(t, "events", []otp.EventType{otp.EventCreated}, types)
	}

	// Keys belong to an application: another may use the same one.
	vb := newVerification(b, "+15550001111", t0)
	idemB := &otp.Idempotency{AppID: b.ID, Key: "order-17", VerificationID: vb.ID, CreatedAt: t0.Add(-2 * time.Hour)}
	if err := st.CreateVerification(ctx, vb, otp.Effects{}, idemB); err != nil {
		t.Fatalf("CreateVerification with another application's key: %v", err)
	}
	got, err = st.GetIdempotency(ctx, b.ID, "order-17", time.Time{})
	if err != nil {
		t.Fatalf("GetIdempotency: %v", err)
	}
	diff(t, "idempotency record without a request hash", idemB, got)

	// Expired records go; younger ones stay.
	n, err := st.DeleteExpiredIdempotency(ctx, t0.Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredIdempotency = %d, %v; want 1, nil", n, err)
	}
	_, err = st.GetIdempotency(ctx, b.ID, "order-17", time.Time{})
	wantNotFound(t, "GetIdempotency of a deleted record", err)
	if _, err := st.GetIdempotency(ctx, a.ID, "order-17", time.Time{}); err != nil {
		t.Errorf("GetIdempotency of a younger record: %v", err)
	}
	if n, err := st.DeleteExpiredIdempotency(ctx, t0.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("DeleteExpiredIdempotency again = %d, %v; want 0, nil", n, err)
	}
	// The key is free again once its record is gone.
	vb2 := newVerification(b, "+15550001111", t0)
	idemB2 := &otp.Idempotency{AppID: b.ID, Key: "order-17", VerificationID: vb2.ID, CreatedAt: t0}
	if err := st.CreateVerification(ctx, vb2, otp.Effects{}, idemB2); err != nil {
		t.Errorf("CreateVerification with a freed key: %v", err)
	}
}

func testListVerifications(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	other := createApp(t, st, p.ID, otp.Live)

	dests := []string{"+15550000001", "+15550000002", "+15550000003"}
	channels := []otp.Channel{otp.SMS, otp.WhatsApp}
	statuses := []otp.Status{otp.StatusPending, otp.StatusVerified, otp.StatusExpired, otp.StatusCanceled}
	var all []*otp.Verification // oldest first
	for i := range 25 {
		v := newVerification(a, dests[i%3], t0.Add(time.Duration(i)*time.Minute))
		v.Channel, v.Status = channels[i%2], statuses[i%4]
		createVerification(t, st, v, time.Time{})
		if v.Status == otp.StatusPending {
			for _, old := range all { // superseded
				if old.To == v.To && old.Status == otp.StatusPending {
					old.Status, old.CodeSealed, old.NextStepAt, old.UpdatedAt = otp.StatusCanceled, nil, time.Time{}, v.CreatedAt
				}
			}
		}
		all = append(all, v)
	}
	for i := range 3 {
		createVerification(t, st, newVerification(other, dests[0], t0.Add(time.Duration(i)*time.Minute)), time.Time{})
	}
	newestFirst := slices.Clone(all)
	slices.Reverse(newestFirst)

	got, err := st.ListVerifications(ctx, a.ID, otp.VerificationFilter{})
	if err != nil {
		t.Fatalf("ListVerifications: %v", err)
	}
	diff(t, "ListVerifications without a filter", newestFirst, got)

	// Pages of 10 cover every row once, newest first.
	var paged []string
	var sizes []int
	f := otp.VerificationFilter{Limit: 10}
	for range 5 {
		page, err := st.ListVerifications(ctx, a.ID, f)
		if err != nil {
			t.Fatalf("ListVerifications(%+v): %v", f, err)
		}
		sizes = append(sizes, len(page))
		if len(page) == 0 {
			break
		}
		paged = append(paged, verificationIDs(page)...)
		f.Cursor = page[len(page)-1].ID
	}
	diff(t, "page sizes", []int{10, 10, 5, 0}, sizes)
	diff(t, "pages", verificationIDs(newestFirst), paged)

	for _, tc := range []struct {
		name   string
		filter otp.VerificationFilter
		match  func(i int, v *otp.Verification) bool
	}{
		{"status", otp.VerificationFilter{Status: otp.StatusVerified},
			func(_ int, v *otp.Verification) bool { return v.Status == otp.StatusVerified }},
		{"channel", otp.VerificationFilter{Channel: otp.WhatsApp},
			func(_ int, v *otp.Verification) bool { return v.Channel == otp.WhatsApp }},
		{"to", otp.VerificationFilter{To: dests[1]},
			func(_ int, v *otp.Verification) bool { return v.To == dests[1] }},
		{"created from", otp.VerificationFilter{CreatedFrom: t0.Add(20 * time.Minute)},
			func(i int, _ *otp.Verification) bool { return i >= 20 }},
		{"created before", otp.VerificationFilter{CreatedBefore: t0.Add(3 * time.Minute)},
			func(i int, _ *otp.Verification) bool { return i < 3 }},
		{"created range", otp.VerificationFilter{CreatedFrom: t0.Add(5 * time.Minute), CreatedBefore: t0.Add(9 * time.Minute)},
			func(i int, _ *otp.Verification) bool { return i >= 5 && i < 9 }},
		{"status and to", otp.VerificationFilter{Status: otp.StatusPending, To: dests[0]},
			func(_ int, v *otp.Verification) bool { return v.Status == otp.StatusPending && v.To == dests[0] }},
		{"cursor", otp.VerificationFilter{Cursor: all[7].ID},
			func(i int, _ *otp.Verification) bool { return i < 7 }},
		{"channel, cursor and limit", otp.VerificationFilter{Channel: otp.SMS, Cursor: all[20].ID, Limit: 3},
			func(i int, v *otp.Verification) bool { return v.Channel == otp.SMS && i < 20 && i >= 14 }},
		{"no match", otp.VerificationFilter{To: "+15559999999"},
			func(int, *otp.Verification) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := []string{}
			for i := len(all) - 1; i >= 0; i-- {
				if tc.match(i, all[i]) {
					want = append(want, all[i].ID)
				}
			}
			got, err := st.ListVerifications(ctx, a.ID, tc.filter)
			if err != nil {
				t.Fatalf("ListVerifications(%+v): %v", tc.filter, err)
			}
			diff(t, "ids", want, verificationIDs(got))
		})
	}
}

func testLatestPending(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	to := "+15550001111"

	older := newVerification(a, to, t0)
	final := newVerification(a, to, t0.Add(time.Minute))
	final.Status = otp.StatusVerified
	newer := newVerification(a, to, t0.Add(2*time.Minute))
	elsewhere := newVerification(a, "+15550002222", t0.Add(3*time.Minute))
	for _, v := range []*otp.Verification{older, final, newer, elsewhere} {
		createVerification(t, st, v, time.Time{})
	}

	got, err := st.LatestPendingVerification(ctx, a.ID, to)
	if err != nil {
		t.Fatalf("LatestPendingVerification: %v", err)
	}
	diff(t, "LatestPendingVerification", newer, got)

	_, err = st.UpdateVerification(ctx, a.ID, newer.ID, func(v *otp.Verification) (otp.Effects, error) {
		v.Status = otp.StatusCanceled
		return otp.Effects{}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	// The older one was superseded by the newer: nothing pending is left.
	_, err = st.LatestPendingVerification(ctx, a.ID, to)
	wantNotFound(t, "LatestPendingVerification after canceling the newest", err)

	_, err = st.LatestPendingVerification(ctx, a.ID, "+15559999999")
	wantNotFound(t, "LatestPendingVerification(unknown destination)", err)
}

func testListExpiredPending(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	b := createApp(t, st, p.ID, otp.Live)
	now := t0.Add(time.Hour)

	n := 0
	mk := func(app *otp.Application, expires time.Time, status otp.Status) otp.VerificationRef {
		v := newVerification(app, fmt.Sprintf("+1555000%04d", n), t0) // one each: a new one would supersede it
		n++
		v.ExpiresAt, v.Status = expires, status
		createVerification(t, st, v, time.Time{})
		return otp.VerificationRef{AppID: app.ID, ID: v.ID}
	}
	want := []otp.VerificationRef{
		mk(a, now.Add(-5*time.Minute), otp.StatusPending),
		mk(a, now, otp.StatusPending), // expiring exactly now counts
		mk(b, now.Add(-8*time.Minute), otp.StatusPending),
	}
	mk(a, now.Add(time.Microsecond), otp.StatusPending) // not yet expired
	mk(a, now.Add(-10*time.Minute), otp.StatusVerified) // final already
	mk(b, now.Add(-10*time.Minute), otp.StatusExpired)

	byID := func(refs []otp.VerificationRef) []otp.VerificationRef {
		return slices.SortedFunc(slices.Values(refs), func(x, y otp.VerificationRef) int {
			if x.ID < y.ID {
				return -1
			}
			if x.ID > y.ID {
				return 1
			}
			return 0
		})
	}
	got, err := st.ListExpiredPending(ctx, now, 10)
	if err != nil {
		t.Fatalf("ListExpiredPending: %v", err)
	}
	diff(t, "ListExpiredPending", byID(want), byID(got))

	got, err = st.ListExpiredPending(ctx, now, 2)
	if err != nil {
		t.Fatalf("ListExpiredPending: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("ListExpiredPending with limit 2 returned %d refs", len(got))
	}
	for _, r := range got {
		if !slices.Contains(want, r) {
			t.Errorf("ListExpiredPending with limit 2 returned %+v, not an expired pending verification", r)
		}
	}
	got, err = st.ListExpiredPending(ctx, now.Add(-time.Hour), 10)
	if err != nil || len(got) != 0 {
		t.Errorf("ListExpiredPending before any expiry = %+v, %v; want none", got, err)
	}
}

// testUpdateEveryField changes every field but the keys in one update:
// each column must be written back, whichever subset a change touches.
func testUpdateEveryField(t *testing.T, st otp.Store) {
	p := createProject(t, st, "p")
	a := createApp(t, st, p.ID, otp.Live)
	v := newVerification(a, "+15550001111", t0)
	createVerification(t, st, v, time.Time{})

	other := newVerification(a, "+15550002222", t0.Add(time.Hour))
	other.Channel, other.Purpose, other.Locale, other.Status = otp.Voice, otp.PurposeTransaction, "ru", otp.StatusCanceled
	other.DeliveryStatus, other.CodeHash, other.CodeSealed = otp.DeliveryDelivered, sum("other"), nil
	other.Attempts, other.MaxAttempts, other.Resends, other.MaxResends = 4, 9, 0, 1
	other.Metadata, other.LastError = nil, "other error"
	other.Country, other.Carrier, other.Cost = "RU", "MTS", otp.Money{Micros: 1, Currency: "EUR"}
	other.Options = otp.SendOptions{CallerID: "+15550009999"}
	other.FallbackStep, other.NextStepAt, other.MessageNumber = 3, time.Time{}, 7
	want := *other
	want.ID, want.AppID = v.ID, v.AppID
	_, err := st.UpdateVerification(t.Context(), a.ID, v.ID, func(cur *otp.Verification) (otp.Effects, error) {
		*cur = want
		return otp.Effects{}, nil
	})
	if err != nil {
		t.Fatalf("UpdateVerification: %v", err)
	}
	diff(t, "every field changed", &want, getVerification(t, st, a.ID, v.ID))

	// A change that changes nothing writes nothing and succeeds.
	if _, err := st.UpdateVerification(t.Context(), a.ID, v.ID, func(*otp.Verification) (otp.Effects, error) {
		return otp.Effects{}, nil
	}); err != nil {
		t.Fatalf("UpdateVerification without a change: %v", err)
	}
	diff(t, "after an empty change", &want, getVerification(t, st, a.ID, v.ID))
}
