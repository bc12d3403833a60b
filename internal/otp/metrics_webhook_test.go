package otp_test

import (
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/webhook"
)

// webhookOutcomes is an otp.Metrics that records webhook outcomes.
type webhookOutcomes struct {
	otp.NoMetrics
	mu   sync.Mutex
	seen []otp.WebhookOutcome
}

func (w *webhookOutcomes) WebhookDelivered(o otp.WebhookOutcome) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, o)
}

// Each attempt to post a webhook is counted by its outcome: a failure
// that will be retried, then the delivery.
func TestWebhookAttemptsAreCountedByOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu    sync.Mutex
			calls int
		)
		f, _ := newWebhookFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if calls++; calls == 1 {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}))
		rec := &webhookOutcomes{}
		svc, err := otp.NewService(otp.Config{Store: f.db, Limiter: ratelimit.NewMemory(nil), Keys: mustKeys(t),
			Webhooks: webhook.Transport{Sender: f.sender}, WebhookAllowHTTP: true, Metrics: rec})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.CreateVerification(t.Context(), f.app, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ConsumeEvents(t.Context(), 10); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.DeliverWebhooks(t.Context(), 10, 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour) // past the retry's backoff
		if _, err := svc.DeliverWebhooks(t.Context(), 10, 1); err != nil {
			t.Fatal(err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if d := cmp.Diff([]otp.WebhookOutcome{otp.WebhookOutcomeRetry, otp.WebhookOutcomeDelivered}, rec.seen); d != "" {
			t.Errorf("webhook outcomes (-want +got):\n%s", d)
		}
	})
}
