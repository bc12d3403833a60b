package otp_test

import (
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// TestCallerIDIn: caller and sender ids as Indian users type them become
// E.164 when they are numbers of India or written with "+" or "00";
// everything else is left for CreateVerification to judge.
func TestCallerIDIn(t *testing.T) {
	tests := []struct {
		name, in, region, want string
	}{
		{"number with calling code", "914030123456", "IN", "+914030123456"},
		{"number with trunk prefix", "04030123456", "IN", "+914030123456"},
		{"national number", "4030123456", "IN", "+914030123456"},
		{"mobile number", "9812345678", "IN", "+919812345678"},
		{"E.164 with spaces", "+91 40 3012 3456", "IN", "+914030123456"},
		{"00 prefix", "0091 40 3012 3456", "IN", "+914030123456"},
		{"other country with plus", "+1 415 555 2671", "IN", "+14155552671"},
		{"lower-case region", "04030123456", "in", "+914030123456"},
		{"sender id", "OZONTL", "IN", "OZONTL"},
		{"short code", "56789", "IN", "56789"},
		{"other country without plus stays a numeric sender id", "14155552671", "IN", "14155552671"},
		{"digits that are no number", "9140123", "IN", "9140123"},
		{"no region", "914030123456", "", "914030123456"},
		{"empty", "", "IN", ""},
		{"email", "a@example.com", "IN", "a@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := otp.CallerIDIn(tt.in, tt.region); got != tt.want {
				t.Errorf("CallerIDIn(%q, %q) = %q, want %q", tt.in, tt.region, got, tt.want)
			}
		})
	}
}
