package otp_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// gateTransport answers endpoints on slow.example only when release is
// closed, as a receiver taking 9.9 s would (a test clock: the latency is
// reported, not waited for), and every other endpoint at once.
type gateTransport struct {
	release chan struct{}
	// overCap is closed when more than cap posts to slow endpoints are
	// in flight at once.
	overCap chan struct{}
	cap     int
	fast    chan string // a fast post's delivery id, as it is answered

	mu       sync.Mutex
	slowBusy int
	slowSeen int
}

func newGateTransport(cap int) *gateTransport {
	return &gateTransport{release: make(chan struct{}), overCap: make(chan struct{}), cap: cap, fast: make(chan string, 100)}
}

func (g *gateTransport) Encode(e otp.Event, _ *otp.Verification, _ *otp.Webhook) ([]byte, error) {
	return fmt.Appendf(nil, `{"id":%q}`, e.ID), nil
}

func (g *gateTransport) Post(ctx context.Context, w *otp.Webhook, _ otp.WebhookSecrets, d *otp.WebhookDelivery, _ time.Time) otp.WebhookResult {
	if !strings.Contains(w.URL, "slow.example") {
		g.fast <- d.ID
		return otp.WebhookResult{StatusCode: 200, Latency: 10 * time.Millisecond}
	}
	g.mu.Lock()
	g.slowBusy++
	g.slowSeen++
	if g.slowBusy == g.cap+1 {
		close(g.overCap)
	}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.slowBusy--
		g.mu.Unlock()
	}()
	select {
	case <-g.release:
		return otp.WebhookResult{StatusCode: 200, Latency: 9900 * time.Millisecond}
	case <-ctx.Done():
		return otp.WebhookResult{Err: ctx.Err(), Retryable: true, Latency: 9900 * time.Millisecond}
	}
}

func (g *gateTransport) NextAttempt(_ int, now time.Time) (time.Time, bool) {
	return now.Add(time.Minute), true
}

func (g *gateTransport) ShouldDisable(time.Time, time.Time) bool { return false }

// newGatedService is a service over SQLite whose webhooks go through g,
// with perApp deliveries of an application in flight at most.
func newGatedService(t *testing.T, g otp.WebhookTransport, perApp int) (*otp.Service, *testClock) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &testClock{t: time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC)}
	svc, err := otp.NewService(otp.Config{Store: db, Limiter: ratelimit.NewMemory(nil), Keys: mustKeys(t), Clock: clk,
		Webhooks: g, WebhookAllowHTTP: true, WebhookConcurrencyPerApp: perApp})
	if err != nil {
		t.Fatal(err)
	}
	return svc, clk
}

// newWebhookTenant creates a test application with endpoints endpoints on host,
// each taking otp.created events, and sends count verifications.
func newWebhookTenant(t *testing.T, svc *otp.Service, name, host string, endpoints, count int) ([]*otp.Webhook, *otp.Application) {
	t.Helper()
	env := otp.Test
	p, err := svc.CreateProject(t.Context(), otp.ProjectInput{Name: ptr(name)})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr(name), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	created := []otp.EventType{otp.EventCreated}
	var hooks []*otp.Webhook
	for i := range endpoints {
		w, err := svc.CreateWebhook(t.Context(), otp.WebhookInput{AppID: &a.ID, URL: ptr(fmt.Sprintf("http://%s/hook%d", host, i)), Events: &created})
		if err != nil {
			t.Fatal(err)
		}
		hooks = append(hooks, w)
	}
	for i := range count {
		if _, _, err := svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: fmt.Sprintf("+1415555%04d", 4000+i), Channel: otp.SMS}); err != nil {
			t.Fatal(err)
		}
	}
	return hooks, a
}

