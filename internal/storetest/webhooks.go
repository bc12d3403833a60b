package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testWebhooks(t *testing.T, st otp.Store) {
	p := createProject(t, st, "hooks")
	a := createApp(t, st, p.ID, otp.Live)
	w := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://hooks.example.com/otp",
		Events: []otp.EventType{otp.EventFailed, otp.EventVerified}, Signing: otp.SigningKOTP, Status: otp.WebhookEnabled,
		CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}
	if err := st.CreateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	all := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://other.example.com/", Signing: otp.SigningStandard,
		Status: otp.WebhookEnabled, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateWebhook(t.Context(), all); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetWebhook(t.Context(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "webhook", w, got)
	w.Status, w.DisabledReason, w.FailingSince, w.Events = otp.WebhookDisabled, "failing for 5 days", t0.Add(time.Hour), nil
	if err := st.UpdateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	list, err := st.ListWebhooks(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "webhooks of the app", []*otp.Webhook{w, all}, sortedWebhooks(list, w.ID))
	wantNotFound(t, "UpdateWebhook of an unknown id", st.UpdateWebhook(t.Context(), &otp.Webhook{ID: "whk_nope"}))
	if err := st.DeleteWebhook(t.Context(), w.ID); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, "DeleteWebhook twice", st.DeleteWebhook(t.Context(), w.ID))
	if err := st.DeleteApplication(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetWebhook(t.Context(), all.ID)
	wantNotFound(t, "a deleted application's webhook", err)
}

// sortedWebhooks puts first's webhook first, for a stable comparison.
func sortedWebhooks(ws []*otp.Webhook, first string) []*otp.Webhook {
	out := make([]*otp.Webhook, 0, len(ws))
	for _, w := range ws {
		if w.ID == first {
			out = append([]*otp.Webhook{w}, out...)
		} else {
			out = append(out, w)
		}
	}
	return out
}

