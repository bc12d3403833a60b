package otp_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/smpp"
	"github.com/otpd/otpd/internal/provider/smpp/smsctest"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// The tests below run the real service, SQLite store, router, delivery
// worker and SMPP provider against the fake SMSC behind a proxy that
// takes it down. The service's clock is a testClock that the test moves
// from one due attempt to the next, so an outage of minutes of code time
// costs milliseconds; the provider reconnects in real time, quickly.

// smscOutage is the pipeline with one SMS provider, "smsc".
type smscOutage struct {
	svc   *otp.Service
	clock *testClock
	app   *otp.Application
	smsc  *smsctest.Server
	proxy *smsctest.Proxy
}

func newSMSCOutage(t *testing.T) *smscOutage {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	smsc := smsctest.Start(t, smsctest.Config{})
	proxy := smsctest.StartProxy(t, smsc.Addr())
	provider, err := smpp.New(smpp.Config{Name: "smsc", Addr: proxy.Addr(), SystemID: smsctest.DefaultSystemID,
		Password: smsctest.DefaultPassword, SourceAddr: "Acme", Timeout: 5 * time.Second,
		ReconnectMin: 5 * time.Millisecond, ReconnectMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	// The router's circuit breaker times its cool-down on the same clock.
	router, err := delivery.NewRouter(delivery.RouterConfig{Providers: map[string]delivery.Provider{"smsc": provider},
		Channels: map[otp.Channel][]string{otp.SMS: {"smsc"}}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	// The defaults, as otpd runs without attempts_per_provider.
	svc, err := otp.NewService(otp.Config{Store: db, Limiter: ratelimit.NewMemory(clk.Now), Keys: mustKeys(t), Clock: clk,
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
	w := delivery.NewWorker(delivery.Config{Source: svc, Sender: router, PollInterval: 5 * time.Millisecond})
	svc.SetNotify(w.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		provider.Close()
		db.Close()
	})
	return &smscOutage{svc: svc, clock: clk, app: a, smsc: smsc, proxy: proxy}
}

// send creates n verifications to distinct numbers with the code's ttl.
func (o *smscOutage) send(t *testing.T, n int, ttl time.Duration) []*otp.Verification {
	t.Helper()
	var vs []*otp.Verification
	for i := range n {
		v, _, err := o.svc.CreateVerification(t.Context(), o.app, otp.CreateRequest{
			To: fmt.Sprintf("+1415555%04d", 2671+i), Channel: otp.SMS, TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// settle waits until the worker has done everything due at the test
// clock's time: each verification's latest message is final, or retrying
// at a later time. It returns those messages. The bound of the wait is
// for a broken run, not a measure of speed.
func (o *smscOutage) settle(t *testing.T, vs []*otp.Verification) []otp.Message {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var latest []otp.Message
		settled := true
		for _, v := range vs {
			ms, err := o.svc.Messages(t.Context(), o.app, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 {
				settled = false
				break
			}
			m := ms[len(ms)-1]
			if m.Status == otp.DeliveryRetrying && !m.NextAttemptAt.After(o.clock.Now()) {
				settled = false
				break
			}
			latest = append(latest, m)
		}
		if settled {
			return latest
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not settle at %s", o.clock.Now())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// advance moves the clock to the latest next attempt among ms, so every
// retrying message is due; it reports false when none is retrying.
func (o *smscOutage) advance(ms []otp.Message) bool {
	var last time.Time
	for _, m := range ms {
		if m.Status == otp.DeliveryRetrying && m.NextAttemptAt.After(last) {
			last = m.NextAttemptAt
		}
	}
	if last.IsZero() {
		return false
	}
	o.clock.Advance(last.Sub(o.clock.Now()))
	return true
}

// An SMSC down for a minute of a five-minute code, far longer than the
// first backoffs: every message is retried meanwhile, visibly, and reaches
// the SMSC exactly once when it returns.
func TestSMSCOutageShorterThanTheTTL(t *testing.T) {
	o := newSMSCOutage(t)
	o.proxy.SetDown(true)
	start := o.clock.Now()
	vs := o.send(t, 3, 5*time.Minute)
	for o.clock.Now().Sub(start) < time.Minute {
		ms := o.settle(t, vs)
		for _, m := range ms {
			if m.Status != otp.DeliveryRetrying || m.Provider != "smsc" || m.Error == "" {
				t.Fatalf("during the outage: message %+v, want retrying with smsc's error", m)
			}
		}
		o.advance(ms)
	}
	if n := o.smsc.Stats().Submits; n != 0 {
		t.Fatalf("the SMSC got %d submits while down", n)
	}

	o.proxy.SetDown(false)
	// The provider reconnects on its own schedule, in real time; the next
	// attempts go once it is bound, or while it binds.
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := o.smsc.WaitStats(ctx, func(s smsctest.Stats) bool { return s.Binds >= 1 }); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if !o.advance(o.settle(t, vs)) {
			break
		}
		if i == 50 {
			t.Fatal("messages still retrying 50 attempts after the SMSC returned")
		}
	}
	perDestination := map[string]int{}
	for _, s := range o.smsc.Submits() {
		perDestination[s.DestAddr]++
	}
	for _, v := range vs {
		if n := perDestination[v.To[1:]]; n != 1 {
			t.Errorf("%s reached the SMSC %d times, want once", v.ID, n)
		}
		ms, err := o.svc.Messages(t.Context(), o.app, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := ms[len(ms)-1]
		if len(ms) < 3 || last.Status != otp.DeliverySent || last.Attempts != len(ms) {
			t.Errorf("%s: messages %q, want several retrying attempts, then sent", v.ID, attemptSummary(ms))
		}
		got, err := o.svc.GetVerification(t.Context(), o.app, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DeliveryStatus != otp.DeliverySent || got.LastError != "" {
			t.Errorf("%s: delivery %s, last error %q; want sent, none", v.ID, got.DeliveryStatus, got.LastError)
		}
	}
}

// An SMSC down for longer than the code lives gets none of its messages,
// not even when it returns: each ends expired.
func TestSMSCOutageLongerThanTheTTL(t *testing.T) {
	o := newSMSCOutage(t)
	o.proxy.SetDown(true)
	vs := o.send(t, 2, time.Minute)
	for i := 0; o.advance(o.settle(t, vs)); i++ {
		if i == 50 {
			t.Fatal("messages still retrying after 50 attempts")
		}
	}
	o.proxy.SetDown(false)
	for _, v := range vs {
		ms, err := o.svc.Messages(t.Context(), o.app, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := ms[len(ms)-1]; last.Status != otp.DeliveryExpired {
			t.Errorf("%s: messages %q, want the last expired", v.ID, attemptSummary(ms))
		}
		got, err := o.svc.GetVerification(t.Context(), o.app, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DeliveryStatus != otp.DeliveryExpired {
			t.Errorf("%s: delivery %s, want expired", v.ID, got.DeliveryStatus)
		}
	}
	if n := o.smsc.Stats().Submits; n != 0 {
		t.Errorf("the SMSC got %d submits, want none", n)
	}
}
