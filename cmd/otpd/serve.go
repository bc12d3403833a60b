package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on OTPD_DEBUG_ADDR
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/metrics"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlstore"
	"github.com/otpd/otpd/internal/telemetry/otlp"
	"github.com/otpd/otpd/internal/version"
)

// serve runs the HTTP server, the delivery workers and the expiry sweeper
// until ctx is canceled, then shuts them down in order: stop accepting
// requests, finish in-flight deliveries, close the database.
//
// It listens before it opens the store, so that while migrations run
// /v1/health already answers 200 and everything else (/v1/ready
// included) 503 with Retry-After; the real handler is swapped in when
// the service is built (phases.go). stdout's "listening on" line comes
// then: it means otpd serves.
func serve(ctx context.Context, cfg config, getenv func(string) string, logger *slog.Logger, stdout, stderr io.Writer) error {
	// The configuration file first: a mistake in it should stop otpd
	// before anything else happens.
	var fc *fileConfig
	if cfg.ConfigFile != "" {
		var err error
		if fc, err = loadConfigFile(cfg.ConfigFile, getenv); err != nil {
			return err
		}
	}
	keys, err := cfg.serverKey(stderr)
	if err != nil {
		return err
	}
	adminHash, err := cfg.adminTokenHash(stderr)
	if err != nil {
		return err
	}
	// Traces, when the OTEL_* variables name an endpoint; flushed last,
	// after everything that makes spans has stopped.
	tracing, err := otlp.Start(ctx, version.String(), logger)
	if err != nil {
		return err
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tracing.Shutdown(flushCtx); err != nil {
			logger.Warn("traces not flushed", "err", err)
		}
	}()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (OTPD_ADDR): %w", cfg.Addr, err)
	}
	phases := newPhasedHandler()
	srv := &http.Server{
		Handler:           phases,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    httpjson.ServerMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Closing the server last is right on every path: until the real
	// handler is in place, no request reaches the store, and once it is,
	// the server is shut down below before anything else closes.
	defer srv.Close()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("otpd listening", "addr", "http://"+ln.Addr().String(), "version", version.String(), "phase", "starting")
	fmt.Fprintf(stdout, "starting on http://%s\n", ln.Addr())

	identities, err := newIdentityVerifier(ctx, cfg, logger)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	store.SetLogger(logger)
	meter := metrics.New()
	store.ObserveCommits(meter.StoreCommit)

	limiter, closeLimiter, limiterReady, err := newLimiter(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeLimiter()

	var svc *otp.Service
	d, err := newDeliverySetup(fc, providerEnv{
		Receipts: otp.ReceiptFunc(func(ctx context.Context, r otp.Receipt) error { return svc.RecordReceipt(ctx, r) }),
		Logger:   logger,
		Chats:    lateChats{&svc},
		Observe:  meter.ProviderSend,
	})
	if err != nil {
		return err
	}
	defer d.close()
	svc, err = otp.NewService(serviceConfig(cfg, fc, store, limiter, keys, d, identities, logger, meter))
	if err != nil {
		return err
	}
	if err := cfg.checkServerKey(ctx, svc); err != nil {
		return err
	}
	meter.WatchQueues(svc.QueueStats)
	sender := d.sender
	worker := delivery.NewWorker(delivery.Config{
		Source: svc, Sender: sender, Concurrency: cfg.DeliveryWorkers, Logger: logger,
	})
	svc.SetNotify(worker.Wake)

	handler, err := newHandler(cfg, fc, svc, d, meter, tracing, adminHash, readyChecks(store, phases, limiterReady), logger)
	if err != nil {
		return err
	}
	stopMetrics, err := serveMetrics(meter, cfg, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()

	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := worker.Run(bgCtx); err != nil && !errors.Is(err, context.Canceled) {
			logger.Error("delivery worker stopped", "err", err)
		}
	})
	wg.Go(func() { sweep(bgCtx, svc, logger) })
	wg.Go(func() { consumeEvents(bgCtx, svc, logger) })
	wg.Go(func() { postWebhooks(bgCtx, svc, logger) })
	wg.Go(func() { detectPumping(bgCtx, svc, logger) })

	if cfg.DebugAddr != "" {
		// Profiles and goroutine dumps, on a separate listener that should
		// stay private (OTPD_DEBUG_ADDR, e.g. 127.0.0.1:6060).
		debugSrv := &http.Server{Addr: cfg.DebugAddr, Handler: http.DefaultServeMux, ReadHeaderTimeout: 5 * time.Second}
		go debugSrv.ListenAndServe()
		defer debugSrv.Close()
	}

	phases.set(handler)
	logger.Info("otpd ready", "addr", "http://"+ln.Addr().String(), "version", version.String(), "database", describeDB(cfg))
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())

	select {
	case err = <-serveErr:
	case <-ctx.Done():
		logger.Info("shutting down")
		// Readiness fails first, and answers close their connections,
		// so that balancers and keep-alive clients move away.
		phases.drain()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
		err = srv.Shutdown(shutdownCtx)
		cancel()
	}
	stopBackground()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// writeTimeout is the server's bound on writing an answer;
// OTPD_REQUEST_TIMEOUT must be shorter, so that a request's deadline
// comes while its answer can still be written.
const writeTimeout = 30 * time.Second

// defaultRequestTimeout is OTPD_REQUEST_TIMEOUT's default.
const defaultRequestTimeout = 10 * time.Second

