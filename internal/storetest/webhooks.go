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
