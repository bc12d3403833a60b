package otp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// Two instances share the database while a receiver takes 4 s to answer
// each request, within the sender's timeout (and below
// otp.WebhookSlowAttempt, so that the endpoint keeps the application's
// cap of 4 in flight). The first instance's batch takes longer than a
// delivery's lease; still no delivery is claimed and posted by both, so
// each event reaches the receiver once.
func TestWebhookSlowReceiverTwoInstances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu       sync.Mutex
			requests int
			accepted = map[string]int{}
		)
		f, a := newWebhookFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			var pl webhook.Payload
			if err == nil {
				err = json.Unmarshal(body, &pl)
			}
			time.Sleep(4 * time.Second)
			mu.Lock()
			defer mu.Unlock()
			requests++
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			accepted[pl.ID]++
		}))
		b := f.instance(t)
		app, hook := f.app, f.hook

		// 80 due deliveries: 4 at a time (the application's cap, across
		// both instances) and 4 s each, the last start 76 s on, past the
		// lease of a minute.
		const n = 80
		for i := range n {
			if _, _, err := a.CreateVerification(t.Context(), app, otp.CreateRequest{To: fmt.Sprintf("+1415555%04d", 3000+i), Channel: otp.SMS}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := a.ConsumeEvents(t.Context(), 3*n); err != nil || got != 2*n { // otp.created and otp.sent
			t.Fatalf("consumed %d events (%v), want %d", got, err, 2*n)
		}
		// a takes one batch; b polls every second, as otpd serve does.
		ctx, cancel := context.WithCancel(context.Background())
		var loops sync.WaitGroup
		loops.Go(func() {
			if _, err := a.DeliverWebhooks(ctx, n, 4); err != nil {
				t.Error(err)
			}
		})
		loops.Go(func() {
			for ctx.Err() == nil {
				time.Sleep(time.Second)
				if _, err := b.DeliverWebhooks(ctx, n, 4); err != nil && ctx.Err() == nil {
					t.Error(err)
				}
			}
		})
		time.Sleep(2 * time.Minute)
		cancel()
		loops.Wait()

		mu.Lock()
		defer mu.Unlock()
		twice := 0
		for _, c := range accepted {
			if c != 1 {
				twice++
			}
		}
		if len(accepted) != n || twice != 0 || requests != n {
			t.Errorf("%d requests for %d events, %d of them more than once; want %d requests, each event once", requests, len(accepted), twice, n)
		}
		ds, err := a.ListWebhookDeliveries(t.Context(), hook.ID, otp.WebhookDeliveryFilter{Limit: n})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.Status != otp.WebhookDelivered || d.Attempts != 1 {
				t.Errorf("delivery %s is %s after %d attempts, want delivered at the first", d.ID, d.Status, d.Attempts)
			}
		}
	})
}
