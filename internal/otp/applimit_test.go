package otp_test

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// TestLimitApplication: the project's per-application limit wins over
// the caller's default; without either nothing is counted; each operation
// and each application has its own counter; a refusal is RATE_LIMITED
// with a wait and the limit in its details.
func TestLimitApplication(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ctx := t.Context()
	a, _ := f.newApp(t, otp.Test)
	b, _ := f.newApp(t, otp.Test)

	// No policy limit and no default: no limit, nothing counted.
	for range 20 {
		d, err := f.svc.LimitApplication(ctx, a, otp.AppSend, 0)
		if err != nil || d.Limit != 0 {
			t.Fatalf("LimitApplication without a limit = %+v, %v; want the zero decision", d, err)
		}
	}
	// The caller's default: 5 sends, the 6th refused.
	for i := range 5 {
		d, err := f.svc.LimitApplication(ctx, a, otp.AppSend, 5)
		if err != nil || d.Limit != 5 || d.Remaining != 4-i {
			t.Fatalf("send %d = %+v, %v; want allowed, limit 5, %d remaining", i+1, d, err, 4-i)
		}
	}
	d, err := f.svc.LimitApplication(ctx, a, otp.AppSend, 5)
	e := otp.ErrorOf(err)
	if e == nil || e.Code != otp.CodeRateLimited || e.Key != "app_sends_rate_limited" || e.RetryAfter <= 0 || e.Params["limit"] != 5 || d.Allowed {
		t.Fatalf("6th send = %+v, %v; want RATE_LIMITED app_sends_rate_limited with a wait and limit 5", d, err)
	}
	// Checks and another application count on their own.
	if _, err := f.svc.LimitApplication(ctx, a, otp.AppCheck, 10); err != nil {
		t.Errorf("a check after the sends ran out: %v, want allowed", err)
	}
	if _, err := f.svc.LimitApplication(ctx, b, otp.AppSend, 5); err != nil {
		t.Errorf("another application's send: %v, want allowed", err)
	}
	// The minute passes.
	f.clock.Advance(time.Minute)
	if _, err := f.svc.LimitApplication(ctx, a, otp.AppSend, 5); err != nil {
		t.Errorf("a send a minute later: %v, want allowed", err)
	}

	// The project's policy overrides the default, up or down.
	p, err := f.svc.GetProject(ctx, b.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	pol := p.Policy
	pol.AppChecksPerMinute = 2
	if _, err := f.svc.UpdateProject(ctx, p.ID, otp.ProjectInput{Policy: &pol}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if d, err := f.svc.LimitApplication(ctx, b, otp.AppCheck, 10); err != nil || d.Limit != 2 {
			t.Fatalf("check %d under the policy's 2 = %+v, %v", i+1, d, err)
		}
	}
	if _, err := f.svc.LimitApplication(ctx, b, otp.AppCheck, 10); code(err) != otp.CodeRateLimited {
		t.Errorf("3rd check under the policy's 2: %v, want RATE_LIMITED", err)
	}
	if _, err := f.svc.LimitApplication(ctx, b, otp.AppCheck, 0); code(err) != otp.CodeRateLimited {
		t.Errorf("the policy's limit applies without a default too: %v, want RATE_LIMITED", err)
	}
	if _, err := f.svc.LimitApplication(ctx, b, "resend", 5); err == nil {
		t.Error("an unknown operation was counted, want an error")
	}
}

// TestPolicyAppLimitsValidated: the per-application limits are 0 (none of
// the project's own) to MaxAppPerMinute.
func TestPolicyAppLimitsValidated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*otp.Policy)
		field  string
	}{
		{"sends negative", func(p *otp.Policy) { p.AppSendsPerMinute = -1 }, "policy.appSendsPerMinute"},
		{"sends too many", func(p *otp.Policy) { p.AppSendsPerMinute = otp.MaxAppPerMinute + 1 }, "policy.appSendsPerMinute"},
		{"checks negative", func(p *otp.Policy) { p.AppChecksPerMinute = -1 }, "policy.appChecksPerMinute"},
		{"checks too many", func(p *otp.Policy) { p.AppChecksPerMinute = otp.MaxAppPerMinute + 1 }, "policy.appChecksPerMinute"},
		{"both at the bounds", func(p *otp.Policy) { p.AppSendsPerMinute, p.AppChecksPerMinute = otp.MaxAppPerMinute, 0 }, ""},
	} {
		p := otp.DefaultPolicy()
		tc.modify(&p)
		err := p.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v, want valid", tc.name, err)
			}
			continue
		}
		if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeInvalidParameter || e.Field != tc.field {
			t.Errorf("%s: %v, want INVALID_PARAMETER on %s", tc.name, err, tc.field)
		}
	}
	if p := otp.DefaultPolicy(); p.AppSendsPerMinute != 0 || p.AppChecksPerMinute != 0 || p.CodeLength != 6 || p.TTL != 5*time.Minute {
		t.Errorf("default policy = %+v; want no per-application limits, 6 digits and 5 minutes (Cobinar's)", p)
	}
}

// TestFictionalNumbers: a test application may send to a well-formed
// number in a calling code no country uses (+999, Cobinar's example) and
// find it again by it; a live application may not, and a number of a real
// country that is not valid stays refused for both.
func TestFictionalNumbers(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ctx := t.Context()
	test, _ := f.newApp(t, otp.Test)
	live, _ := f.newApp(t, otp.Live)

	v, _, err := f.svc.CreateVerification(ctx, test, otp.CreateRequest{To: "+999 482 918 102"})
	if err != nil {
		t.Fatalf("test application to +999 482 918 102: %v", err)
	}
	if v.To != "+999482918102" || v.Channel != otp.SMS || v.Country != "" {
		t.Errorf("verification to %q on %s in %q; want +999482918102 by sms, no country", v.To, v.Channel, v.Country)
	}
	ms, err := f.svc.TestMessages(ctx, test, "+999 482 918 102")
	if err != nil || len(ms) != 1 || ms[0].VerificationID != v.ID {
		t.Fatalf("test inbox of the fictional number = %v, %v; want the one message", ms, err)
	}
	res, err := f.svc.CheckDestination(ctx, test, "00999482918102", ms[0].Code)
	if err != nil || !res.Valid {
		t.Fatalf("check by the fictional number = %+v, %v; want valid", res, err)
	}
	if u, err := f.svc.GetUser(ctx, test.ID, "+999482918102"); err != nil || u.Destination != "+999482918102" {
		t.Errorf("user of the fictional number = %+v, %v", u, err)
	}
	if vs, err := f.svc.ListVerifications(ctx, test, otp.VerificationFilter{To: "+999 482 918 102"}); err != nil || len(vs) != 1 {
		t.Errorf("verifications to the fictional number = %d, %v; want 1", len(vs), err)
	}

	for _, tc := range []struct {
		name string
		app  *otp.Application
		to   string
	}{
		{"live application, fictional number", live, "+999 482 918 102"},
		{"test application, invalid number of a real country", test, "+44 12"},
		{"test application, invalid UK number", test, "+44 1234"},
		{"test application, no international prefix", test, "999482918102"},
		{"test application, too long", test, "+999 1234 5678 9012 3"},
		{"test application, letters", test, "+999 CALL ME"},
	} {
		_, _, err := f.svc.CreateVerification(ctx, tc.app, otp.CreateRequest{To: tc.to})
		if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeInvalidPhone || e.Field != "to" {
			t.Errorf("%s (%s): %v, want INVALID_PHONE on to", tc.name, tc.to, err)
		}
	}
}
