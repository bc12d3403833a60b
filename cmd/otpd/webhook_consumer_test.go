package main

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// stuckWebhooks is a webhook transport whose every post hangs until
// release is closed, as when every sender waits on slow endpoints.
type stuckWebhooks struct {
	release chan struct{}
	posting chan struct{} // a value per post begun
}

func (s stuckWebhooks) Encode(otp.Event, *otp.Verification, *otp.Webhook) ([]byte, error) {
	return []byte(`{}`), nil
}

func (s stuckWebhooks) Post(ctx context.Context, _ *otp.Webhook, _ otp.WebhookSecrets, _ *otp.WebhookDelivery, _ time.Time) otp.WebhookResult {
	s.posting <- struct{}{}
	<-s.release
	return otp.WebhookResult{StatusCode: 200}
}

func (s stuckWebhooks) NextAttempt(_ int, now time.Time) (time.Time, bool) {
	return now.Add(time.Minute), true
}
func (s stuckWebhooks) ShouldDisable(time.Time, time.Time) bool { return false }

// The event consumer goes on counting events (analytics, and with them
// credit charges and quotas) while every webhook post hangs: it only
// queues deliveries, and the senders run apart from it, as otpd serve
// runs them.
func TestEventsConsumedWhileWebhooksHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		keys, err := otp.NewServerKey(bytes.Repeat([]byte{1}, 32))
		if err != nil {
			t.Fatal(err)
		}
		hooks := stuckWebhooks{release: make(chan struct{}), posting: make(chan struct{}, 100)}
		svc, err := otp.NewService(otp.Config{Store: db, Limiter: ratelimit.NewMemory(nil), Keys: keys,
			Webhooks: hooks, WebhookAllowHTTP: true, WebhookAllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		name, env := "P", otp.Test
		p, err := svc.CreateProject(t.Context(), otp.ProjectInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		a, _, err := svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: &name, ProjectID: &p.ID, Environment: &env})
		if err != nil {
			t.Fatal(err)
		}
		url := "http://hooks.example/otpd"
		if _, err := svc.CreateWebhook(t.Context(), otp.WebhookInput{AppID: &a.ID, URL: &url}); err != nil {
			t.Fatal(err)
		}

		ctx, cancel := context.WithCancel(context.Background())
		logger := slog.New(slog.DiscardHandler)
		var wg sync.WaitGroup
		wg.Go(func() { consumeEvents(ctx, svc, logger) })
		wg.Go(func() { postWebhooks(ctx, svc, logger) })

		send := func(to string) {
			t.Helper()
			if _, _, err := svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS}); err != nil {
				t.Fatal(err)
			}
		}
		send("+14155550101")
		<-hooks.posting // the first event's delivery is being posted, and hangs
		send("+14155550102")
		send("+14155550103")
		time.Sleep(3 * time.Second) // three ticks of the consumer
		synctest.Wait()

		today := time.Now().UTC().Truncate(24 * time.Hour)
		sum, err := svc.AnalyticsSummary(t.Context(), otp.StatsFilter{AppID: a.ID, From: today, To: today})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Totals.Created != 3 {
			t.Errorf("created counted while webhook posts hang = %d, want 3", sum.Totals.Created)
		}
		close(hooks.release)
		cancel()
		wg.Wait()
	})
}
