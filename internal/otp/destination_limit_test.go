package otp_test

import (
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// TestDestinationLimitSharedByEmailVariants: victim+1@ and victim+2@ (and
// their case and Gmail-dot variants) count against one destination
// limit, while each verification keeps the address it was given.
func TestDestinationLimitSharedByEmailVariants(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ctx := t.Context()
	a, _ := f.newApp(t, otp.Test)
	p, err := f.svc.GetProject(ctx, a.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	pol := p.Policy
	pol.SendsPerMinute = 2
	if _, err := f.svc.UpdateProject(ctx, p.ID, otp.ProjectInput{Policy: &pol}); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"victim+1@example.com", "Victim+2@Example.com"} {
		v, _, err := f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: to, Channel: otp.Email})
		if err != nil {
			t.Fatalf("create to %s: %v", to, err)
		}
		if want := strings.ToLower(to); v.To != want {
			t.Errorf("verification to %s stored as %q, want %q: the address as given", to, v.To, want)
		}
	}
	_, _, err = f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: "victim+3@example.com", Channel: otp.Email})
	if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeRateLimited || e.Key != "destination_rate_limited" {
		t.Fatalf("third variant of one address = %v, want RATE_LIMITED destination_rate_limited", err)
	}
	if _, _, err := f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: "other@example.com", Channel: otp.Email}); err != nil {
		t.Errorf("another address: %v, want allowed", err)
	}

	// Gmail ignores dots: v.ictim@ and victim@ are one mailbox there.
	for i, to := range []string{"v.ictim@gmail.com", "victim+x@googlemail.com"} {
		if _, _, err := f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: to, Channel: otp.Email}); err != nil {
			t.Fatalf("gmail send %d: %v", i+1, err)
		}
	}
	_, _, err = f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: "VICTIM@gmail.com", Channel: otp.Email})
	if code(err) != otp.CodeRateLimited {
		t.Fatalf("third gmail variant = %v, want RATE_LIMITED", err)
	}
}
