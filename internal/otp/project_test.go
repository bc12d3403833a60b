package otp_test

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name      string
		change    func(p *otp.Policy)
		wantField string // empty when the policy is valid
	}{
		{"default", func(p *otp.Policy) {}, ""},
		{"code length 4", func(p *otp.Policy) { p.CodeLength = 4 }, ""},
		{"code length 10", func(p *otp.Policy) { p.CodeLength = 10 }, ""},
		{"code length 3", func(p *otp.Policy) { p.CodeLength = 3 }, "policy.codeLength"},
		{"code length 11", func(p *otp.Policy) { p.CodeLength = 11 }, "policy.codeLength"},
		{"ttl 30s", func(p *otp.Policy) { p.TTL = 30 * time.Second }, ""},
		{"ttl 15m", func(p *otp.Policy) { p.TTL = 15 * time.Minute }, ""},
		{"ttl just under 30s", func(p *otp.Policy) { p.TTL = 30*time.Second - 1 }, "policy.ttl"},
		{"ttl just over 15m", func(p *otp.Policy) { p.TTL = 15*time.Minute + 1 }, "policy.ttl"},
		{"max attempts 1", func(p *otp.Policy) { p.MaxAttempts = 1 }, ""},
		{"max attempts 10", func(p *otp.Policy) { p.MaxAttempts = 10 }, ""},
		{"max attempts 0", func(p *otp.Policy) { p.MaxAttempts = 0 }, "policy.maxAttempts"},
		{"max attempts 11", func(p *otp.Policy) { p.MaxAttempts = 11 }, "policy.maxAttempts"},
		{"resend cooldown 0", func(p *otp.Policy) { p.ResendCooldown = 0 }, ""},
		{"resend cooldown 10m", func(p *otp.Policy) { p.ResendCooldown = 10 * time.Minute }, ""},
		{"resend cooldown negative", func(p *otp.Policy) { p.ResendCooldown = -time.Second }, "policy.resendCooldown"},
		{"resend cooldown over 10m", func(p *otp.Policy) { p.ResendCooldown = 10*time.Minute + 1 }, "policy.resendCooldown"},
		{"max resends 0", func(p *otp.Policy) { p.MaxResends = 0 }, ""},
		{"max resends 10", func(p *otp.Policy) { p.MaxResends = 10 }, ""},
		{"max resends negative", func(p *otp.Policy) { p.MaxResends = -1 }, "policy.maxResends"},
		{"max resends 11", func(p *otp.Policy) { p.MaxResends = 11 }, "policy.maxResends"},
		{"sends per minute 1", func(p *otp.Policy) { p.SendsPerMinute = 1 }, ""},
		{"sends per minute 1000", func(p *otp.Policy) { p.SendsPerMinute = 1000 }, ""},
		{"sends per minute 0", func(p *otp.Policy) { p.SendsPerMinute = 0 }, "policy.sendsPerMinute"},
		{"sends per minute 1001", func(p *otp.Policy) { p.SendsPerMinute = 1001 }, "policy.sendsPerMinute"},
		{"locale with region", func(p *otp.Policy) { p.DefaultLocale = "pt-BR" }, ""},
		{"locale with script", func(p *otp.Policy) { p.DefaultLocale = "zh-Hant" }, ""},
		{"locale empty", func(p *otp.Policy) { p.DefaultLocale = "" }, "policy.defaultLocale"},
		{"locale underscore", func(p *otp.Policy) { p.DefaultLocale = "pt_BR" }, "policy.defaultLocale"},
		{"locale digits in language", func(p *otp.Policy) { p.DefaultLocale = "e1" }, "policy.defaultLocale"},
		{"locale too long", func(p *otp.Policy) { p.DefaultLocale = "en-GB-oxendict" }, "policy.defaultLocale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := otp.DefaultPolicy()
			tt.change(&p)
			err := p.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", p, err)
				}
				return
			}
			e := otp.ErrorOf(err)
			if e == nil || e.Code != otp.CodeInvalidParameter || e.Field != tt.wantField {
				t.Errorf("Validate(%+v) = %v, want INVALID_PARAMETER on %s", p, err, tt.wantField)
			}
		})
	}
}
