package otp_test

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// TestGeoRulesReadAgainForLaterSends: a fallback step and a resend are
// sent later than their verification was made, and meet the geo rules as
// they are then: a country denied in between is not sent to.
func TestGeoRulesReadAgainForLaterSends(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	f.setPolicy(t, a, func(p *otp.Policy) { p.ResendCooldown = 0 })
	const gb, us = "+447400123456", "+14155550100"
	stepped, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: gb, TTL: 900 * time.Second,
		Fallback: []otp.FallbackStep{{Channel: otp.SMS, Timeout: time.Minute}, {Channel: otp.SMS, To: us}}})
	if err != nil {
		t.Fatal(err)
	}
	resent, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: us, Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	f.deliverAll(t, rec)

	// The owner denies US after both were made.
	deny := otp.GeoSettings{Geo: otp.GeoPermissions{Default: otp.GeoRules{Mode: otp.GeoDeny, Countries: []string{"US"}}}}
	if _, err := f.svc.SetGeoSettings(t.Context(), a.ProjectID, deny); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	if _, err := f.svc.Resend(t.Context(), a, resent.ID, ""); code(err) != otp.CodeGeoNotAllowed {
		t.Errorf("resend to a country denied since = %v, want GEO_NOT_ALLOWED", err)
	}
	if _, err := f.svc.SweepFallbacks(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	f.deliverAll(t, rec)
	for _, m := range rec.sent {
		if m.To == us && m.VerificationID == stepped.ID {
			t.Errorf("the fallback step went to %s, denied since the verification was made", us)
		}
	}
	ms, err := f.svc.Messages(t.Context(), a, stepped.ID)
	if err != nil {
		t.Fatal(err)
	}
	skipped := false
	for _, m := range ms {
		skipped = skipped || m.To == us && m.Status == otp.DeliveryFailed
	}
	if !skipped {
		t.Errorf("messages of the stepped verification = %+v, want the US step recorded as refused", ms)
	}
}
