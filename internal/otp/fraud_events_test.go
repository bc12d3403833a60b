package otp_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// A block and its release are events of every application of the
// project: webhooks that subscribe to them get the block (prefix, reason,
// until) and no verification, others get nothing, and the log lists them.
func TestBlockEventsReachWebhooksAndTheLog(t *testing.T) {
	f := newFixtureConfig(t, otp.Config{Webhooks: webhook.Transport{}, WebhookAllowHTTP: true})
	a, _ := f.newApp(t, otp.Live)
	env := otp.Live
	other, _, err := f.svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("B"), ProjectID: &a.ProjectID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	fraud := []otp.EventType{otp.EventFraudBlocked, otp.EventFraudReleased}
	hook, err := f.svc.CreateWebhook(t.Context(), otp.WebhookInput{AppID: &a.ID, URL: ptr("http://hooks.acme.example/otpd"), Events: &fraud})
	if err != nil {
		t.Fatal(err)
	}
	created := []otp.EventType{otp.EventCreated}
	quiet, err := f.svc.CreateWebhook(t.Context(), otp.WebhookInput{AppID: &a.ID, URL: ptr("http://hooks.acme.example/created"), Events: &created})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := f.svc.BlockPrefix(t.Context(), a.ProjectID, otp.BlockInput{Prefix: "+88216", Minutes: 60, Reason: "seen by support"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.svc.ReleasePrefix(t.Context(), a.ProjectID, "+88216"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ConsumeEvents(t.Context(), 100); err != nil {
		t.Fatal(err)
	}

	ds, err := f.svc.ListWebhookDeliveries(t.Context(), hook.ID, otp.WebhookDeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, d := range ds {
		var p webhook.BlockPayload
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			t.Fatalf("payload %s: %v", d.Payload, err)
		}
		types = append(types, string(p.Type))
		if p.ApplicationID != a.ID || p.Data.Prefix != "+88216" || p.Data.Reason != "seen by support" || p.Data.Auto {
			t.Errorf("payload %s, want the block of +88216 for %s", d.Payload, a.ID)
		}
	}
	if len(types) != 2 || types[0] != "fraud.released" || types[1] != "fraud.blocked" {
		t.Errorf("deliveries of the fraud endpoint = %v, want fraud.released then fraud.blocked (newest first)", types)
	}
	if ds, _ := f.svc.ListWebhookDeliveries(t.Context(), quiet.ID, otp.WebhookDeliveryFilter{}); len(ds) != 0 {
		t.Errorf("the otp.created endpoint got %d deliveries, want none", len(ds))
	}

	for _, app := range []string{a.ID, other.ID} {
		recs, err := f.svc.ListLogs(t.Context(), otp.EventFilter{AppID: app, Type: otp.EventFraudBlocked})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].Block == nil || recs[0].Block.Prefix != "+88216" || recs[0].VerificationID != "" {
			t.Errorf("fraud.blocked in the log of %s = %+v, want one about +88216", app, recs)
		}
	}
}