func testWebhookQueue(t *testing.T, st otp.Store) {
	p := createProject(t, st, "queue")
	a := createApp(t, st, p.ID, otp.Live)
	w := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://hooks.example.com/", Signing: otp.SigningStandard,
		Status: otp.WebhookEnabled, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	v := newVerification(a, "+14155550001", t0)
	createVerification(t, st, v, time.Time{}) // writes one otp.created event
	events := undispatched(t, st, 1)
	if len(events) != 1 || events[0].Type != otp.EventCreated {
		t.Fatalf("undispatched = %+v; want the created event", events)
	}
	d := otp.WebhookDelivery{ID: otp.NewID("whd"), WebhookID: w.ID, AppID: a.ID, EventID: events[0].ID, EventType: otp.EventCreated,
		Payload: []byte(`{"id":"x"}`), Status: otp.WebhookPending, NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0}
	if err := st.ConsumeEvents(t.Context(), []otp.WebhookDelivery{d}, nil, nil, nil, events); err != nil {
		t.Fatal(err)
	}
	// A second dispatch of the same event and endpoint adds nothing
	// (as when the consumer crashed before it moved on, the cursor not
	// moved again).
	dup := d
	dup.ID = otp.NewID("whd")
	if err := st.ConsumeEvents(t.Context(), []otp.WebhookDelivery{dup}, nil, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if left, err := st.ListUndispatchedEvents(t.Context(), 10); err != nil || len(left) != 0 {
		t.Errorf("undispatched after enqueue = %v, %v; want none", left, err)
	}
	claimed, err := st.ClaimWebhookDeliveries(t.Context(), t0, t0.Add(time.Minute), 10, 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != d.ID || claimed[0].Attempts != 1 || string(claimed[0].Payload) != `{"id":"x"}` {
		t.Fatalf("claimed = %+v, %v; want the one delivery, attempt 1", claimed, err)
	}
	if again, err := st.ClaimWebhookDeliveries(t.Context(), t0, t0.Add(time.Minute), 10, 10); err != nil || len(again) != 0 {
		t.Errorf("claim while leased = %v, %v; want none", again, err)
	}
	c := claimed[0]
	c.LastStatusCode, c.LastError, c.LastLatency, c.NextAttemptAt = 503, "503 Service Unavailable", 12*time.Millisecond, t0.Add(5*time.Second)
	w.FailingSince, w.UpdatedAt = t0, t0
	att := &otp.WebhookAttempt{DeliveryID: c.ID, Attempt: 1, At: t0, StatusCode: 503, Latency: 12 * time.Millisecond, Error: "503"}
	if err := st.RecordWebhookAttempt(t.Context(), &c, c.Attempts, att, w); err != nil {
		t.Fatal(err)
	}
	if early, err := st.ClaimWebhookDeliveries(t.Context(), t0.Add(time.Second), t0.Add(time.Minute), 10, 10); err != nil || len(early) != 0 {
		t.Errorf("claim before the retry time = %v, %v; want none", early, err)
	}
	retry, err := st.ClaimWebhookDeliveries(t.Context(), t0.Add(5*time.Second), t0.Add(time.Minute), 10, 10)
	if err != nil || len(retry) != 1 || retry[0].Attempts != 2 || retry[0].LastStatusCode != 503 {
		t.Fatalf("retry claim = %+v, %v; want attempt 2 after a 503", retry, err)
	}
	// A manual redelivery waits for the sender holding the lease.
	if ok, err := st.RequeueWebhookDelivery(t.Context(), d.ID, t0.Add(10*time.Second)); err != nil || ok {
		t.Errorf("requeue while leased = %v, %v; want refused", ok, err)
	}
	// The holder of the first claim, whose lease ran out, reports late:
	// the second claim's holder decides, so nothing changes.
	stale := c
	stale.Status, stale.LastStatusCode = otp.WebhookDead, 410
	if err := st.RecordWebhookAttempt(t.Context(), &stale, 1, nil, &otp.Webhook{ID: w.ID, Status: otp.WebhookDisabled, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.GetWebhookDelivery(t.Context(), d.ID); err != nil || got.Status != otp.WebhookPending || got.Attempts != 2 || got.LastStatusCode != 503 {
		t.Errorf("after a stale holder's report: %+v, %v; want pending, attempt 2, last 503", got, err)
	}
	if got, err := st.GetWebhook(t.Context(), w.ID); err != nil || got.Status != otp.WebhookEnabled {
		t.Errorf("endpoint after a stale holder's report: %+v, %v; want enabled", got, err)
	}
	r := retry[0]
	r.Status, r.LastStatusCode = otp.WebhookDelivered, 200
	if err := st.RecordWebhookAttempt(t.Context(), &r, r.Attempts, &otp.WebhookAttempt{DeliveryID: r.ID, Attempt: 2, At: t0.Add(5 * time.Second), StatusCode: 200}, nil); err != nil {
		t.Fatal(err)
	}
	as, err := st.ListWebhookAttempts(t.Context(), d.ID)
	if err != nil || len(as) != 2 || as[0].StatusCode != 503 || as[0].Latency != 12*time.Millisecond || as[1].StatusCode != 200 {
		t.Errorf("attempts = %+v, %v", as, err)
	}
	log, err := st.ListWebhookDeliveries(t.Context(), w.ID, otp.WebhookDeliveryFilter{Limit: 10})
	if err != nil || len(log) != 1 || log[0].Status != otp.WebhookDelivered {
		t.Errorf("delivery log = %+v, %v", log, err)
	}
	if got, _ := st.GetWebhook(t.Context(), w.ID); got == nil || !got.FailingSince.Equal(t0) {
		t.Errorf("endpoint health = %+v, want failing since t0", got)
	}
	// Once the lease is over, a delivered event can be queued again.
	if ok, err := st.RequeueWebhookDelivery(t.Context(), d.ID, t0.Add(6*time.Second)); err != nil || !ok {
		t.Fatalf("requeue after the attempt = %v, %v; want done", ok, err)
	}
	again, err := st.ClaimWebhookDeliveries(t.Context(), t0.Add(6*time.Second), t0.Add(time.Minute), 10, 10)
	if err != nil || len(again) != 1 || again[0].ID != d.ID || again[0].Attempts != 3 {
		t.Errorf("claim after the requeue = %+v, %v; want the delivery, attempt 3", again, err)
	}
	_, err = st.RequeueWebhookDelivery(t.Context(), otp.NewID("whd"), t0)
	wantNotFound(t, "requeue of an unknown delivery", err)
	if err := st.DeleteWebhook(t.Context(), w.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetWebhookDelivery(t.Context(), d.ID)
	wantNotFound(t, "a deleted webhook's delivery", err)
}
