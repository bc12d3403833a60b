package smpp_test

import (
	"testing"

	"github.com/otpd/otpd/internal/provider/smpp"
	"github.com/otpd/otpd/internal/provider/smpp/smsctest"
)

// BenchmarkSend measures sustained throughput through the fake SMSC with
// the default window of 10: enough senders to keep the window full, and a
// fake that answers at once and keeps no record.
func BenchmarkSend(b *testing.B) {
	srv := smsctest.Start(b, smsctest.Config{Discard: true})
	p := newProvider(b, srv, func(c *smpp.Config) { c.Window = 10 })
	if err := p.Check(b.Context()); err != nil {
		b.Fatalf("Check: %v", err)
	}
	m := sms("Your Acme verification code is 482913.")
	b.SetParallelism(8) // 8 senders per CPU, more than the window holds
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Send(b.Context(), m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
