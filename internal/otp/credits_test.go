package otp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func TestCreditsAreChargedAndEnforced(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	sms, _ := otp.ParseMoney("0.0075", "USD")
	svc, err := otp.NewService(otp.Config{Store: f.store, Limiter: f.limiter, Keys: mustKeys(t), Clock: f.clock, Prices: prices{otp.SMS: sms}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	live, _ := f.newApp(t, otp.Live)
	env := otp.Test
	test, _, err := f.svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("T"), ProjectID: &live.ProjectID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	two, _ := otp.ParseMoney("0.02", "USD")
	p, err := f.svc.AddCredits(t.Context(), live.ProjectID, two)
	if err != nil || p.Credits == nil || p.Credits.Amount() != "0.02" {
		t.Fatalf("AddCredits = %+v, %v; want a 0.02 balance", p, err)
	}
	for i := range 3 {
		if _, _, err := f.svc.CreateVerification(t.Context(), live, otp.CreateRequest{To: fmt.Sprintf("+1415555267%d", i), Channel: otp.SMS}); err != nil {
			t.Fatalf("send %d with credit left: %v", i, err)
		}
	}
	f.deliverAll(t, &recorder{})
	if _, err := f.svc.ConsumeEvents(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Second) // past the project cache
	p, err = f.svc.GetProject(t.Context(), live.ProjectID)
	if err != nil || p.Credits.Micros != 20000-3*7500 {
		t.Fatalf("balance after 3 messages = %+v, %v; want -0.0025", p.Credits, err)
	}
	_, _, err = f.svc.CreateVerification(t.Context(), live, otp.CreateRequest{To: "+14155552679", Channel: otp.SMS})
	if code(err) != otp.CodeInsufficientCredits {
		t.Errorf("send with the balance used up = %v, want INSUFFICIENT_CREDITS", err)
	}
	if _, _, err := f.svc.CreateVerification(t.Context(), test, otp.CreateRequest{To: "+14155552679", Channel: otp.SMS}); err != nil {
		t.Errorf("a test application's send = %v, want accepted: it costs nothing", err)
	}
	// Consuming again charges nothing twice.
	if _, err := f.svc.ConsumeEvents(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	one, _ := otp.ParseMoney("1", "USD")
	if _, err := f.svc.AddCredits(t.Context(), live.ProjectID, one); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateVerification(t.Context(), live, otp.CreateRequest{To: "+14155552678", Channel: otp.SMS}); err != nil {
		t.Errorf("send after a top-up = %v", err)
	}
	eur, _ := otp.ParseMoney("1", "EUR")
	if _, err := f.svc.AddCredits(t.Context(), live.ProjectID, eur); code(err) != otp.CodeConflict {
		t.Errorf("top-up in another currency = %v, want CONFLICT", err)
	}
	if _, err := f.svc.AddCredits(t.Context(), "prj_nope", one); code(err) != otp.CodeNotFound {
		t.Errorf("top-up of an unknown project = %v, want NOT_FOUND", err)
	}
}

func TestMonthlySendsOfAPlan(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	dev, err := f.svc.CreateDeveloper(t.Context(), otp.DeveloperInput{Email: ptr("d@example.com"), Password: ptr("correct horse battery")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetPlan(t.Context(), dev.ID, otp.Plan{MaxProjects: 2, MaxAppsPerProject: 2, MonthlySends: 2}); err != nil {
		t.Fatal(err)
	}
	dev, _ = f.svc.GetDeveloper(t.Context(), dev.ID)
	ctx := otp.WithPrincipal(t.Context(), otp.Principal{Developer: dev})
	p, err := f.svc.CreateProject(ctx, otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	env := otp.Live
	a, _, err := f.svc.CreateApplication(ctx, otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	send := func(to string) error {
		_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS})
		return err
	}
	if err := send("+14155552671"); err != nil {
		t.Fatal(err)
	}
	if err := send("+14155552672"); err != nil {
		t.Fatal(err)
	}
	if err := send("+14155552673"); code(err) != otp.CodeQuotaExceeded {
		t.Errorf("third send of a 2-a-month plan = %v, want QUOTA_EXCEEDED", err)
	}
	// Past the cache, the count comes from the rollup.
	f.deliverAll(t, &recorder{})
	if _, err := f.svc.ConsumeEvents(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Second)
	if err := send("+14155552674"); code(err) != otp.CodeQuotaExceeded {
		t.Errorf("send after the cache expired = %v, want QUOTA_EXCEEDED from the rollup", err)
	}
	f.clock.Advance(9 * 24 * time.Hour) // 2026-12-01: a new month
	if err := send("+14155552675"); err != nil {
		t.Errorf("send in a new month = %v", err)
	}
	if _, err := f.svc.SetPlan(ctx, dev.ID, otp.Plan{MaxProjects: 100, MaxAppsPerProject: 100}); code(err) != otp.CodeForbidden {
		t.Errorf("a developer setting its own plan = %v, want FORBIDDEN", err)
	}
	if _, err := f.svc.SetPlan(t.Context(), dev.ID, otp.Plan{MaxProjects: 0, MaxAppsPerProject: 1}); code(err) != otp.CodeInvalidParameter {
		t.Errorf("a plan of 0 projects = %v, want INVALID_PARAMETER", err)
	}
}
