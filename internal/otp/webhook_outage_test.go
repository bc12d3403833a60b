package otp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
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
	"github.com/otpd/otpd/internal/webhook"
)

// The tests below run the real service, SQLite store, message worker and
// webhook sender (its HTTP client included) inside a synctest bubble,
// against a receiver served by net/http over in-memory connections, so
// that every request has finished whenever synctest.Wait returns. The
// service's clock is a testClock that the test moves through hours and
// days, rather than the bubble's clock: SQLite's background checkpointer
// ticks every 100 ms of bubble time, which would make each fake hour cost
// seconds.

// pipeNet is an in-memory network: each dial is one end of a net.Pipe,
// whose other end the receiver's server accepts. It is the listener.
type pipeNet struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeNet() *pipeNet {
	return &pipeNet{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (n *pipeNet) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case n.conns <- server:
		return client, nil
	case <-n.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (n *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-n.conns:
		return c, nil
	case <-n.done:
		return nil, net.ErrClosed
	}
}

func (n *pipeNet) Close() error {
	n.once.Do(func() { close(n.done) })
	return nil
}

func (n *pipeNet) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// receiver is an application's webhook endpoint. It checks every
// request's signature as a receiver would, answers 503 until upAt, and
// then accepts, counting each event it accepted by the id in its body.
type receiver struct {
	secret string
	clock  *testClock

	mu       sync.Mutex
	upAt     time.Time
	requests int               // every request, refused or accepted
	accepted map[string]int    // event id → times accepted
	idOf     map[string]string // webhook-id header → event id, from every request
	problems []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if err != nil {
		r.problems = append(r.problems, "reading the body: "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if err := webhook.Verify(webhook.Standard, r.secret, req.Header, body, r.clock.Now()); err != nil {
		r.problems = append(r.problems, "signature: "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" {
		r.problems = append(r.problems, fmt.Sprintf("payload %s: %v", body, err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	// The webhook-id is what a receiver deduplicates on: the same on
	// every attempt of an event, another for another event.
	hid := req.Header.Get("webhook-id")
	if prev, ok := r.idOf[hid]; ok && prev != p.ID {
		r.problems = append(r.problems, fmt.Sprintf("webhook-id %s carried event %s and then %s", hid, prev, p.ID))
	}
	r.idOf[hid] = p.ID
	if r.clock.Now().Before(r.upAt) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	r.accepted[p.ID]++
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) setUpAt(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.upAt = t
}

// outage is the whole pipeline for one application with one endpoint
// subscribed to every event.
type outage struct {
	svc   *otp.Service
	clock *testClock
	app   *otp.Application
	hook  *otp.Webhook
	sms   *flaky
	rcv   *receiver
	next  int // destinations handed out
}

// newOutage starts the pipeline in the current bubble; it stops at cleanup.
func newOutage(t *testing.T) *outage {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	sms := &flaky{channels: []otp.Channel{otp.SMS}}
	router, err := delivery.NewRouter(delivery.RouterConfig{Providers: map[string]delivery.Provider{"sms": sms},
		Channels: map[otp.Channel][]string{otp.SMS: {"sms"}}})
	if err != nil {
		t.Fatal(err)
	}
	pn := newPipeNet()
	// The in-memory receiver speaks plain http.
	sender := webhook.NewSender(webhook.Config{Dial: pn.Dial, AllowHTTP: true})
	svc, err := otp.NewService(otp.Config{Store: db, Limiter: ratelimit.NewMemory(clk.Now), Keys: mustKeys(t), Clock: clk,
		Limits: otp.Limits{MaxDeliveryAttempts: router.MaxAttempts()}, Webhooks: webhook.Transport{Sender: sender}, WebhookAllowHTTP: true})
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
	// A public name: the in-memory network stands in for the internet.
	hook, err := svc.CreateWebhook(t.Context(), otp.WebhookInput{AppID: &a.ID, URL: ptr("http://hooks.acme.example/otpd")})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := svc.WebhookSecret(a)
	if err != nil {
		t.Fatal(err)
	}
	rcv := &receiver{secret: secret, clock: clk, accepted: map[string]int{}, idOf: map[string]string{}}
	srv := &http.Server{Handler: rcv}

	w := delivery.NewWorker(delivery.Config{Source: svc, Sender: router})
	svc.SetNotify(w.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	wg.Go(func() { srv.Serve(pn) })
	t.Cleanup(func() {
		cancel()
		sender.CloseIdleConnections()
		srv.Close()
		wg.Wait()
		db.Close()
	})
	return &outage{svc: svc, clock: clk, app: a, hook: hook, sms: sms, rcv: rcv}
}

// run lets d pass in steps of step. At each step the expiry sweep, the
// event consumer and the webhook sender run as otpd serve runs them, the
// last two again at once while a batch comes back full.
func (o *outage) run(t *testing.T, d, step time.Duration) {
	t.Helper()
	const batch = 200
	for end := o.clock.Now().Add(d); o.clock.Now().Before(end); {
		o.clock.Advance(step)
		if _, err := o.svc.SweepExpired(t.Context(), 500); err != nil {
			t.Fatal(err)
		}
		for {
			n, err := o.svc.ConsumeEvents(t.Context(), batch)
			if err != nil {
				t.Fatal(err)
			}
			m, err := o.svc.DeliverWebhooks(t.Context(), batch, 16)
			if err != nil {
				t.Fatal(err)
			}
			if n < batch && m < batch {
				break
			}
		}
		synctest.Wait()
	}
}

// send creates a verification and waits for its SMS, returning the code.
func (o *outage) send(t *testing.T) (*otp.Verification, string) {
	t.Helper()
	o.next++
	v, _, err := o.svc.CreateVerification(t.Context(), o.app, otp.CreateRequest{
		To: fmt.Sprintf("+1415555%04d", 2000+o.next), Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
	for _, s := range o.sms.log() {
		if s.m.VerificationID == v.ID && s.ok {
			return v, s.m.Code
		}
	}
	t.Fatalf("no SMS sent for %s", v.ID)
	return nil, ""
}

// lives takes four verifications through the ends of their lives: one
// verified, one canceled, one checked with wrong codes until it locks,
// and one left to expire.
func (o *outage) lives(t *testing.T) {
	t.Helper()
	v, code := o.send(t)
	if res, err := o.svc.Check(t.Context(), o.app, v.ID, code); err != nil || !res.Valid {
		t.Fatalf("check = %+v, %v; want valid", res, err)
	}
	v, _ = o.send(t)
	if _, err := o.svc.Cancel(t.Context(), o.app, v.ID); err != nil {
		t.Fatal(err)
	}
	v, code = o.send(t)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range 5 {
		if _, err := o.svc.Check(t.Context(), o.app, v.ID, wrong); err != nil {
			t.Fatal(err)
		}
	}
	o.send(t)
}

// events returns every event of the application.
func (o *outage) events(t *testing.T) []otp.EventRecord {
	t.Helper()
	var all []otp.EventRecord
	f := otp.EventFilter{AppID: o.app.ID, Limit: otp.MaxLogPage}
	for {
		page, err := o.svc.ListLogs(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all
		}
		f.Cursor = page[len(page)-1].ID
	}
}

// deliveries returns every delivery of the endpoint.
func (o *outage) deliveries(t *testing.T) []otp.WebhookDelivery {
	t.Helper()
	var all []otp.WebhookDelivery
	f := otp.WebhookDeliveryFilter{Limit: 200}
	for {
		page, err := o.svc.ListWebhookDeliveries(t.Context(), o.hook.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all
		}
		f.Cursor = page[len(page)-1].ID
	}
}

// checkDelivered checks that the receiver accepted every event of the
// application exactly once, each as its endpoint's one delivery, all
// delivered, and that it saw no request the deliveries do not count.
func (o *outage) checkDelivered(t *testing.T) []otp.WebhookDelivery {
	t.Helper()
	events, ds := o.events(t), o.deliveries(t)
	o.rcv.mu.Lock()
	defer o.rcv.mu.Unlock()
	for _, p := range o.rcv.problems {
		t.Errorf("receiver: %s", p)
	}
	byEvent := map[string]otp.WebhookDelivery{}
	attempts := 0
	for _, d := range ds {
		if prev, ok := byEvent[d.EventID]; ok {
			t.Errorf("event %s has two deliveries, %s and %s", d.EventID, prev.ID, d.ID)
		}
		byEvent[d.EventID] = d
		attempts += d.Attempts
		if d.Status != otp.WebhookDelivered {
			t.Errorf("delivery %s of %s is %s after %d attempts (%s), want delivered", d.ID, d.EventType, d.Status, d.Attempts, d.LastError)
		}
		if got := o.rcv.idOf[d.ID]; got != d.EventID {
			t.Errorf("webhook-id %s carried event %q, want %s", d.ID, got, d.EventID)
		}
	}
	for _, e := range events {
		if n := o.rcv.accepted[e.ID]; n != 1 {
			t.Errorf("event %s (%s) accepted %d times, want once", e.ID, e.Type, n)
		}
		if _, ok := byEvent[e.ID]; !ok {
			t.Errorf("event %s (%s) has no delivery", e.ID, e.Type)
		}
	}
	if len(o.rcv.accepted) != len(events) {
		t.Errorf("receiver accepted %d distinct events, the log has %d", len(o.rcv.accepted), len(events))
	}
	if o.rcv.requests != attempts {
		t.Errorf("receiver got %d requests, the deliveries count %d attempts", o.rcv.requests, attempts)
	}
	return ds
}

// countTypes counts events by type.
func countTypes(events []otp.EventRecord) map[otp.EventType]int {
	n := map[otp.EventType]int{}
	for _, e := range events {
		n[e.Type]++
	}
	return n
}

// A receiver down for an hour, or for six, gets, once it is back, every
// event that happened meanwhile exactly once, retried with backoff;
// nothing is given up and the endpoint stays enabled. Verifications live
// and end four times during the outage (one round every `every`). An
// event's last failed attempt before the receiver returns is followed by
// one at most 1.2 × the next delay of the schedule later, so all are
// through by until: after an hour's outage no event has failed more than
// six times (5 s + 30 s + 2 m + 10 m + 30 m, then 1 h), after six hours
// none more than eight (… 2 h, then 4 h).
func TestWebhookOutageRecovers(t *testing.T) {
	for _, tc := range []struct {
		name               string
		down, every, until time.Duration
		step               time.Duration // the time between runs of the sweep, consumer and sender
	}{
		{"an hour", time.Hour, 12 * time.Minute, 2*time.Hour + 30*time.Minute, time.Minute},
		{"six hours", 6 * time.Hour, 75 * time.Minute, 14 * time.Hour, 5 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) { testWebhookOutageRecovers(t, tc.down, tc.every, tc.until, tc.step) })
	}
}

func testWebhookOutageRecovers(t *testing.T, down, every, until, step time.Duration) {
	synctest.Test(t, func(t *testing.T) {
		o := newOutage(t)
		start := o.clock.Now()
		upAt := start.Add(down)
		o.rcv.setUpAt(upAt)

		const rounds = 4
		for range rounds {
			o.lives(t)
			o.run(t, every, step)
		}
		o.rcv.mu.Lock()
		early := len(o.rcv.accepted)
		o.rcv.mu.Unlock()
		if early != 0 {
			t.Fatalf("the receiver accepted %d events while down", early)
		}
		o.run(t, until-o.clock.Now().Sub(start), step)

		want := map[otp.EventType]int{otp.EventCreated: 4 * rounds, otp.EventSent: 4 * rounds,
			otp.EventVerified: rounds, otp.EventCanceled: rounds, otp.EventMaxAttempts: rounds, otp.EventExpired: rounds}
		if n := countTypes(o.events(t)); !maps.Equal(n, want) {
			t.Errorf("events by type = %v, want %v", n, want)
		}
		ds := o.checkDelivered(t)
		var recovered time.Time // when the last event got through
		for _, d := range ds {
			if d.Attempts < 2 {
				t.Errorf("delivery %s of %s took %d attempt, want retries through the outage", d.ID, d.EventType, d.Attempts)
			}
			_, as, err := o.svc.WebhookAttempts(t.Context(), o.hook.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) > 0 && as[len(as)-1].At.After(recovered) {
				recovered = as[len(as)-1].At
			}
		}
		// The oldest delivery was retried through the outage with backoff.
		first := slices.MinFunc(ds, func(a, b otp.WebhookDelivery) int { return a.CreatedAt.Compare(b.CreatedAt) })
		_, as, err := o.svc.WebhookAttempts(t.Context(), o.hook.ID, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != first.Attempts || len(as) < 3 {
			t.Fatalf("the first delivery logged %d attempts, counts %d", len(as), first.Attempts)
		}
		for i, a := range as {
			ok := a.StatusCode == http.StatusOK
			if ok != (i == len(as)-1) || ok == a.At.Before(upAt) {
				t.Errorf("attempt %d at +%s answered %d; want 503 before +%s, one 200 after, last", a.Attempt, a.At.Sub(start), a.StatusCode, down)
			}
		}
		if gap1, gapN := as[1].At.Sub(as[0].At), as[len(as)-1].At.Sub(as[len(as)-2].At); gapN < 20*gap1 {
			t.Errorf("the last wait was %s, the first %s; want the waits to grow", gapN, gap1)
		}

		w, err := o.svc.GetWebhook(t.Context(), o.hook.ID)
		if err != nil {
			t.Fatal(err)
		}
		if w.Status != otp.WebhookEnabled || !w.FailingSince.IsZero() {
			t.Errorf("endpoint %s, failing since %s; want enabled and healthy", w.Status, w.FailingSince)
		}
		o.rcv.mu.Lock()
		t.Logf("receiver down %s: %d events, %d requests (%d retries), every event accepted once, the last %s after the receiver returned",
			down, len(ds), o.rcv.requests, o.rcv.requests-len(ds), recovered.Sub(upAt))
		o.rcv.mu.Unlock()
	})
}

// A receiver down for longer than the retry schedule: every delivery is
// retried for over a day and then given up, and an endpoint failing for
// five days is disabled. Once the receiver is back and its owner enables
// the endpoint and redelivers, it gets every event exactly once.
func TestWebhookOutageOutlastsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := newOutage(t)
		start := o.clock.Now()
		o.rcv.setUpAt(start.Add(365 * 24 * time.Hour))
		o.lives(t)
		// The schedule ends at most 1.2 × 39h43m after an event.
		o.run(t, 3*24*time.Hour, 30*time.Minute)

		ds := o.deliveries(t)
		if len(ds) != 12 {
			t.Fatalf("%d deliveries, want one for each of 12 events", len(ds))
		}
		requests := 0
		for _, d := range ds {
			requests += d.Attempts
			if d.Status != otp.WebhookDead || d.Attempts != webhook.MaxAttempts {
				t.Errorf("delivery %s of %s is %s after %d attempts, want dead after %d", d.ID, d.EventType, d.Status, d.Attempts, webhook.MaxAttempts)
			}
		}
		o.rcv.mu.Lock()
		if o.rcv.requests != requests || len(o.rcv.accepted) != 0 {
			t.Errorf("receiver got %d requests and accepted %d events; want %d, none accepted", o.rcv.requests, len(o.rcv.accepted), requests)
		}
		o.rcv.mu.Unlock()
		_, as, err := o.svc.WebhookAttempts(t.Context(), o.hook.ID, ds[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != webhook.MaxAttempts || as[len(as)-1].At.Sub(as[0].At) < 24*time.Hour {
			t.Errorf("%d attempts over %s, want %d over a day or more", len(as), as[len(as)-1].At.Sub(as[0].At), webhook.MaxAttempts)
		}
		w, err := o.svc.GetWebhook(t.Context(), o.hook.ID)
		if err != nil {
			t.Fatal(err)
		}
		if w.Status != otp.WebhookEnabled || w.FailingSince.IsZero() || w.FailingSince.After(start.Add(time.Hour)) {
			t.Errorf("after three days: endpoint %s, failing since +%s; want still enabled, failing since the first attempt",
				w.Status, w.FailingSince.Sub(start))
		}

		// Five days after its first failure, the next failure disables the
		// endpoint. The new verification's events all happen before it.
		o.run(t, w.FailingSince.Add(webhook.DisableAfter).Sub(o.clock.Now()), 6*time.Hour)
		v, _ := o.send(t)
		if _, err := o.svc.Cancel(t.Context(), o.app, v.ID); err != nil {
			t.Fatal(err)
		}
		o.run(t, time.Hour, 10*time.Minute)
		if w, err = o.svc.GetWebhook(t.Context(), o.hook.ID); err != nil {
			t.Fatal(err)
		}
		if w.Status != otp.WebhookDisabled || w.DisabledReason == "" {
			t.Fatalf("after five days failing: endpoint %s (%q), want disabled with a reason", w.Status, w.DisabledReason)
		}

		// The receiver is back; its owner enables the endpoint and
		// redelivers what was given up.
		o.rcv.setUpAt(o.clock.Now())
		if _, err := o.svc.UpdateWebhook(t.Context(), o.hook.ID, otp.WebhookInput{Status: ptr(otp.WebhookEnabled)}); err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if _, err := o.svc.RedeliverWebhook(t.Context(), o.hook.ID, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		o.run(t, 2*time.Hour, 10*time.Minute)

		for _, d := range o.checkDelivered(t) {
			if slices.ContainsFunc(ds, func(dead otp.WebhookDelivery) bool { return dead.ID == d.ID }) && d.Attempts != webhook.MaxAttempts+1 {
				t.Errorf("redelivered %s took %d attempts in all, want %d", d.ID, d.Attempts, webhook.MaxAttempts+1)
			}
		}
		if w, err = o.svc.GetWebhook(t.Context(), o.hook.ID); err != nil {
			t.Fatal(err)
		}
		if w.Status != otp.WebhookEnabled || !w.FailingSince.IsZero() {
			t.Errorf("endpoint %s, failing since %s; want enabled and healthy", w.Status, w.FailingSince)
		}
	})
}
