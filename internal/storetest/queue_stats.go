package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testQueueStats counts the outbox, leased rows included, and the pending
// webhook deliveries, with the creation time of the oldest of each.
func testQueueStats(t *testing.T, st otp.Store) {
	q, err := st.QueueStats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "empty store", otp.StoredQueues{}, q)

	p := createProject(t, st, "queues")
	a := createApp(t, st, p.ID, otp.Live)
	first := newVerification(a, "+14155550101", t0)
	createVerification(t, st, first, t0)
	createVerification(t, st, newVerification(a, "+14155550102", t0.Add(time.Minute)), t0.Add(time.Minute))
	claim(t, st, t0.Add(2*time.Minute), 1) // leased, still in the outbox

	w := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://hooks.example.com/", Signing: otp.SigningStandard,
		Status: otp.WebhookEnabled, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	events := undispatched(t, st, 2)
	var ds []otp.WebhookDelivery
	for i, e := range events {
		at := t0.Add(time.Duration(3+i) * time.Minute)
		ds = append(ds, otp.WebhookDelivery{ID: otp.NewID("whd"), WebhookID: w.ID, AppID: a.ID, EventID: e.ID, EventType: e.Type,
			Payload: []byte(`{}`), Status: otp.WebhookPending, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at})
	}
	if err := st.ConsumeEvents(t.Context(), ds, nil, nil, nil, events); err != nil {
		t.Fatal(err)
	}

	q, err = st.QueueStats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "queues", otp.StoredQueues{Outbox: 2, OutboxOldest: t0, Webhooks: 2, WebhooksOldest: t0.Add(3 * time.Minute)}, q)
}
