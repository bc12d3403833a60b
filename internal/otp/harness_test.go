package otp_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// testClock is a settable clock shared by the service and the test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingStore is the real SQLite store, counting the reads the service
// caches and telling whether an UpdateVerification change is running.
type countingStore struct {
	otp.Store
	appByKey atomic.Int64
	appByID  atomic.Int64
	project  atomic.Int64
	inUpdate atomic.Bool
	// beforeUpdate, if set, runs before an UpdateVerification; it may
	// change the verification itself.
	beforeUpdate func()
}

func (s *countingStore) GetApplicationByAPIKey(ctx context.Context, keyHash []byte) (*otp.Application, error) {
	s.appByKey.Add(1)
	return s.Store.GetApplicationByAPIKey(ctx, keyHash)
}

func (s *countingStore) GetApplication(ctx context.Context, id string) (*otp.Application, error) {
	s.appByID.Add(1)
	return s.Store.GetApplication(ctx, id)
}

func (s *countingStore) GetProject(ctx context.Context, id string) (*otp.Project, error) {
	s.project.Add(1)
	return s.Store.GetProject(ctx, id)
}

func (s *countingStore) UpdateVerification(ctx context.Context, appID, id string, change func(*otp.Verification) (otp.Effects, error)) (*otp.Verification, error) {
	if f := s.beforeUpdate; f != nil {
		s.beforeUpdate = nil
		f()
	}
	return s.Store.UpdateVerification(ctx, appID, id, func(v *otp.Verification) (otp.Effects, error) {
		s.inUpdate.Store(true)
		defer s.inUpdate.Store(false)
		return change(v)
	})
}

// watchedLimiter is the in-memory limiter, recording destination counts
// and whether any came while a store write was open.
type watchedLimiter struct {
	otp.Limiter
	store       *countingStore
	destCalls   atomic.Int64
	batches     atomic.Int64 // AllowAll calls: round trips of the send path
	calledInTxn atomic.Bool
}

func (l *watchedLimiter) Allow(ctx context.Context, key string, limit otp.Limit) (otp.Decision, error) {
	if l.store.inUpdate.Load() {
		l.calledInTxn.Store(true)
	}
	if strings.HasPrefix(key, "dest:") {
		l.destCalls.Add(1)
	}
	return l.Limiter.Allow(ctx, key, limit)
}

func (l *watchedLimiter) AllowAll(ctx context.Context, takes []otp.Take) ([]otp.Decision, error) {
	if l.store.inUpdate.Load() {
		l.calledInTxn.Store(true)
	}
	for _, t := range takes {
		if strings.HasPrefix(t.Key, "dest:") && t.Kind == otp.TakeCount {
			l.destCalls.Add(1)
		}
	}
	l.batches.Add(1)
	return l.Limiter.AllowAll(ctx, takes)
}

type fixture struct {
	svc     *otp.Service
	store   *countingStore
	limiter *watchedLimiter
	clock   *testClock
}

func newFixture(t testing.TB, limits otp.Limits) *fixture {
	t.Helper()
	return newFixtureConfig(t, otp.Config{Limits: limits})
}

// newFixtureConfig is newFixture with more of the service's configuration
// than its limits; the fixture sets Store, Limiter, Keys and Clock.
func newFixtureConfig(t testing.TB, cfg otp.Config) *fixture {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	store := &countingStore{Store: db}
	lim := &watchedLimiter{Limiter: ratelimit.NewMemory(clk.Now), store: store}
	cfg.Store, cfg.Limiter, cfg.Keys, cfg.Clock = store, lim, keys, clk
	svc, err := otp.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, store: store, limiter: lim, clock: clk}
}

// newApp creates a project and an application of env in it.
func (f *fixture) newApp(t *testing.T, env otp.Environment) (*otp.Application, otp.Credentials) {
	t.Helper()
	p, err := f.svc.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	a, creds, err := f.svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	return a, creds
}

func ptr[T any](v T) *T { return &v }

// code returns the error code of err, "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	if e := otp.ErrorOf(err); e != nil {
		return e.Code
	}
	return "internal: " + err.Error()
}
