package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// testProjectChallenge round-trips a project's CAPTCHA settings, the
// sealed secret included, through create, update and list.
func testProjectChallenge(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := &otp.Project{ID: otp.NewID("prj"), Name: "captcha", Policy: otp.DefaultPolicy(), CreatedAt: t0, UpdatedAt: t0}
	p.Policy.Challenge = otp.ChallengePolicy{
		Enabled: true, Provider: otp.ReCAPTCHA, SiteKey: "6LeSiteKey",
		SecretSealed: []byte{0, 1, 2, 250, 251, 252}, SecretPreview: "****wxyz",
		MinScore: 0.7, Hostnames: []string{"shop.example", "*.example.org"},
	}
	if err := st.CreateProject(ctx, p); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	got, err := st.GetProject(ctx, p.ID)
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	diff(t, "GetProject after CreateProject", p, got)

	p.Policy.Challenge = otp.ChallengePolicy{Provider: otp.SmartCaptcha, SiteKey: "ysc1_site", SecretSealed: []byte("sealed"), SecretPreview: "****"}
	p.UpdatedAt = t0.Add(time.Second)
	if err := st.UpdateProject(ctx, p); err != nil {
		t.Fatalf("UpdateProject: %v", err)
	}
	ps, err := st.ListProjects(ctx, otp.ProjectFilter{})
	if err != nil {
		t.Fatalf("ListProjects: %v", err)
	}
	diff(t, "ListProjects after UpdateProject", []*otp.Project{p}, ps)

	p.Policy.Challenge = otp.ChallengePolicy{}
	if err := st.UpdateProject(ctx, p); err != nil {
		t.Fatalf("UpdateProject: %v", err)
	}
	if got, err = st.GetProject(ctx, p.ID); err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	diff(t, "GetProject after clearing the challenge", p, got)
}
