package otp_test

import (
	"fmt"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// BenchmarkCheck is the check path (a test application's verification,
// stored in SQLite) with a wrong code and with the right one, each
// verification checked once as otpd bench checks it. The verifications
// are created, and their codes read from the test inbox, with the timer
// stopped. Compare allocations with -benchmem; BenchmarkCreateWithDefences
// is the create path.
func BenchmarkCheck(b *testing.B) {
	for _, right := range []bool{false, true} {
		b.Run(map[bool]string{false: "wrong", true: "right"}[right], func(b *testing.B) {
			f := newFixtureConfig(b, otp.Config{})
			p, err := f.svc.CreateProject(b.Context(), otp.ProjectInput{Name: ptr("P")})
			if err != nil {
				b.Fatal(err)
			}
			env := otp.Test
			a, _, err := f.svc.CreateApplication(b.Context(), otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID, Environment: &env})
			if err != nil {
				b.Fatal(err)
			}
			type pending struct{ id, code string }
			var pool []pending
			n := 0
			refill := func() {
				b.StopTimer()
				defer b.StartTimer()
				for range 256 {
					n++
					to := fmt.Sprintf("+1415%07d", 2000000+n)
					v, _, err := f.svc.CreateVerification(b.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS})
					if err != nil {
						b.Fatal(err)
					}
					ms, err := f.svc.TestMessages(b.Context(), a, to)
					if err != nil || len(ms) != 1 {
						b.Fatalf("test inbox of %s: %d messages, %v", to, len(ms), err)
					}
					code := ms[0].Code
					if !right {
						code = wrongCode(code)
					}
					pool = append(pool, pending{v.ID, code})
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if len(pool) == 0 {
					refill()
				}
				c := pool[len(pool)-1]
				pool = pool[:len(pool)-1]
				res, err := f.svc.Check(b.Context(), a, c.id, c.code)
				if err != nil {
					b.Fatal(err)
				}
				if res.Valid != right {
					b.Fatalf("check of %s: valid %v, want %v", c.id, res.Valid, right)
				}
			}
		})
	}
}

// wrongCode is code with its last digit changed.
func wrongCode(code string) string {
	last := code[len(code)-1]
	return code[:len(code)-1] + string('0'+(last-'0'+1)%10)
}
