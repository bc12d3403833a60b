package storetest

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func testProjects(t *testing.T, st otp.Store) {
	ctx := t.Context()
	ps, err := st.ListProjects(ctx, otp.ProjectFilter{})
	if err != nil || len(ps) != 0 {
		t.Fatalf("ListProjects of an empty store = %d projects, %v; want 0, nil", len(ps), err)
	}
	a := createProject(t, st, "a")
	b := createProject(t, st, "b")
	c := createProject(t, st, "c")

	ps, err = st.ListProjects(ctx, otp.ProjectFilter{})
	if err != nil {
		t.Fatalf("ListProjects: %v", err)
	}
	diff(t, "ListProjects", []*otp.Project{c, b, a}, ps)

	got, err := st.GetProject(ctx, b.ID)
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	diff(t, "GetProject", b, got)
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location = %v, want UTC", got.CreatedAt.Location())
	}

	wantErr(t, "CreateProject with a taken id", st.CreateProject(ctx, b), otp.ErrConflict)

	b.Name, b.Description = "b renamed", ""
	b.Policy = otp.Policy{CodeLength: 8, TTL: 90 * time.Second, MaxAttempts: 3, ResendCooldown: 1500 * time.Millisecond,
		MaxResends: 0, SendsPerMinute: 7, DefaultLocale: "pt-BR"}
	b.UpdatedAt = t0.Add(time.Hour)
	if err := st.UpdateProject(ctx, b); err != nil {
		t.Fatalf("UpdateProject: %v", err)
	}
	got, err = st.GetProject(ctx, b.ID)
	if err != nil {
		t.Fatalf("GetProject: %v", err)
	}
	diff(t, "GetProject after UpdateProject", b, got)

	_, err = st.GetProject(ctx, "prj_missing")
	wantNotFound(t, "GetProject(missing)", err)
	missing := *b
	missing.ID = "prj_missing"
	wantNotFound(t, "UpdateProject(missing)", st.UpdateProject(ctx, &missing))
	wantNotFound(t, "DeleteProject(missing)", st.DeleteProject(ctx, "prj_missing"))

	app := createApp(t, st, a.ID, otp.Live)
	wantErr(t, "DeleteProject with an application", st.DeleteProject(ctx, a.ID), otp.ErrConflict)
	if _, err := st.GetProject(ctx, a.ID); err != nil {
		t.Fatalf("GetProject after a refused delete: %v", err)
	}
	if err := st.DeleteApplication(ctx, app.ID); err != nil {
		t.Fatalf("DeleteApplication: %v", err)
	}
	if err := st.DeleteProject(ctx, a.ID); err != nil {
		t.Fatalf("DeleteProject without applications: %v", err)
	}
	_, err = st.GetProject(ctx, a.ID)
	wantNotFound(t, "GetProject after DeleteProject", err)
	wantNotFound(t, "DeleteProject twice", st.DeleteProject(ctx, a.ID))
	ps, err = st.ListProjects(ctx, otp.ProjectFilter{})
	if err != nil {
		t.Fatalf("ListProjects: %v", err)
	}
	diff(t, "ListProjects after DeleteProject", []*otp.Project{c, b}, ps)
}

