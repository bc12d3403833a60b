package otp_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/httpapi"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// gateway is an HTTP SMS gateway answering every request with status,
// counting the requests.
type gateway struct {
	status   atomic.Int64
	requests atomic.Int64
	url      string
}

func startGateway(t *testing.T, status int) *gateway {
	t.Helper()
	g := &gateway{}
	g.status.Store(int64(status))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(g.status.Load()))
		w.Write([]byte(`{"error":"sender id not registered"}`))
	}))
	t.Cleanup(srv.Close)
	g.url = srv.URL
	return g
}

func httpProvider(t *testing.T, name string, g *gateway) delivery.Provider {
	t.Helper()
	p, err := httpapi.New(httpapi.Config{Name: name, Channels: []otp.Channel{otp.SMS}, URL: g.url + "/send",
		Body:         `{"to":{{json .To}},"text":{{json .Body}},"ref":{{json .ID}}}`,
		ErrorMessage: httpapi.Extract{JSONPath: "error"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newServiceAt is a service over the SQLite database at path, with the
// test's keys and clock, sending through a router over providers.
func newServiceAt(t *testing.T, path string, clk *testClock, providers map[string]delivery.Provider, plan []string) (*otp.Service, *delivery.Router, func()) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	router, err := delivery.NewRouter(delivery.RouterConfig{Providers: providers, Channels: map[otp.Channel][]string{otp.SMS: plan}})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := otp.NewService(otp.Config{Store: db, Limiter: ratelimit.NewMemory(clk.Now), Keys: mustKeys(t), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return svc, router, func() { db.Close() }
}

// deliverDue delivers every message due, as the worker would, until none is.
func deliverDue(t *testing.T, svc *otp.Service, sender otp.Sender) {
	t.Helper()
	for range 100 {
		ds, err := svc.ClaimDeliveries(t.Context(), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			return
		}
		for _, d := range ds {
			if err := svc.Deliver(t.Context(), sender, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("messages still due after 100 rounds")
}

// A gateway that answers 422 refuses the message: it goes at once to the
// next provider, and the refusing one is not asked again (one request).
func TestRefusalFailsOverAtOnce(t *testing.T) {
	first, second := startGateway(t, http.StatusUnprocessableEntity), startGateway(t, http.StatusOK)
	clk := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	svc, router, closeDB := newServiceAt(t, sqlitetest.Path(t), clk, map[string]delivery.Provider{
		"first": httpProvider(t, "first", first), "second": httpProvider(t, "second", second)}, []string{"first", "second"})
	defer closeDB()
	a := liveApp(t, svc)
	v, _, err := svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	deliverDue(t, svc, router) // the clock does not move: only what is due at once is sent
	clk.Advance(time.Hour)
	deliverDue(t, svc, router)
	if n, m := first.requests.Load(), second.requests.Load(); n != 1 || m != 1 {
		t.Errorf("requests: first %d, second %d; want 1 and 1", n, m)
	}
	ms, err := svc.Messages(t.Context(), a, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1 first retrying", "2 second sent"}
	if got := attemptSummary(ms); !slices.Equal(got, want) || ms[0].Error != "first: HTTP 422: sender id not registered" ||
		!ms[0].NextAttemptAt.Equal(ms[0].CreatedAt) {
		t.Errorf("messages %q (first error %q), want %q, the retry due at once", got, ms[0].Error, want)
	}
}

// The outbox row keeps the attempt count and the providers that refused
// the message: a service started again on the same database (a restart)
// continues the plan where the first left it.
func TestRestartContinuesThePlan(t *testing.T) {
	first, second := startGateway(t, http.StatusUnprocessableEntity), startGateway(t, http.StatusServiceUnavailable)
	clk := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	path := sqlitetest.Path(t)
	providers := func() map[string]delivery.Provider {
		return map[string]delivery.Provider{"first": httpProvider(t, "first", first), "second": httpProvider(t, "second", second)}
	}
	svc, router, closeDB := newServiceAt(t, path, clk, providers(), []string{"first", "second"})
	a := liveApp(t, svc)
	v, _, err := svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	deliverDue(t, svc, router) // first refuses; second fails, to be retried after backoff
	closeDB()

	second.status.Store(http.StatusOK)
	svc, router, closeDB = newServiceAt(t, path, clk, providers(), []string{"first", "second"})
	defer closeDB()
	clk.Advance(time.Minute)
	deliverDue(t, svc, router)
	if n, m := first.requests.Load(), second.requests.Load(); n != 1 || m != 2 {
		t.Errorf("requests: first %d, second %d; want 1 and 2: the refusal outlived the restart", n, m)
	}
	ms, err := svc.Messages(t.Context(), a, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := attemptSummary(ms), []string{"1 first retrying", "2 second retrying", "3 second sent"}; !slices.Equal(got, want) {
		t.Errorf("messages %q, want %q", got, want)
	}
}

func liveApp(t *testing.T, svc *otp.Service) *otp.Application {
	t.Helper()
	env := otp.Live
	p, err := svc.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("Acme"), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
