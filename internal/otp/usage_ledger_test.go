package otp_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// planDeveloper is a developer on a plan of monthly messages, and the
// context that acts as them.
func planDeveloper(t *testing.T, f *fixture, monthly int) (*otp.Developer, context.Context) {
	t.Helper()
	dev, err := f.svc.CreateDeveloper(t.Context(), otp.DeveloperInput{Email: ptr("d@example.com"), Password: ptr("correct horse battery")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetPlan(t.Context(), dev.ID, otp.Plan{MaxProjects: 2, MaxAppsPerProject: 3, MonthlySends: monthly}); err != nil {
		t.Fatal(err)
	}
	dev, _ = f.svc.GetDeveloper(t.Context(), dev.ID)
	return dev, otp.WithPrincipal(t.Context(), otp.Principal{Developer: dev})
}

func ownedLiveApp(t *testing.T, f *fixture, ctx context.Context, projectID string) *otp.Application {
	t.Helper()
	env := otp.Live
	a, _, err := f.svc.CreateApplication(ctx, otp.ApplicationInput{Name: ptr("A"), ProjectID: &projectID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// consumeAll runs the event consumer and lets the cached monthly count expire.
func (f *fixture) consumeAll(t *testing.T) {
	t.Helper()
	if _, err := f.svc.ConsumeEvents(t.Context(), 1000); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Second)
}

func monthOf(t time.Time) (time.Time, time.Time) {
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}

// Deleting an application neither lowers the month's usage nor gives the
// plan's messages back (issue 15).
func TestDeletingAnApplicationKeepsTheMonthsUsage(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	dev, ctx := planDeveloper(t, f, 3)
	p, err := f.svc.CreateProject(ctx, otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	doomed, kept := ownedLiveApp(t, f, ctx, p.ID), ownedLiveApp(t, f, ctx, p.ID)
	send := func(a *otp.Application, to string) error {
		_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS})
		return err
	}
	for i := range 2 {
		if err := send(doomed, fmt.Sprintf("+1415555267%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	f.deliverAll(t, &recorder{})
	f.consumeAll(t)
	start, _ := monthOf(f.clock.Now())
	before, err := f.store.CountOwnerMessages(t.Context(), dev.ID, start)
	if err != nil || before != 2 {
		t.Fatalf("the month's messages = %d, %v; want 2", before, err)
	}
	if err := f.svc.DeleteApplication(ctx, doomed.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Second) // past the cached count
	if after, err := f.store.CountOwnerMessages(t.Context(), dev.ID, start); err != nil || after != before {
		t.Errorf("the month's messages after the deletion = %d, %v; want %d", after, err, before)
	}
	if err := send(kept, "+14155552675"); err != nil {
		t.Fatalf("the plan's third message = %v", err)
	}
	if err := send(kept, "+14155552676"); code(err) != otp.CodeQuotaExceeded {
		t.Errorf("a fourth message of a 3-a-month plan after deleting an application = %v, want QUOTA_EXCEEDED", err)
	}
}

// The plan counts messages: one verification sent three times is three
// (issue 15).
func TestEachMessageCountsAgainstThePlan(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	dev, ctx := planDeveloper(t, f, 3)
	p, err := f.svc.CreateProject(ctx, otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	a := ownedLiveApp(t, f, ctx, p.ID)
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	f.deliverAll(t, &recorder{})
	for i := range 2 {
		f.clock.Advance(31 * time.Second) // past the resend cooldown
		if _, err := f.svc.Resend(t.Context(), a, v.ID, ""); err != nil {
			t.Fatalf("resend %d: %v", i+1, err)
		}
		f.deliverAll(t, &recorder{})
	}
	f.consumeAll(t)
	start, _ := monthOf(f.clock.Now())
	if n, err := f.store.CountOwnerMessages(t.Context(), dev.ID, start); err != nil || n != 3 {
		t.Errorf("the month's messages = %d, %v; want 3 (one verification, three messages)", n, err)
	}
	_, _, err = f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552672", Channel: otp.SMS})
	if code(err) != otp.CodeQuotaExceeded {
		t.Errorf("a verification after 3 messages of a 3-a-month plan = %v, want QUOTA_EXCEEDED", err)
	}
	f.clock.Advance(31 * time.Second)
	if _, err := f.svc.Resend(t.Context(), a, v.ID, ""); code(err) != otp.CodeQuotaExceeded {
		t.Errorf("a resend over the plan = %v, want QUOTA_EXCEEDED", err)
	}
}

// The messages of an application deleted before the consumer took their
// otp.sent events are still charged and in the owner's ledger (issue 15).
func TestUnconsumedSendsOfADeletedApplicationAreCharged(t *testing.T) {
	sms, _ := otp.ParseMoney("0.0075", "USD")
	f := newFixtureConfig(t, otp.Config{Prices: prices{otp.SMS: sms}})
	a, _ := f.newApp(t, otp.Live)
	one, _ := otp.ParseMoney("1", "USD")
	if _, err := f.svc.AddCredits(t.Context(), a.ProjectID, one); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: fmt.Sprintf("+1415555267%d", i), Channel: otp.SMS}); err != nil {
			t.Fatal(err)
		}
	}
	f.deliverAll(t, &recorder{}) // two otp.sent events, not consumed yet
	if err := f.svc.DeleteApplication(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	f.consumeAll(t)
	p, err := f.svc.GetProject(t.Context(), a.ProjectID)
	if err != nil || p.Credits == nil || p.Credits.Micros != 1_000_000-2*7500 {
		t.Errorf("balance after two messages of a deleted application = %+v, %v; want 0.985 USD", p, err)
	}
	start, end := monthOf(f.clock.Now())
	rows, err := f.store.ListOwnerUsage(t.Context(), "", start, end, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("the operator's ledger = %+v, want the two messages", rows)
	}
	for _, r := range rows {
		if r.AppID != a.ID || r.ProjectID != a.ProjectID || r.Channel != otp.SMS || r.Cost != sms || r.Environment != otp.Live {
			t.Errorf("ledger row = %+v, want an SMS of %s at %s", r, a.ID, sms.Amount())
		}
	}
}

// A test application's messages go to the test inbox, cost nothing and
// count toward no plan: the ledger, which nothing deletes, keeps no row
// of them, whether the consumer takes their events or the application's
// deletion does. A live application's message beside them is recorded.
func TestTestApplicationsMessagesAreNotInTheLedger(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	live, _ := f.newApp(t, otp.Live)
	consumed, _ := f.newApp(t, otp.Test)
	deleted, _ := f.newApp(t, otp.Test)
	for i, a := range []*otp.Application{live, consumed, deleted} {
		if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: fmt.Sprintf("+1415555267%d", i), Channel: otp.SMS}); err != nil {
			t.Fatal(err)
		}
	}
	f.deliverAll(t, &recorder{})
	if err := f.svc.DeleteApplication(t.Context(), deleted.ID); err != nil { // its otp.sent not consumed yet
		t.Fatal(err)
	}
	f.consumeAll(t)
	start, end := monthOf(f.clock.Now())
	rows, err := f.store.ListOwnerUsage(t.Context(), "", start, end, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].AppID != live.ID {
		t.Errorf("the ledger = %+v, want only the live application's message", rows)
	}
}
