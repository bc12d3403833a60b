// Package otp is the domain of otpd: projects, applications, verifications
// and the rules that govern them. It knows nothing of HTTP or SQL; adapters
// implement the interfaces it declares (Store, Limiter, Sender) and the
// transports call the one Service.
package otp

import "time"

// Clock tells the time. Production uses the wall clock; tests inject their own.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, truncated to microseconds so that values
// survive a round trip through any store unchanged.
type SystemClock struct{}

// Now returns the current UTC time at microsecond precision.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
