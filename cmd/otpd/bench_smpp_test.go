package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/smpp"
	"github.com/otpd/otpd/internal/provider/smpp/smsctest"
	"github.com/otpd/otpd/internal/ratelimit"
)

// BenchmarkSMPPEndToEnd measures sustained SMS throughput through the
// whole pipeline: clients create verifications over HTTP on a live
// application, the outbox worker hands each message to the SMPP provider
// (window 10), and a fake SMSC accepts it and sends a delivery receipt,
// which otpd records. It reports messages/s accepted by the SMSC over
// the run, and the time to drain what was queued when the clients stop.
//
//	make bench-smpp   (go test -run '^$' -bench SMPPEndToEnd -benchtime 1x ./cmd/otpd)
func BenchmarkSMPPEndToEnd(b *testing.B) {
	smsc := smsctest.Start(b, smsctest.Config{Discard: true, AutoReceipt: &smsctest.Receipt{Stat: "DELIVRD"}})
	path := writeConfig(b, fmt.Sprintf(`
providers:
  smsc:
    type: smpp
    addr: %s
    system_id: %s
    password: %s
    source_addr: Acme
    window: 10
routing:
  channels: {sms: [smsc]}
`, smsc.Addr(), smsctest.DefaultSystemID, smsctest.DefaultPassword))
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": b.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_CONFIG": path, "OTPD_API_RATE_LIMIT": "100000000"}
	base, _, stop := startServe(b, env)
	defer stop()
	key := setupLiveApp(b, base)

	const clients = 8
	duration := 8 * time.Second
	var created atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for c := range clients {
		wg.Go(func() {
			for i := 0; time.Since(begin) < duration; i++ {
				// Distinct destinations keep the per-destination limit out of the way.
				to := fmt.Sprintf("+1%d555%04d", areaCodes[c], i%10000)
				st, _, err := tryCall(base+"/v1/verifications", key, map[string]any{"to": to, "channel": "sms"})
				if err != nil || st != 201 {
					b.Errorf("create: %d %v", st, err)
					return
				}
				created.Add(1)
			}
		})
	}
	wg.Wait()
	stopped := time.Now()
	n := int(created.Load())
	deadline := time.Now().Add(2 * time.Minute)
	for smsc.Stats().Accepted < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	done := time.Now()
	st := smsc.Stats()
	if st.Accepted < n {
		b.Fatalf("the SMSC accepted %d of %d messages", st.Accepted, n)
	}
	b.ReportMetric(float64(n)/done.Sub(begin).Seconds(), "msgs/s")
	b.ReportMetric(float64(n)/stopped.Sub(begin).Seconds(), "creates/s")
	b.ReportMetric(done.Sub(stopped).Seconds(), "drain-s")
	b.ReportMetric(float64(st.MaxOutstanding), "max-window")
}

// BenchmarkSMPPDrain measures the delivery side alone: b.N verifications
// are queued first (no HTTP), then the outbox worker drains them through
// the router and the SMPP provider (window 10) to a fake SMSC that sends
// a delivery receipt for each. It reports messages/s accepted by the SMSC.
//
//	go test -run '^$' -bench SMPPDrain -benchtime 20000x ./cmd/otpd
func BenchmarkSMPPDrain(b *testing.B) {
	ctx := b.Context()
	smsc := smsctest.Start(b, smsctest.Config{Discard: true, AutoReceipt: &smsctest.Receipt{Stat: "DELIVRD"}})
	dir := b.TempDir()
	cfg, err := loadConfig(envFunc(map[string]string{"OTPD_DATA_DIR": dir}))
	if err != nil {
		b.Fatal(err)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		b.Fatal(err)
	}
	var svc *otp.Service
	provider, err := smpp.New(smpp.Config{Addr: smsc.Addr(), SystemID: smsctest.DefaultSystemID, Password: smsctest.DefaultPassword,
		SourceAddr: "Acme", Window: 10,
		Receipts: otp.ReceiptFunc(func(ctx context.Context, r otp.Receipt) error { return svc.RecordReceipt(ctx, r) })})
	if err != nil {
		b.Fatal(err)
	}
	defer provider.Close()
	router, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"smsc": provider}, Channels: map[otp.Channel][]string{otp.SMS: {"smsc"}}})
	if err != nil {
		b.Fatal(err)
	}
	svc, err = otp.NewService(otp.Config{Store: store, Limiter: ratelimit.NewMemory(nil), Keys: keys,
		Limits: otp.Limits{APIKeyRequests: otp.Limit{Count: 1 << 30, Period: time.Minute}}})
	if err != nil {
		b.Fatal(err)
	}
	env := otp.Live
	p, err := svc.CreateProject(ctx, otp.ProjectInput{Name: ptrTo("bench")})
	if err != nil {
		b.Fatal(err)
	}
	app, _, err := svc.CreateApplication(ctx, otp.ApplicationInput{Name: ptrTo("Acme"), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				to := fmt.Sprintf("+1%d555%04d", areaCodes[i/10000%int64(len(areaCodes))], i%10000)
				if _, _, err := svc.CreateVerification(ctx, app, otp.CreateRequest{To: to, Channel: otp.SMS}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		return
	}

	worker := delivery.NewWorker(delivery.Config{Source: svc, Sender: router, Concurrency: cfg.DeliveryWorkers})
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	go worker.Run(wctx)
	deadline := time.Now().Add(5 * time.Minute)
	for smsc.Stats().Accepted < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("the SMSC accepted %d of %d messages in 5 minutes", smsc.Stats().Accepted, b.N)
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(smsc.Stats().MaxOutstanding), "max-window")
}

// areaCodes are real US area codes: 555 numbers in them are valid.
var areaCodes = []int64{415, 650, 212, 312, 617, 202, 305, 206, 303, 404}

func ptrTo[T any](v T) *T { return &v }
