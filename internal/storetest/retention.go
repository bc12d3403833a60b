package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testDeleteOldData(t *testing.T, st otp.Store) {
	p := createProject(t, st, "old")
	a := createApp(t, st, p.ID, otp.Live)
	old := newVerification(a, "+14155550001", t0)
	old.Status = otp.StatusVerified
	createVerification(t, st, old, time.Time{})
	pending := newVerification(a, "+14155550002", t0) // old but pending: kept
	createVerification(t, st, pending, time.Time{})
	recent := newVerification(a, "+14155550003", t0.Add(100*24*time.Hour))
	recent.Status = otp.StatusExpired
	createVerification(t, st, recent, time.Time{})
	consumeAll(t, st, 3)
	w := &otp.Webhook{ID: otp.NewID("whk"), AppID: a.ID, URL: "https://h.example.com/", Signing: otp.SigningStandard, Status: otp.WebhookEnabled, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateWebhook(t.Context(), w); err != nil {
		t.Fatal(err)
	}
	done := otp.WebhookDelivery{ID: otp.NewID("whd"), WebhookID: w.ID, AppID: a.ID, EventID: "evt_1", EventType: otp.EventVerified,
		Payload: []byte("{}"), Status: otp.WebhookDelivered, CreatedAt: t0, UpdatedAt: t0}
	live := done
	live.ID, live.EventID, live.Status = otp.NewID("whd"), "evt_2", otp.WebhookPending
	if err := st.ConsumeEvents(t.Context(), []otp.WebhookDelivery{done, live}, nil, nil, nil, nil); err != nil {
		t.Fatal(err)
	}

	cut := t0.Add(90 * 24 * time.Hour)
	n, err := st.DeleteOldData(t.Context(), cut, cut, 100)
	if err != nil || n != 2 {
		t.Fatalf("DeleteOldData = %d, %v; want the old verification and the finished delivery", n, err)
	}
	_, err = st.GetVerification(t.Context(), a.ID, old.ID)
	wantNotFound(t, "the old finished verification", err)
	for _, id := range []string{pending.ID, recent.ID} {
		if _, err := st.GetVerification(t.Context(), a.ID, id); err != nil {
			t.Errorf("verification %s was deleted: %v", id, err)
		}
	}
	if evs, ok := events(t, st, a.ID); ok {
		for _, e := range evs {
			if e.VerificationID == old.ID {
				t.Errorf("an event of the deleted verification is left: %+v", e)
			}
		}
	}
	_, err = st.GetWebhookDelivery(t.Context(), done.ID)
	wantNotFound(t, "the old finished delivery", err)
	if _, err := st.GetWebhookDelivery(t.Context(), live.ID); err != nil {
		t.Errorf("the pending delivery was deleted: %v", err)
	}
}
