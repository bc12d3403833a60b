package kotp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/otpd/otpd/internal/dialect/kotp"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// received is one webhook request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// A webhook endpoint with signing kotp gets K-OTP's envelope (id, type,
// created_at, data) signed K-OTP's way; data is the OTP exactly as
// GET /v1/status/{id} shows it, but for the masked destination.
func TestWebhook(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, func(o *dialecttest.Options) {
			o.Config = func(c *otp.Config) {
				c.Webhooks = webhook.Transport{Sender: webhook.NewSender(webhook.Config{AllowPrivate: true}),
					Payloads: map[webhook.Scheme]webhook.PayloadFunc{webhook.KOTP: kotp.WebhookPayload}}
				c.WebhookAllowPrivate = true
			}
		})
		var (
			mu  sync.Mutex
			got []received
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, received{r.Header.Clone(), body})
			mu.Unlock()
		}))
		t.Cleanup(srv.Close)
		app := h.CreateApp("test", "")
		h.Admin("POST", "/v1/webhooks", `{"appId":"`+app.ID+`","url":"`+srv.URL+`","signing":"kotp","events":["otp.sent","otp.verified"]}`, 201)

		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		want(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, h.Code(app, "+14155552671"))), 200)
		h.ConsumeEvents()
		if _, err := h.Svc.DeliverWebhooks(t.Context(), 10, 1); err != nil {
			t.Fatal(err)
		}
		status := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body
		status["to"] = webhook.MaskDestination("+14155552671")

		mu.Lock()
		defer mu.Unlock()
		var types []string
		for _, rcv := range got {
			if err := webhook.VerifyKOTP(app.WebhookSecret, rcv.header, rcv.body, h.Clock.Now()); err != nil {
				t.Errorf("signature: %v", err)
			}
			var ev map[string]any
			if err := json.Unmarshal(rcv.body, &ev); err != nil {
				t.Fatalf("body %s: %v", rcv.body, err)
			}
			wantKeys(t, "webhook envelope", ev, "id type created_at data")
			types = append(types, ev["type"].(string))
			if id, _ := ev["id"].(string); len(id) < 5 || id[:4] != "evt_" || ev["created_at"] != wireTime(h.Clock.Now()) {
				t.Errorf("envelope id %v, created_at %v; want the event's", ev["id"], ev["created_at"])
			}
			if diff := cmp.Diff(status, ev["data"]); diff != "" {
				t.Errorf("%s data, want /v1/status's with the destination masked (-want +got):\n%s", ev["type"], diff)
			}
		}
		slices.Sort(types)
		if !slices.Equal(types, []string{"otp.sent", "otp.verified"}) {
			t.Errorf("events %v, want otp.sent and otp.verified", types)
		}
	})
}

// The payload of every event type is K-OTP's envelope with the OTP's
// status as of the event, and never the full destination.
func TestWebhookPayload(t *testing.T) {
	v := &otp.Verification{ID: "ver_0123456789abcdef0123456789abcdef", To: "+447400123456", Channel: otp.SMS,
		Status: otp.StatusPending, DeliveryStatus: otp.DeliverySent, Country: "GB", Carrier: "Three"}
	v.CreatedAt = mustTime(t, "2026-11-22T10:00:00.5Z")
	v.ExpiresAt = v.CreatedAt.Add(300e9)
	e := otp.Event{ID: "evt_1", Type: otp.EventSent, AppID: "app_1", VerificationID: v.ID, CreatedAt: v.CreatedAt.Add(1e9)}
	body, err := kotp.WebhookPayload(e, v, webhook.MaskDestination(v.To))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"evt_1","type":"otp.sent","created_at":"2026-11-22T10:00:01Z","data":{"id":"otp_0123456789abcdef0123456789abcdef",` +
		`"status":"sent","to":"+44******3456","method":"sms","created_at":"2026-11-22T10:00:00Z","delivered_at":null,"attempts":0,` +
		`"verified":false,"carrier":"Three","country":"GB"}}`
	if string(body) != want {
		t.Errorf("payload\n%s\nwant\n%s", body, want)
	}
	e.CreatedAt = v.ExpiresAt
	e.Type = otp.EventExpired
	body, _ = kotp.WebhookPayload(e, v, webhook.MaskDestination(v.To))
	var ev struct{ Data struct{ Status string } }
	if json.Unmarshal(body, &ev); ev.Data.Status != "expired" {
		t.Errorf("status as of an event at the expiry = %q, want expired", ev.Data.Status)
	}
}