func testApplications(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p1 := createProject(t, st, "one")
	p2 := createProject(t, st, "two")
	a1 := createApp(t, st, p1.ID, otp.Live)
	a2 := createApp(t, st, p1.ID, otp.Test)
	a3 := createApp(t, st, p2.ID, otp.Live)

	for _, tc := range []struct {
		filter otp.ApplicationFilter
		want   []*otp.Application
	}{
		{otp.ApplicationFilter{ProjectID: p1.ID}, []*otp.Application{a2, a1}},
		{otp.ApplicationFilter{ProjectID: p2.ID}, []*otp.Application{a3}},
		{otp.ApplicationFilter{}, []*otp.Application{a3, a2, a1}},
		{otp.ApplicationFilter{ProjectID: "prj_missing"}, nil},
	} {
		got, err := st.ListApplications(ctx, tc.filter)
		if err != nil {
			t.Fatalf("ListApplications(%+v): %v", tc.filter, err)
		}
		diff(t, "ListApplications", tc.want, got)
	}

	got, err := st.GetApplication(ctx, a2.ID)
	if err != nil {
		t.Fatalf("GetApplication: %v", err)
	}
	diff(t, "GetApplication", a2, got)
	got, err = st.GetApplicationByAPIKey(ctx, a2.APIKeyHash)
	if err != nil {
		t.Fatalf("GetApplicationByAPIKey: %v", err)
	}
	diff(t, "GetApplicationByAPIKey", a2, got)
	_, err = st.GetApplicationByAPIKey(ctx, sum("unknown key"))
	wantNotFound(t, "GetApplicationByAPIKey(unknown)", err)
	got, err = st.GetApplicationByPublicKey(ctx, a2.PublicKey)
	if err != nil {
		t.Fatalf("GetApplicationByPublicKey: %v", err)
	}
	diff(t, "GetApplicationByPublicKey", a2, got)
	_, err = st.GetApplicationByPublicKey(ctx, "pk_unknown")
	wantNotFound(t, "GetApplicationByPublicKey(unknown)", err)
	// A public key is not an API key: the API key lookup never finds it.
	_, err = st.GetApplicationByAPIKey(ctx, sum(a2.PublicKey))
	wantNotFound(t, "GetApplicationByAPIKey(hash of a public key)", err)
	_, err = st.GetApplication(ctx, "app_missing")
	wantNotFound(t, "GetApplication(missing)", err)

	// Optional secrets may be absent.
	bare := newApp(p2.ID, otp.Live)
	bare.ClientSecretHash, bare.ClientSecretPreview, bare.WebhookSecretSealed = nil, "", nil
	bare.PrevAPIKeyHash, bare.PrevAPIKeyUntil = nil, time.Time{}
	bare.PrevClientSecretHash, bare.PrevClientSecretUntil = nil, time.Time{}
	bare.PrevWebhookSecretSealed, bare.PrevWebhookSecretUntil = nil, time.Time{}
	bare.AllowedOrigins, bare.ReturnURLs = nil, nil
	if err := st.CreateApplication(ctx, bare); err != nil {
		t.Fatalf("CreateApplication without secrets: %v", err)
	}
	got, err = st.GetApplication(ctx, bare.ID)
	if err != nil {
		t.Fatalf("GetApplication: %v", err)
	}
	diff(t, "GetApplication without secrets", bare, got)

	wantErr(t, "CreateApplication with a taken id", st.CreateApplication(ctx, a1), otp.ErrConflict)
	dup := newApp(p1.ID, otp.Live)
	dup.APIKeyHash = a1.APIKeyHash
	wantErr(t, "CreateApplication with a taken API key", st.CreateApplication(ctx, dup), otp.ErrConflict)
	_, err = st.GetApplication(ctx, dup.ID)
	wantNotFound(t, "GetApplication of a refused application", err)

	// Rotating the API key: the old one stops working at once.
	oldKey := a1.APIKeyHash
	a1.Name, a1.Status = "renamed", otp.AppDisabled
	a1.APIKeyHash, a1.APIKeyPreview = sum("rotated"), "otpd_live_api_****beef"
	a1.WebhookSecretSealed = []byte("new sealed webhook secret")
	a1.AllowedOrigins, a1.ReturnURLs = []string{"https://other.example:8443"}, nil
	a1.UpdatedAt = t0.Add(time.Hour)
	if err := st.UpdateApplication(ctx, a1); err != nil {
		t.Fatalf("UpdateApplication: %v", err)
	}
	_, err = st.GetApplicationByAPIKey(ctx, oldKey)
	wantNotFound(t, "GetApplicationByAPIKey(old key)", err)
	got, err = st.GetApplicationByAPIKey(ctx, a1.APIKeyHash)
	if err != nil {
		t.Fatalf("GetApplicationByAPIKey(new key): %v", err)
	}
	diff(t, "application after UpdateApplication", a1, got)

	taken := *a3
	taken.APIKeyHash = a2.APIKeyHash
	wantErr(t, "UpdateApplication to a taken API key", st.UpdateApplication(ctx, &taken), otp.ErrConflict)
	got, err = st.GetApplication(ctx, a3.ID)
	if err != nil {
		t.Fatalf("GetApplication: %v", err)
	}
	diff(t, "application after a refused update", a3, got)

	missing := *a3
	missing.ID, missing.APIKeyHash = "app_missing", sum("missing")
	wantNotFound(t, "UpdateApplication(missing)", st.UpdateApplication(ctx, &missing))
	wantNotFound(t, "DeleteApplication(missing)", st.DeleteApplication(ctx, "app_missing"))
}

