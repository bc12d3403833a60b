package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testDevelopers(t *testing.T, st otp.Store) {
	d := &otp.Developer{ID: otp.NewID("dev"), Email: "a@example.com", Name: "A", Company: "Acme",
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", Plan: otp.DefaultPlan, Status: otp.DeveloperActive,
		CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateDeveloper(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	dup := *d
	dup.ID = otp.NewID("dev")
	wantErr(t, "CreateDeveloper with a taken email", st.CreateDeveloper(t.Context(), &dup), otp.ErrConflict)
	byEmail, err := st.GetDeveloperByEmail(t.Context(), "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "developer by email", d, byEmail)
	d.Name, d.Plan.MaxProjects, d.UpdatedAt = "Alice", 3, t0.Add(time.Hour)
	if err := st.UpdateDeveloper(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetDeveloper(t.Context(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "developer after update", d, got)

	sess := &otp.Session{TokenHash: sum("token"), DeveloperID: d.ID, CreatedAt: t0, ExpiresAt: t0.Add(otp.SessionTTL)}
	if err := st.CreateSession(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	gs, err := st.GetSession(t.Context(), sum("token"))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "session", sess, gs)
	if err := st.DeleteSession(t.Context(), sum("token")); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetSession(t.Context(), sum("token"))
	wantNotFound(t, "a deleted session", err)

	// A developer's project keeps its owner.
	p := &otp.Project{ID: otp.NewID("prj"), Name: "owned", Policy: otp.DefaultPolicy(), OwnerID: d.ID, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if gp, err := st.GetProject(t.Context(), p.ID); err != nil || gp.OwnerID != d.ID {
		t.Errorf("project owner = %+v, %v; want %s", gp, err, d.ID)
	}
}

// testPreviousAPIKey finds an application by a rotated key too.
func testPreviousAPIKey(t *testing.T, st otp.Store) {
	p := createProject(t, st, "rotated")
	a := createApp(t, st, p.ID, otp.Live)
	got, err := st.GetApplicationByAPIKey(t.Context(), a.PrevAPIKeyHash)
	if err != nil || got.ID != a.ID {
		t.Fatalf("by the previous key = %+v, %v; want the application", got, err)
	}
	_, err = st.GetApplicationByAPIKey(t.Context(), sum("never issued"))
	wantNotFound(t, "an unknown key", err)
}

// testPreviousWebhookSecret keeps the webhook secret a rotation replaced
// and when it stops signing, and forgets them when a rotation without a
// grace period clears them.
func testPreviousWebhookSecret(t *testing.T, st otp.Store) {
	p := createProject(t, st, "rotated webhook secret")
	a := createApp(t, st, p.ID, otp.Live)
	got, err := st.GetApplication(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "application created with a previous webhook secret", a, got)

	// A rotation with a grace period: the current secret becomes the previous one.
	a.PrevWebhookSecretSealed, a.PrevWebhookSecretUntil = a.WebhookSecretSealed, t0.Add(7*24*time.Hour)
	a.WebhookSecretSealed, a.UpdatedAt = []byte("rotated sealed webhook secret"), t0.Add(time.Minute)
	if err := st.UpdateApplication(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	got, err = st.GetApplication(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "application after a rotation with grace", a, got)
	if string(got.PrevWebhookSecretSealed) != "sealed webhook secret of "+a.ID {
		t.Errorf("previous webhook secret = %q, want the one replaced", got.PrevWebhookSecretSealed)
	}

	// A rotation without one clears it.
	a.PrevWebhookSecretSealed, a.PrevWebhookSecretUntil = nil, time.Time{}
	a.WebhookSecretSealed, a.UpdatedAt = []byte("rotated again"), t0.Add(2*time.Minute)
	if err := st.UpdateApplication(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	got, err = st.GetApplication(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "application after a rotation without grace", a, got)
	if got.PrevWebhookSecretSealed != nil || !got.PrevWebhookSecretUntil.IsZero() {
		t.Errorf("previous webhook secret = %q until %v, want none", got.PrevWebhookSecretSealed, got.PrevWebhookSecretUntil)
	}
}

func testInvitationsAndSessionSweep(t *testing.T, st otp.Store) {
	inv := &otp.Invitation{TokenHash: sum("invite"), Email: "a@example.com", CreatedAt: t0, ExpiresAt: t0.Add(otp.InvitationTTL)}
	if err := st.CreateInvitation(t.Context(), inv); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetInvitation(t.Context(), sum("invite"))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "invitation", inv, got)
	if err := st.UseInvitation(t.Context(), sum("invite"), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, "UseInvitation twice", st.UseInvitation(t.Context(), sum("invite"), t0.Add(time.Minute)))

	for i, exp := range []time.Time{t0.Add(-time.Second), t0.Add(time.Hour)} {
		s := &otp.Session{TokenHash: sum(fmt.Sprint("s", i)), DeveloperID: "dev_x", CreatedAt: t0.Add(-otp.SessionTTL), ExpiresAt: exp}
		if err := st.CreateSession(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.DeleteExpiredSessions(t.Context(), t0); err != nil || n != 1 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	if _, err := st.GetSession(t.Context(), sum("s1")); err != nil {
		t.Errorf("the live session was deleted: %v", err)
	}
}

func testOwnerFilters(t *testing.T, st otp.Store) {
	mine, theirs, ops := "dev_mine", "dev_theirs", ""
	var ids = map[string]string{}
	for _, owner := range []string{mine, theirs, ops} {
		p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), OwnerID: owner, CreatedAt: t0, UpdatedAt: t0}
		if err := st.CreateProject(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		ids[owner] = p.ID
		createApp(t, st, p.ID, otp.Live)
	}
	for _, owner := range []string{mine, ops} {
		ps, err := st.ListProjects(t.Context(), otp.ProjectFilter{OwnerID: &owner})
		if err != nil || len(ps) != 1 || ps[0].ID != ids[owner] {
			t.Errorf("projects of %q = %v, %v; want only %s", owner, ps, err, ids[owner])
		}
		as, err := st.ListApplications(t.Context(), otp.ApplicationFilter{OwnerID: &owner})
		if err != nil || len(as) != 1 || as[0].ProjectID != ids[owner] {
			t.Errorf("applications of %q = %v, %v; want the one of %s", owner, as, err, ids[owner])
		}
	}
	as, err := st.ListApplications(t.Context(), otp.ApplicationFilter{ProjectID: ids[theirs], OwnerID: &mine})
	if err != nil || len(as) != 0 {
		t.Errorf("another owner's project filtered by mine = %v, %v; want none", as, err)
	}
	if ps, err := st.ListProjects(t.Context(), otp.ProjectFilter{}); err != nil || len(ps) < 3 {
		t.Errorf("every project = %d, %v; want at least 3", len(ps), err)
	}
}
