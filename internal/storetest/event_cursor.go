package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// undispatched returns the events the consumer may take, once there are
// at least want of them. On PostgreSQL an event shows only once every
// transaction older than its own has ended, and the transactions of other
// tests on the same server may hold it back for a moment; on SQLite the
// first read has them all.
func undispatched(t *testing.T, st otp.Store, want int) []otp.Event {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		evs, err := st.ListUndispatchedEvents(t.Context(), 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= want || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(time.Millisecond)
	}
}

// consumeAll consumes the want events written and not consumed yet, as
// the event consumer does, and fails if there are other than want.
func consumeAll(t *testing.T, st otp.Store, want int) {
	t.Helper()
	evs := undispatched(t, st, want)
	if len(evs) != want {
		t.Fatalf("events to consume = %d, want %d", len(evs), want)
	}
	if err := st.ConsumeEvents(t.Context(), nil, nil, nil, nil, evs); err != nil {
		t.Fatal(err)
	}
}

// testEventCursor checks that the consumer takes each event once, in the
// order written here, that a consumer which read a batch another took
// first writes nothing, and that deleting the newest events never lets a
// later event take a place the consumer has passed.
func testEventCursor(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "cursor")
	a := createApp(t, st, p.ID, otp.Live)
	var written []string
	for i := range 3 {
		v := newVerification(a, fmt.Sprintf("+1415555030%d", i), t0)
		createVerification(t, st, v, time.Time{})
		evs := undispatched(t, st, len(written)+1)
		written = append(written, evs[len(evs)-1].ID)
	}
	evs := undispatched(t, st, 3)
	if got := eventIDs(evs); !slices.Equal(got, written) {
		t.Fatalf("events to consume = %v, want %v in the order written", got, written)
	}
	wantBacklog := func(want int) {
		t.Helper()
		if n, err := st.CountUnconsumedEvents(ctx); err != nil || n != want {
			t.Errorf("CountUnconsumedEvents = %d, %v; want %d", n, err, want)
		}
	}
	wantBacklog(3)

	// Two consumers read the same batch; the first to write takes it.
	w := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://hooks.example.com/", Signing: otp.SigningStandard,
		Status: otp.WebhookEnabled, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	delivery := func(e otp.Event) otp.WebhookDelivery {
		return otp.WebhookDelivery{ID: otp.NewID("whd"), WebhookID: w.ID, AppID: a.ID, EventID: e.ID, EventType: e.Type,
			Payload: []byte(`{}`), Status: otp.WebhookPending, NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0}
	}
	stat := []otp.StatDelta{{AppID: a.ID, Day: 20000, Channel: otp.SMS, Created: 1}}
	if err := st.ConsumeEvents(ctx, nil, stat, nil, nil, evs[:2]); err != nil {
		t.Fatal(err)
	}
	err := st.ConsumeEvents(ctx, []otp.WebhookDelivery{delivery(evs[0])}, stat, nil, nil, evs)
	if !errors.Is(err, otp.ErrConflict) {
		t.Fatalf("consuming a batch taken already: %v, want ErrConflict", err)
	}
	if ds, err := st.ListWebhookDeliveries(ctx, w.ID, otp.WebhookDeliveryFilter{Limit: 10}); err != nil || len(ds) != 0 {
		t.Errorf("deliveries of the refused batch = %v, %v; want none", ds, err)
	}
	if sum, err := st.StatsSummary(ctx, otp.StatsFilter{AppID: a.ID}, 20000, 20000); err != nil || sum.Totals.Created != 1 {
		t.Errorf("daily stats = %+v, %v; want the first batch's alone", sum, err)
	}
	wantBacklog(1)
	left := undispatched(t, st, 1)
	if got := eventIDs(left); !slices.Equal(got, written[2:]) {
		t.Fatalf("events left = %v, want %v", got, written[2:])
	}
	consumeAll(t, st, 1)
	if left := undispatched(t, st, 0); len(left) != 0 {
		t.Errorf("events left after consuming all = %v, want none", eventIDs(left))
	}
	wantBacklog(0)

	// Deleting the application deletes the newest events; the next one
	// written is still after the cursor.
	if err := st.DeleteApplication(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	b := createApp(t, st, p.ID, otp.Live)
	v := newVerification(b, "+14155550310", t0)
	createVerification(t, st, v, time.Time{})
	if got := undispatched(t, st, 1); len(got) != 1 || got[0].VerificationID != v.ID {
		t.Fatalf("events after the newest were deleted = %v, want the new verification's", eventIDs(got))
	}
}

func eventIDs(evs []otp.Event) []string {
	return ids(evs, func(e otp.Event) string { return e.ID })
}