// One tenant's 20 endpoints all answer in 9.9 s, and its deliveries are
// queued before another tenant's. The other tenant's deliveries are all
// answered while the slow tenant has only its cap of deliveries in
// flight: the slow tenant never holds more senders than that, whatever
// its backlog.
func TestWebhookSlowTenantDoesNotDelayOthers(t *testing.T) {
	const perApp = 2
	g := newGateTransport(perApp)
	svc, clk := newGatedService(t, g, perApp)
	newWebhookTenant(t, svc, "Slow", "slow.example", otp.MaxWebhooksPerApp, 2) // 40 deliveries
	if _, err := svc.ConsumeEvents(t.Context(), 500); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second) // the quiet tenant's deliveries are queued later
	quietHooks, _ := newWebhookTenant(t, svc, "Quiet", "quiet.example", 1, 5)
	if _, err := svc.ConsumeEvents(t.Context(), 500); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	var run sync.WaitGroup
	run.Go(func() {
		// No tick: every claim after the first is woken by a post ending.
		svc.RunWebhookDeliveries(ctx, 16, nil, func(err error) { t.Error(err) })
	})
	answered := map[string]bool{}
	for len(answered) < 5 {
		select {
		case id := <-g.fast:
			answered[id] = true
		case <-g.overCap:
			t.Fatalf("the slow tenant has more than %d deliveries in flight with %d of the other's answered", perApp, len(answered))
		}
	}
	g.mu.Lock()
	busy, seen := g.slowBusy, g.slowSeen
	g.mu.Unlock()
	if busy > perApp || seen != busy {
		t.Errorf("while the other tenant's deliveries were answered: %d slow posts in flight, %d begun; want at most %d, none ended", busy, seen, perApp)
	}
	close(g.release)
	cancel()
	run.Wait()

	// What was answered is the quiet tenant's five deliveries. (Whether
	// each outcome was recorded before the cancel is beside the point.)
	ds, err := svc.ListWebhookDeliveries(t.Context(), quietHooks[0].ID, otp.WebhookDeliveryFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if !answered[d.ID] {
			t.Errorf("the quiet tenant's delivery %s was not answered", d.ID)
		}
	}
	if len(ds) != 5 {
		t.Errorf("the quiet tenant has %d deliveries, want 5", len(ds))
	}
}

// paceTransport answers each post when the test hands it a token, as an
// endpoint taking 9.9 s, and keeps the most posts it had at once.
type paceTransport struct {
	gateTransport
	answer  chan struct{}
	started chan struct{}
	busy    int
	maxBusy int
}

func (p *paceTransport) Post(ctx context.Context, _ *otp.Webhook, _ otp.WebhookSecrets, _ *otp.WebhookDelivery, _ time.Time) otp.WebhookResult {
	p.mu.Lock()
	p.busy++
	p.maxBusy = max(p.maxBusy, p.busy)
	p.mu.Unlock()
	p.started <- struct{}{}
	<-p.answer
	p.mu.Lock()
	p.busy--
	p.mu.Unlock()
	return otp.WebhookResult{StatusCode: 200, Latency: 9900 * time.Millisecond}
}

// An endpoint whose attempts took 9.9 s is slow after two of them, and
// then gets one delivery in flight at a time, below its application's cap.
func TestWebhookSlowEndpointOneAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &paceTransport{answer: make(chan struct{}, 10), started: make(chan struct{}, 10)}
		svc, _ := newGatedService(t, p, 4)
		newWebhookTenant(t, svc, "Slow", "slow.example", 1, 5)
		if _, err := svc.ConsumeEvents(t.Context(), 500); err != nil {
			t.Fatal(err)
		}
		p.answer <- struct{}{}
		p.answer <- struct{}{}
		if n, err := svc.DeliverWebhooks(t.Context(), 2, 1); err != nil || n != 2 {
			t.Fatalf("posted %d (%v), want 2", n, err)
		}
		<-p.started
		<-p.started
		p.mu.Lock()
		p.maxBusy = 0
		p.mu.Unlock()

		var run sync.WaitGroup
		run.Go(func() {
			if _, err := svc.DeliverWebhooks(t.Context(), 3, 16); err != nil {
				t.Error(err)
			}
		})
		for range 3 {
			<-p.started
			synctest.Wait() // any other post the claims allow has begun too
			p.answer <- struct{}{}
		}
		run.Wait()
		if p.maxBusy != 1 {
			t.Errorf("the slow endpoint had %d posts in flight at once, want 1", p.maxBusy)
		}
	})
}
