package otp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// TestFallbackStepCountsAtSendTime is the attack of issue 16: fallback
// steps to one victim, made a minute apart (each fits the victim's limit
// of 1 a minute when made) and timed to come due together. Each step
// counts again when it is sent, so the victim gets one SMS, not nine.
func TestFallbackStepCountsAtSendTime(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setPolicy(t, a, func(p *otp.Policy) { p.SendsPerMinute = 1 })
	const victim = "+14155550100"
	start := f.clock.Now()
	var ids []string
	for k := range 9 {
		v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{
			To: fmt.Sprintf("+1415555020%d", k), TTL: 900 * time.Second,
			Fallback: []otp.FallbackStep{
				{Channel: otp.SMS, Timeout: 600*time.Second - time.Duration(k)*time.Minute},
				{Channel: otp.SMS, To: victim},
			}})
		if err != nil {
			t.Fatalf("verification %d: %v", k, err)
		}
		ids = append(ids, v.ID)
		f.clock.Advance(time.Minute)
	}
	rec := &recorder{}
	f.deliverAll(t, rec)
	f.clock.Advance(start.Add(600 * time.Second).Sub(f.clock.Now()))
	if _, err := f.svc.SweepFallbacks(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	f.deliverAll(t, rec)
	toVictim := 0
	for _, m := range rec.sent {
		if m.To == victim {
			toVictim++
		}
	}
	if toVictim != 1 {
		t.Errorf("SMS to the victim when the steps came due = %d, want 1 (a limit of 1 a minute)", toVictim)
	}
	// The refused steps are skipped, and say why.
	refused := 0
	for _, id := range ids {
		ms, err := f.svc.Messages(t.Context(), a, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Status == otp.DeliveryFailed && m.To == victim {
				refused++
			}
		}
	}
	if refused != 8 {
		t.Errorf("steps recorded as refused = %d, want 8", refused)
	}
}