// sweep marks expired verifications every second, in batches, so their
// events fire even when nobody checks them, and sends the fallback steps
// that are due.
func sweep(ctx context.Context, svc *otp.Service, logger *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			n, err := svc.SweepExpired(ctx, 500)
			if err != nil {
				if ctx.Err() == nil {
					logBackground(logger, "expiry sweep", err)
				}
				break
			}
			if n < 500 {
				break
			}
		}
		for {
			n, err := svc.SweepFallbacks(ctx, 500)
			if err != nil {
				if ctx.Err() == nil {
					logBackground(logger, "fallback sweep", err)
				}
				break
			}
			if n < 500 {
				break
			}
		}
	}
}

// consumeEvents takes new events (webhook fan-out, analytics, credits)
// every second, and at once again while there is more. It only queues
// webhook deliveries; postWebhooks sends them, so that slow endpoints
// never hold up analytics, credit charges or quotas.
func consumeEvents(ctx context.Context, svc *otp.Service, logger *slog.Logger) {
	const batch = 200
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for ctx.Err() == nil {
			n, err := svc.ConsumeEvents(ctx, batch)
			if err != nil {
				logBackground(logger, "event consumer", err)
				break
			}
			if n < batch {
				break
			}
		}
	}
}

// detectPumping runs the pumping detector every minute and learns the
// send budgets every hour (otp.LearntBudgetEvery). Both are safe to run
// on every instance: a block already in place is not added again, and
// the learnt budgets of the same history are the same.
func detectPumping(ctx context.Context, svc *otp.Service, logger *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	var learnt time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := svc.DetectPumping(ctx); err != nil && ctx.Err() == nil {
				logBackground(logger, "pumping detector", err)
			}
			if now.Sub(learnt) < otp.LearntBudgetEvery {
				continue
			}
			learnt = now
			if _, err := svc.LearnBudgets(ctx); err != nil && ctx.Err() == nil {
				logBackground(logger, "learnt budgets", err)
			}
		}
	}
}

// postWebhooks posts due webhook deliveries with 16 senders, looking for
// new ones every second, until ctx ends.
func postWebhooks(ctx context.Context, svc *otp.Service, logger *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	svc.RunWebhookDeliveries(ctx, 16, t.C, func(err error) { logBackground(logger, "webhook delivery", err) })
}

// logBackground logs a background task's failure, unless it is the
// database being unavailable: the store logs the start and the end of
// an outage once (sqlstore's outage tracker), and a line a second from
// each task would bury it.
func logBackground(logger *slog.Logger, task string, err error) {
	if errors.Is(err, otp.ErrUnavailable) {
		return
	}
	logger.Error(task, "err", err)
}

// newLimiter is the in-memory limiter, or the Redis one when OTPD_REDIS_URL
// is set so that several instances share their counters. Redis may be down,
// even at start: the limiter then decides per instance until it returns
// (ratelimit.Fallback), so an outage of Redis is not one of otpd. With
// Redis it also returns the readiness check that reports it.
func newLimiter(ctx context.Context, cfg config, logger *slog.Logger) (otp.Limiter, func() error, []api.ReadyCheck, error) {
	if cfg.RedisURL == "" {
		return ratelimit.NewMemory(nil), func() error { return nil }, nil, nil
	}
	opts, err := ratelimit.ClientOptions(cfg.RedisURL)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("OTPD_REDIS_URL: %w", err)
	}
	client := redis.NewClient(opts)
	limiter := ratelimit.NewFallback(ratelimit.NewRedis(client), logger, nil)
	if err := client.Ping(ctx).Err(); err != nil {
		limiter.Unreachable(err)
	}
	return limiter, client.Close, []api.ReadyCheck{redisReadyCheck(limiter)}, nil
}

// redisReadyCheck reports Redis as a degradation, not a failure: otpd
// serves with per-instance limits without it.
func redisReadyCheck(shared *ratelimit.Fallback) api.ReadyCheck {
	return api.ReadyCheck{Name: "redis", Degrades: true, Check: func(ctx context.Context) error {
		shared.Recheck(ctx)
		if shared.Degraded() {
			return errors.New("redis is unreachable: rate limits are per instance until it returns")
		}
		return nil
	}}
}

// readyChecks are what /v1/ready asks: the database, whether otpd is
// shutting down, and what the limiter depends on.
func readyChecks(store *sqlstore.Store, phases *phasedHandler, limiterReady []api.ReadyCheck) []api.ReadyCheck {
	return append([]api.ReadyCheck{{Name: "database", Check: store.Ping}, phases.shutdownCheck()}, limiterReady...)
}

func describeDB(cfg config) string {
	if isPostgres(cfg.DatabaseURL) {
		return "postgres"
	}
	return "sqlite:" + cfg.DatabaseURL
}

// lateChats is the service's chat directory for providers built before
// the service itself; they use it only once serving.
type lateChats struct{ svc **otp.Service }

func (l lateChats) LinkChat(ctx context.Context, provider, phone, chatID string) error {
	return (*l.svc).LinkChat(ctx, provider, phone, chatID)
}

func (l lateChats) ChatFor(ctx context.Context, provider, phone string) (string, bool, error) {
	return (*l.svc).ChatFor(ctx, provider, phone)
}

func (l lateChats) ChatStartPhone(token string) (string, bool) {
	return (*l.svc).ChatStartPhone(token)
}
