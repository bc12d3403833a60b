package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/metrics"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/telemetry/otlp"
)

// BenchmarkHotPath drives the three hot operations of the native API —
// create (a test application's SMS, console delivery, the test inbox),
// a wrong check and a right one — through the handler serve builds
// (newHandler: the middleware, the metrics, tracing off, the routes), in
// process with an httptest.ResponseRecorder, on SQLite in b.TempDir().
// Its allocations and bytes per request (-benchmem) are deterministic
// where the machine's speed is not; compare them with `otpd bench
// -floor`'s trivial handler (README, "Request CPU").
func BenchmarkHotPath(b *testing.B) {
	b.Run("create", func(b *testing.B) {
		s := newHotPathServer(b)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			s.create(b, n)
		}
	})
	for _, right := range []bool{false, true} {
		b.Run(map[bool]string{false: "check-wrong", true: "check-right"}[right], func(b *testing.B) {
			s := newHotPathServer(b)
			type pending struct{ id, code string }
			var pool []pending
			n := 0
			want := []byte(fmt.Sprintf(`"valid":%v`, right))
			b.ReportAllocs()
			for b.Loop() {
				if len(pool) == 0 {
					// Verifications to check, made with the timer stopped.
					b.StopTimer()
					for range 256 {
						n++
						id, to := s.create(b, n)
						code := s.code(b, to)
						if !right {
							code = wrongCode(code)
						}
						pool = append(pool, pending{id, code})
					}
					b.StartTimer()
				}
				c := pool[len(pool)-1]
				pool = pool[:len(pool)-1]
				body := s.do(b, "POST", "/v1/verifications/"+c.id+"/check", `{"code":"`+c.code+`"}`, http.StatusOK)
				if !bytes.Contains(body, want) {
					b.Fatalf("check of %s: %s, want %s", c.id, body, want)
				}
			}
		})
	}
}

// hotPathServer is serve's handler over a fresh SQLite store, with one
// test application.
type hotPathServer struct {
	handler http.Handler
	svc     *otp.Service
	app     *otp.Application
	apiKey  string
}

func newHotPathServer(b *testing.B) *hotPathServer {
	b.Helper()
	ctx := b.Context()
	// Limits out of the benchmark's reach, still checked on each request.
	env := map[string]string{"OTPD_DATA_DIR": b.TempDir(), "OTPD_API_RATE_LIMIT": "1000000000", "OTPD_DEFAULT_DAILY_SENDS": "0"}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := openStore(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	store.SetLogger(logger)
	meter := metrics.New()
	store.ObserveCommits(meter.StoreCommit)
	keys, err := cfg.serverKey(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	var svc *otp.Service
	d, err := newDeliverySetup(nil, providerEnv{Logger: logger, Chats: lateChats{&svc}, Observe: meter.ProviderSend})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(d.close)
	svc, err = otp.NewService(serviceConfig(cfg, nil, store, ratelimit.NewMemory(nil), keys, d, nil, logger, meter))
	if err != nil {
		b.Fatal(err)
	}
	tracing, err := otlp.Start(ctx, "bench", logger)
	if err != nil || tracing.Enabled() {
		b.Fatalf("tracing must be off (unset OTEL_EXPORTER_OTLP_ENDPOINT): enabled %v, %v", tracing.Enabled(), err)
	}
	h, err := newHandler(cfg, nil, svc, d, meter, tracing, [32]byte{}, nil, logger)
	if err != nil {
		b.Fatal(err)
	}
	p, err := svc.CreateProject(ctx, otp.ProjectInput{Name: new("P")})
	if err != nil {
		b.Fatal(err)
	}
	testEnv := otp.Test
	a, creds, err := svc.CreateApplication(ctx, otp.ApplicationInput{Name: new("A"), ProjectID: &p.ID, Environment: &testEnv})
	if err != nil {
		b.Fatal(err)
	}
	s := &hotPathServer{handler: h, svc: svc, app: a, apiKey: creds.APIKey}
	// The first send parses the message catalog and compiles the number's
	// region: once per process, not per request.
	s.create(b, 0)
	return s
}

// create sends the n-th verification, to its own number, and returns
// its id.
func (s *hotPathServer) create(b *testing.B, n int) (id, to string) {
	b.Helper()
	to = fmt.Sprintf("+1415%07d", 2000000+n%8000000)
	body := s.do(b, "POST", "/v1/verifications", `{"to":"`+to+`","channel":"sms"}`, http.StatusCreated)
	_, rest, _ := bytes.Cut(body, []byte(`"id":"`))
	id, _, ok := strings.Cut(string(rest), `"`)
	if !ok || id == "" {
		b.Fatalf("create: %s", body)
	}
	return id, to
}

// code is the code the test inbox holds for to, read with the service.
func (s *hotPathServer) code(b *testing.B, to string) string {
	b.Helper()
	ms, err := s.svc.TestMessages(b.Context(), s.app, to)
	if err != nil || len(ms) != 1 {
		b.Fatalf("test inbox of %s: %d messages, %v", to, len(ms), err)
	}
	return ms[0].Code
}

// do serves one request as a client at 192.0.2.1 sends it and returns
// the answer's body, failing unless its status is want.
func (s *hotPathServer) do(b *testing.B, method, path, body string, want int) []byte {
	req, err := http.NewRequestWithContext(b.Context(), method, "http://otpd.test"+path, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.RemoteAddr = "192.0.2.1:40000"
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, want)
	}
	return rec.Body.Bytes()
}
