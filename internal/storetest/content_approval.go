package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testProjectSenderIDs: the operator's approved sender ids are written
// alone, read back with the project, and not undone by UpdateProject.
func testProjectSenderIDs(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "senders")
	stale, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetProjectSenderIDs(ctx, p.ID, []string{"ACME", "+14155550199"}, t0.Add(time.Minute)); err != nil {
		t.Fatalf("SetProjectSenderIDs: %v", err)
	}
	stale.Name, stale.UpdatedAt = "renamed by the owner", t0.Add(2*time.Minute)
	if err := st.UpdateProject(ctx, stale); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "approved sender ids after an owner's update", []string{"ACME", "+14155550199"}, got.ApprovedSenderIDs)
	if got.Name != "renamed by the owner" {
		t.Errorf("name = %q", got.Name)
	}
	if err := st.SetProjectSenderIDs(ctx, p.ID, nil, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err = st.GetProject(ctx, p.ID); err != nil || len(got.ApprovedSenderIDs) != 0 {
		t.Errorf("approved sender ids after clearing = %v, %v; want none", got.ApprovedSenderIDs, err)
	}
	wantNotFound(t, "SetProjectSenderIDs of an unknown project", st.SetProjectSenderIDs(ctx, "prj_unknown", []string{"ACME"}, t0))
}

// testPendingTemplatesAndUntrustedPlan: a project's pending template
// overrides round-trip through CreateProject, UpdateProject and
// CreateProjectWithQuota, and a plan's untrusted flag through
// CreateDeveloper and UpdateDeveloper.
func testPendingTemplatesAndUntrustedPlan(t *testing.T, st otp.Store) {
	ctx := t.Context()
	d := createDeveloper(t, st, "untrusted@example.com")
	if d.Plan.Untrusted {
		t.Fatal("a default plan is untrusted")
	}
	d.Plan.Untrusted, d.UpdatedAt = true, t0.Add(time.Minute)
	if err := st.UpdateDeveloper(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetDeveloper(ctx, d.ID)
	if err != nil || !got.Plan.Untrusted {
		t.Fatalf("plan after UpdateDeveloper = %+v, %v; want untrusted", got.Plan, err)
	}

	pending := &otp.PendingTemplates{SubmittedAt: t0.Add(time.Second), Templates: []otp.TemplateOverride{
		{Channel: otp.SMS, Purpose: otp.PurposeVerification, Body: "Pending {{.Code}}"},
		{Name: "login", Channel: otp.Email, Purpose: otp.PurposeTwoFactor, Locale: "de", Body: "Anmeldung {{.Code}}", Subject: "Code"},
	}}
	p := &otp.Project{ID: otp.NewID("prj"), Name: "pending", Policy: otp.DefaultPolicy(), OwnerID: d.ID,
		PendingTemplates: pending, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateProjectWithQuota(ctx, p, 10); err != nil {
		t.Fatal(err)
	}
	gotP, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "pending templates after CreateProjectWithQuota", pending, gotP.PendingTemplates)

	gotP.PendingTemplates, gotP.UpdatedAt = nil, t0.Add(time.Hour)
	if err := st.UpdateProject(ctx, gotP); err != nil {
		t.Fatal(err)
	}
	if gotP, err = st.GetProject(ctx, p.ID); err != nil || gotP.PendingTemplates != nil {
		t.Fatalf("pending templates after clearing = %+v, %v; want none", gotP.PendingTemplates, err)
	}

	q := createProject(t, st, "no pending")
	q.PendingTemplates = &otp.PendingTemplates{SubmittedAt: t0, Templates: []otp.TemplateOverride{}}
	q.UpdatedAt = t0.Add(time.Minute)
	if err := st.UpdateProject(ctx, q); err != nil {
		t.Fatal(err)
	}
	gotQ, err := st.GetProject(ctx, q.ID)
	if err != nil || gotQ.PendingTemplates == nil || len(gotQ.PendingTemplates.Templates) != 0 {
		t.Fatalf("an empty pending list = %+v, %v; want pending with no overrides", gotQ.PendingTemplates, err)
	}
}
