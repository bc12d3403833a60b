package otp_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// TestRedeliverWaitsForTheSenderPosting: a manual redelivery of an event
// that a sender is posting at that moment is refused with CONFLICT, since
// queuing it would let another worker post it too; once the attempt is
// logged it is queued and posted again.
func TestRedeliverWaitsForTheSenderPosting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu       sync.Mutex
			requests int
		)
		f, svc := newWebhookFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(10 * time.Second) // a slow receiver: the post is in flight meanwhile
			mu.Lock()
			requests++
			mu.Unlock()
		}))
		app, hook := f.app, f.hook

		if _, _, err := svc.CreateVerification(t.Context(), app, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS}); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.ConsumeEvents(t.Context(), 10); err != nil || n != 2 { // otp.created and otp.sent
			t.Fatalf("consumed %d events (%v), want 2", n, err)
		}
		ds, err := svc.ListWebhookDeliveries(t.Context(), hook.ID, otp.WebhookDeliveryFilter{Limit: 10})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries = %v, %v", ds, err)
		}
		id := ds[0].ID

		var posting sync.WaitGroup
		posting.Go(func() {
			if _, err := svc.DeliverWebhooks(context.Background(), 10, 1); err != nil {
				t.Error(err)
			}
		})
		time.Sleep(5 * time.Second) // half-way through the post
		_, err = svc.RedeliverWebhook(t.Context(), hook.ID, id)
		var e *otp.Error
		if !errors.As(err, &e) || e.Code != otp.CodeConflict {
			t.Fatalf("redeliver during the post: %v, want CONFLICT", err)
		}
		posting.Wait()

		d, err := svc.RedeliverWebhook(t.Context(), hook.ID, id)
		if err != nil || d.Status != otp.WebhookPending {
			t.Fatalf("redeliver after the post: %+v, %v", d, err)
		}
		if _, err := svc.DeliverWebhooks(t.Context(), 10, 1); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if requests != 2 {
			t.Errorf("the receiver got %d requests, want 2 (the post and the redelivery)", requests)
		}
	})
}
