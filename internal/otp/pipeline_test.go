package otp_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// flaky is a provider that fails its first failures sends transiently.
type flaky struct {
	mu       sync.Mutex
	channels []otp.Channel
	failures int
	sent     []sentAt
}

type sentAt struct {
	m  otp.OutgoingMessage
	at time.Time
	ok bool
}

func (p *flaky) Channels() []otp.Channel { return p.channels }

func (p *flaky) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ok := p.failures <= 0
	p.failures--
	p.sent = append(p.sent, sentAt{m: m, at: time.Now(), ok: ok})
	if !ok {
		return otp.SendResult{}, &otp.ProviderError{Provider: "flaky", Message: "503 service unavailable"}
	}
	return otp.SendResult{ProviderMessageID: "pm-" + m.ID}, nil
}

func (p *flaky) log() []sentAt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]sentAt(nil), p.sent...)
}

// pipeline runs the real service, SQLite store, router and delivery worker
// inside a synctest bubble, with the fallback sweep ticking every second.
func pipeline(t *testing.T, providers map[string]delivery.Provider, channels map[otp.Channel][]string) (*otp.Service, *otp.Application, func()) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	router, err := delivery.NewRouter(delivery.RouterConfig{Providers: providers, Channels: channels})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := otp.NewService(otp.Config{Store: db, Limiter: ratelimit.NewMemory(nil), Keys: mustKeys(t),
		Limits: otp.Limits{MaxDeliveryAttempts: router.MaxAttempts()}})
	if err != nil {
		t.Fatal(err)
	}
	env := otp.Live
	p, err := svc.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("Acme"), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	w := delivery.NewWorker(delivery.Config{Source: svc, Sender: router, PollInterval: 500 * time.Millisecond})
	svc.SetNotify(w.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				svc.SweepFallbacks(ctx, 100)
			}
		}
	})
	return svc, a, func() { cancel(); wg.Wait(); db.Close() }
}

// A provider that fails hands the message to the next provider at once;
// when every provider of the round has failed, the next round waits for
// the backoff (1-2 s before the third attempt). Virtual time shows both.
func TestPipelineFailsOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := &flaky{channels: []otp.Channel{otp.SMS}, failures: 100}
		b := &flaky{channels: []otp.Channel{otp.SMS}, failures: 1}
		svc, app, stop := pipeline(t, map[string]delivery.Provider{"a": a, "b": b}, map[otp.Channel][]string{otp.SMS: {"a", "b"}})
		defer stop()
		start := time.Now()
		v, _, err := svc.CreateVerification(t.Context(), app, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()

		la, lb := a.log(), b.log()
		if len(la) != 2 || len(lb) != 2 || !lb[1].ok {
			t.Fatalf("a got %d sends, b %d; want a, b, a failed, then b good", len(la), len(lb))
		}
		if la[0].at.Sub(start) > time.Second || lb[0].at != la[0].at {
			t.Errorf("first sends %s and %s after create; want a at once, b right after", la[0].at.Sub(start), lb[0].at.Sub(start))
		}
		if gap := la[1].at.Sub(lb[0].at); gap < time.Second || gap > 2*time.Second {
			t.Errorf("second round after %s, want the backoff before attempt 3 (1-2 s)", gap)
		}
		if lb[1].m.Attempt != 4 || lb[1].at != la[1].at {
			t.Errorf("b sent attempt %d %s after a's second; want attempt 4, at once", lb[1].m.Attempt, lb[1].at.Sub(la[1].at))
		}
		got, err := svc.GetVerification(t.Context(), app, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DeliveryStatus != otp.DeliverySent || got.LastError != "" {
			t.Errorf("delivery status = %s, last error %q; want sent, none", got.DeliveryStatus, got.LastError)
		}
		msgs, _ := svc.Messages(t.Context(), app, v.ID)
		var summary []string
		for _, m := range msgs {
			summary = append(summary, fmt.Sprintf("%d %s %s", m.Attempts, m.Provider, m.Status))
		}
		want := []string{"1 a retrying", "2 b retrying", "3 a retrying", "4 b sent"}
		if !slices.Equal(summary, want) {
			t.Errorf("messages = %q, want %q", summary, want)
		}
	})
}

// Unverified, an SMS step is followed by a voice call when its timeout
// passes, with the same code; nothing follows a successful check.
func TestPipelineFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sms := &flaky{channels: []otp.Channel{otp.SMS}}
		voice := &flaky{channels: []otp.Channel{otp.Voice}}
		svc, app, stop := pipeline(t, map[string]delivery.Provider{"sms": sms, "voice": voice},
			map[otp.Channel][]string{otp.SMS: {"sms"}, otp.Voice: {"voice"}})
		defer stop()
		start := time.Now()
		v, _, err := svc.CreateVerification(t.Context(), app, otp.CreateRequest{To: "+14155552671",
			Fallback: []otp.FallbackStep{{Channel: otp.SMS, Timeout: 60 * time.Second}, {Channel: otp.Voice}}})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if len(sms.log()) != 1 || len(voice.log()) != 0 {
			t.Fatalf("before the timeout: %d sms, %d calls; want 1 and 0", len(sms.log()), len(voice.log()))
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		calls := voice.log()
		if len(calls) != 1 {
			t.Fatalf("after the timeout: %d calls, want 1", len(calls))
		}
		if at := calls[0].at.Sub(start); at < 60*time.Second || at > 62*time.Second {
			t.Errorf("call placed %s after create, want within a second or two of 60 s", at)
		}
		code := sms.log()[0].m.Code
		if calls[0].m.Code != code {
			t.Error("the call carries another code than the SMS")
		}
		if res, err := svc.Check(t.Context(), app, v.ID, code); err != nil || !res.Valid {
			t.Errorf("check = %+v, %v; want valid", res, err)
		}
	})
}