func testDeleteApplicationCascades(t *testing.T, st otp.Store) {
	ctx := t.Context()
	p := createProject(t, st, "p")
	gone := createApp(t, st, p.ID, otp.Test)
	kept := createApp(t, st, p.ID, otp.Test)

	// Give each application one of every kind of row it owns.
	populate := func(a *otp.Application) *otp.Verification {
		v := newVerification(a, "user@example.com", t0)
		v.ExpiresAt = t0.Add(-time.Minute) // listed by ListExpiredPending
		idem := &otp.Idempotency{AppID: a.ID, Key: "key", RequestHash: sum("req"), VerificationID: v.ID, CreatedAt: t0}
		fx := otp.Effects{
			Events:     []otp.Event{newEvent(otp.EventCreated, v, t0)},
			Deliveries: []otp.Delivery{newDelivery(v, t0)},
			Messages: []otp.Message{{ID: otp.NewID("dlv"), AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS,
				Provider: "test_inbox", Status: otp.DeliverySent, Attempts: 1, CreatedAt: t0, SentAt: t0}},
		}
		if err := st.CreateVerification(ctx, v, fx, idem); err != nil {
			t.Fatalf("CreateVerification: %v", err)
		}
		return v
	}
	vGone := populate(gone)
	vKept := populate(kept)

	if err := st.DeleteApplication(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteApplication: %v", err)
	}

	_, err := st.GetApplication(ctx, gone.ID)
	wantNotFound(t, "GetApplication", err)
	_, err = st.GetApplicationByAPIKey(ctx, gone.APIKeyHash)
	wantNotFound(t, "GetApplicationByAPIKey", err)
	_, err = st.GetVerification(ctx, gone.ID, vGone.ID)
	wantNotFound(t, "GetVerification", err)
	_, err = st.GetIdempotency(ctx, gone.ID, "key", time.Time{})
	wantNotFound(t, "GetIdempotency", err)
	if vs, err := st.ListVerifications(ctx, gone.ID, otp.VerificationFilter{}); err != nil || len(vs) != 0 {
		t.Errorf("ListVerifications = %d, %v; want none", len(vs), err)
	}
	if ms, err := st.ListTestMessages(ctx, gone.ID, "", time.Time{}, 10); err != nil || len(ms) != 0 {
		t.Errorf("ListTestMessages = %d, %v; want none", len(ms), err)
	}
	refs, err := st.ListExpiredPending(ctx, t0, 10)
	if err != nil {
		t.Fatalf("ListExpiredPending: %v", err)
	}
	diff(t, "ListExpiredPending", []otp.VerificationRef{{AppID: kept.ID, ID: vKept.ID}}, refs)
	ds := claim(t, st, t0.Add(time.Hour), 10)
	if len(ds) != 1 || ds[0].AppID != kept.ID {
		t.Errorf("ClaimDeliveries = %+v, want only the kept application's row", ds)
	}
	if evs, ok := events(t, st, gone.ID); ok && len(evs) != 0 {
		t.Errorf("events of the deleted application = %+v, want none", evs)
	}
	if ms, ok := messages(t, st, gone.ID, vGone.ID); ok && len(ms) != 0 {
		t.Errorf("messages of the deleted application = %+v, want none", ms)
	}

	// The other application keeps everything.
	diff(t, "kept verification", vKept, getVerification(t, st, kept.ID, vKept.ID))
	if _, err := st.GetIdempotency(ctx, kept.ID, "key", time.Time{}); err != nil {
		t.Errorf("GetIdempotency of the kept application: %v", err)
	}
	if ms, err := st.ListTestMessages(ctx, kept.ID, "", time.Time{}, 10); err != nil || len(ms) != 1 {
		t.Errorf("ListTestMessages of the kept application = %d, %v; want 1", len(ms), err)
	}
	if evs, ok := events(t, st, kept.ID); ok && len(evs) != 1 {
		t.Errorf("events of the kept application = %d, want 1", len(evs))
	}
	if ms, ok := messages(t, st, kept.ID, vKept.ID); ok && len(ms) != 1 {
		t.Errorf("messages of the kept application = %d, want 1", len(ms))
	}
}
