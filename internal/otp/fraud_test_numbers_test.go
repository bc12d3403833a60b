package otp_test

import (
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// TestTestNumbers: a live application's verification to one of its
// project's test numbers takes the fixed code, reads as delivered, writes
// no outbox row and no otp.sent (so neither the usage ledger nor the
// quota counts it), skips the destination's limit and the country policy,
// and verifies with the fixed code only; a resend counts nothing either.
// Other numbers are untouched.
func TestTestNumbers(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ctx := t.Context()
	a, _ := f.newApp(t, otp.Live)
	p, err := f.svc.GetProject(ctx, a.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	pol := p.Policy
	pol.SendsPerMinute, pol.Countries, pol.ResendCooldown = 1, []string{"GB"}, 0
	if _, err := f.svc.UpdateProject(ctx, p.ID, otp.ProjectInput{Policy: &pol}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.SetTestNumbers(ctx, p.ID, []otp.TestNumber{{To: "+1 (415) 555-2671", Code: "424242"}, {To: "Reviewer@Example.com", Code: "1234"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []otp.TestNumber{{To: "+14155552671", Code: "424242"}, {To: "reviewer@example.com", Code: "1234"}}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("SetTestNumbers = %+v, want %+v", got, want)
	}

	var ids []string
	for range 3 { // beyond the limit of 1 a minute, to a country the policy refuses
		v, _, err := f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS,
			Fallback: nil})
		if err != nil {
			t.Fatalf("create to a test number: %v", err)
		}
		if v.DeliveryStatus != otp.DeliveryDelivered || v.Status != otp.StatusPending {
			t.Errorf("verification to a test number: %s/%s, want pending/delivered", v.Status, v.DeliveryStatus)
		}
		ids = append(ids, v.ID)
	}
	if n := f.limiter.destCalls.Load(); n != 0 {
		t.Errorf("destination limit counted %d times, want never", n)
	}
	if _, err := f.svc.Resend(ctx, a, ids[2], otp.Voice); err != nil {
		t.Errorf("resend to a test number: %v", err)
	}
	if n := f.limiter.destCalls.Load(); n != 0 {
		t.Errorf("resend counted the destination limit %d times, want never", n)
	}
	if ds, err := f.store.ClaimDeliveries(ctx, f.clock.Now(), f.clock.Now().Add(otp.DefaultPolicy().TTL), 100); err != nil || len(ds) != 0 {
		t.Errorf("outbox rows = %d, %v; want none", len(ds), err)
	}
	evs, err := f.store.ListUndispatchedEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Type == otp.EventSent {
			t.Errorf("an otp.sent event for a test number: %+v", e)
		}
	}
	if r, err := f.svc.Check(ctx, a, ids[2], "111111"); err != nil || r.Valid {
		t.Errorf("a wrong code = %+v, %v; want invalid", r, err)
	}
	if r, err := f.svc.Check(ctx, a, ids[2], "424242"); err != nil || !r.Valid {
		t.Errorf("the fixed code = %+v, %v; want valid", r, err)
	}
	if r, err := f.svc.Check(ctx, a, ids[0], "424242"); err != nil || r.Valid {
		t.Errorf("the fixed code on a superseded verification = %+v, %v; want invalid", r, err)
	}

	// An email test number: case as typed does not matter, the code does.
	v, _, err := f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: "REVIEWER@example.com", Channel: otp.Email})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := f.svc.Check(ctx, a, v.ID, "1234"); err != nil || !r.Valid {
		t.Errorf("the email's fixed code = %+v, %v; want valid", r, err)
	}

	// Any other number meets the policy as before.
	if _, _, err := f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: "+14155552672", Channel: otp.SMS}); code(err) != otp.CodeGeoNotAllowed {
		t.Errorf("another US number = %v, want the country policy's GEO_NOT_ALLOWED", err)
	}
}

// TestTestNumbersRefused: what SetTestNumbers refuses, naming the entry.
func TestTestNumbersRefused(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	many := make([]otp.TestNumber, otp.MaxTestNumbers+1)
	for i := range many {
		many[i] = otp.TestNumber{To: "+1415555" + string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10)), Code: "1234"}
	}
	tests := []struct {
		name      string
		in        []otp.TestNumber
		wantCode  string
		wantField string
	}{
		{"bad number", []otp.TestNumber{{To: "+1 555", Code: "1234"}}, otp.CodeInvalidPhone, "testNumbers[0].to"},
		{"code too short", []otp.TestNumber{{To: "+14155552671", Code: "123"}}, otp.CodeInvalidParameter, "testNumbers[0].code"},
		{"code not digits", []otp.TestNumber{{To: "+14155552671", Code: "12a4"}}, otp.CodeInvalidParameter, "testNumbers[0].code"},
		{"code too long", []otp.TestNumber{{To: "+14155552671", Code: "12345678901"}}, otp.CodeInvalidParameter, "testNumbers[0].code"},
		{"twice", []otp.TestNumber{{To: "+14155552671", Code: "1234"}, {To: "+1 415 555 2671", Code: "5678"}}, otp.CodeInvalidParameter, "testNumbers[1].to"},
		{"too many", many, otp.CodeInvalidParameter, "testNumbers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.SetTestNumbers(t.Context(), a.ProjectID, tt.in)
			if e := otp.ErrorOf(err); e == nil || e.Code != tt.wantCode || e.Field != tt.wantField {
				t.Errorf("SetTestNumbers = %v, want %s on %s", err, tt.wantCode, tt.wantField)
			}
		})
	}
	if got, err := f.svc.TestNumbers(t.Context(), a.ProjectID); err != nil || len(got) != 0 {
		t.Errorf("TestNumbers after refusals = %v, %v; want none", got, err)
	}
}
