package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func createDeveloper(t *testing.T, st otp.Store, email string) *otp.Developer {
	t.Helper()
	d := &otp.Developer{ID: otp.NewID("dev"), Email: email, PasswordHash: "old hash", Plan: otp.DefaultPlan,
		Status: otp.DeveloperActive, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateDeveloper(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func createConsoleSession(t *testing.T, st otp.Store, token, devID string, at time.Time) {
	t.Helper()
	s := &otp.Session{TokenHash: sum(token), DeveloperID: devID, CreatedAt: at, ExpiresAt: at.Add(otp.SessionTTL)}
	if err := st.CreateSession(t.Context(), s); err != nil {
		t.Fatal(err)
	}
}

// testOperatorControl: a developer's status, session revocation, the
// password, deletion refused while projects are owned, and the
// operator's hold on an application, which UpdateApplication and
// UpdateDeveloper do not undo.
func testOperatorControl(t *testing.T, st otp.Store) {
	ctx := t.Context()
	d := createDeveloper(t, st, "control@example.com")

	if err := st.SetDeveloperStatus(ctx, d.ID, otp.DeveloperSuspended, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// A profile edit from a read before the suspension keeps it.
	d.Name, d.UpdatedAt = "renamed", t0.Add(2*time.Minute)
	if err := st.UpdateDeveloper(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetDeveloper(ctx, d.ID)
	if err != nil || got.Status != otp.DeveloperSuspended || got.Name != "renamed" {
		t.Errorf("after suspension and a profile edit: %+v, %v; want suspended and renamed", got, err)
	}
	wantNotFound(t, "SetDeveloperStatus of an unknown developer", st.SetDeveloperStatus(ctx, "dev_unknown", otp.DeveloperActive, t0))

	// Revocation: sessions created before it are deleted, later ones kept.
	createConsoleSession(t, st, "before", d.ID, t0)
	createConsoleSession(t, st, "after", d.ID, t0.Add(2*time.Hour))
	other := createDeveloper(t, st, "other@example.com")
	createConsoleSession(t, st, "other", other.ID, t0)
	at := t0.Add(time.Hour)
	if err := st.RevokeSessions(ctx, d.ID, at); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetSession(ctx, sum("before"))
	wantNotFound(t, "a session created before the revocation", err)
	for _, tok := range []string{"after", "other"} {
		if _, err := st.GetSession(ctx, sum(tok)); err != nil {
			t.Errorf("session %q: %v; want it kept", tok, err)
		}
	}
	if got, err := st.GetDeveloper(ctx, d.ID); err != nil || !got.SessionsValidAfter.Equal(at) {
		t.Errorf("SessionsValidAfter = %v, %v; want %v", got.SessionsValidAfter, err, at)
	}
	wantNotFound(t, "RevokeSessions of an unknown developer", st.RevokeSessions(ctx, "dev_unknown", at))

	// SetPassword writes the hash and revokes at its time.
	at = t0.Add(3 * time.Hour)
	if err := st.SetPassword(ctx, d.ID, "new hash", at); err != nil {
		t.Fatal(err)
	}
	got, err = st.GetDeveloper(ctx, d.ID)
	if err != nil || got.PasswordHash != "new hash" || !got.SessionsValidAfter.Equal(at) {
		t.Errorf("after SetPassword: %+v, %v; want the new hash, sessions valid after %v", got, err, at)
	}
	_, err = st.GetSession(ctx, sum("after"))
	wantNotFound(t, "a session created before the password change", err)
	// And a profile edit does not write the password back.
	if err := st.UpdateDeveloper(ctx, d); err != nil { // d holds the old hash
		t.Fatal(err)
	}
	if got, err := st.GetDeveloper(ctx, d.ID); err != nil || got.PasswordHash != "new hash" {
		t.Errorf("password after a profile edit = %q, %v; want the new hash", got.PasswordHash, err)
	}
	wantNotFound(t, "SetPassword of an unknown developer", st.SetPassword(ctx, "dev_unknown", "h", at))

	// Deletion: refused while a project is owned.
	p := &otp.Project{ID: otp.NewID("prj"), Name: "owned", Policy: otp.DefaultPolicy(), OwnerID: d.ID, CreatedAt: t0, UpdatedAt: t0}
	if err := st.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "DeleteDeveloper with a project", st.DeleteDeveloper(ctx, d.ID), otp.ErrConflict)

	// The operator's hold.
	a := createApp(t, st, p.ID, otp.Live)
	if err := st.SetApplicationOperatorDisabled(ctx, a.ID, true, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	a.Name, a.Status = "owner's edit", otp.AppActive // the owner's read from before the hold
	if err := st.UpdateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	for name, get := range map[string]func() (*otp.Application, error){
		"GetApplication":         func() (*otp.Application, error) { return st.GetApplication(ctx, a.ID) },
		"GetApplicationByAPIKey": func() (*otp.Application, error) { return st.GetApplicationByAPIKey(ctx, a.APIKeyHash) },
		"GetApplicationByPublicKey": func() (*otp.Application, error) {
			return st.GetApplicationByPublicKey(ctx, a.PublicKey)
		},
	} {
		if got, err := get(); err != nil || !got.OperatorDisabled || got.Name != "owner's edit" {
			t.Errorf("%s after the hold and an owner's edit: %+v, %v; want held and renamed", name, got, err)
		}
	}
	if err := st.SetApplicationOperatorDisabled(ctx, a.ID, false, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := st.GetApplication(ctx, a.ID); err != nil || got.OperatorDisabled {
		t.Errorf("after the hold was lifted: %+v, %v; want not held", got, err)
	}
	wantNotFound(t, "SetApplicationOperatorDisabled of an unknown application",
		st.SetApplicationOperatorDisabled(ctx, "app_unknown", true, t0))

	// Without projects the developer goes, with their sessions.
	if err := st.DeleteApplication(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteProject(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	createConsoleSession(t, st, "late", d.ID, t0.Add(4*time.Hour))
	if err := st.DeleteDeveloper(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetDeveloper(ctx, d.ID)
	wantNotFound(t, "a deleted developer", err)
	_, err = st.GetSession(ctx, sum("late"))
	wantNotFound(t, "a deleted developer's session", err)
	wantNotFound(t, "DeleteDeveloper twice", st.DeleteDeveloper(ctx, d.ID))
}

// testPasswordResets: one live reset per developer, redeemed once before
// it expires, setting the password and revoking sessions.
func testPasswordResets(t *testing.T, st otp.Store) {
	ctx := t.Context()
	d := createDeveloper(t, st, "reset@example.com")
	first := &otp.PasswordReset{TokenHash: sum("reset 1"), DeveloperID: d.ID, CreatedAt: t0, ExpiresAt: t0.Add(otp.PasswordResetTTL)}
	if err := st.CreatePasswordReset(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetPasswordReset(ctx, sum("reset 1"))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "password reset", first, got)
	wantNotFound(t, "CreatePasswordReset for an unknown developer", st.CreatePasswordReset(ctx,
		&otp.PasswordReset{TokenHash: sum("nobody's"), DeveloperID: "dev_unknown", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))

	// A second one replaces the first.
	second := &otp.PasswordReset{TokenHash: sum("reset 2"), DeveloperID: d.ID, CreatedAt: t0, ExpiresAt: t0.Add(otp.PasswordResetTTL)}
	if err := st.CreatePasswordReset(ctx, second); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetPasswordReset(ctx, sum("reset 1"))
	wantNotFound(t, "a replaced password reset", err)
	_, err = st.RedeemPasswordReset(ctx, sum("reset 1"), t0.Add(time.Minute), "h1")
	wantNotFound(t, "redeeming a replaced password reset", err)

	// Not after it expires.
	_, err = st.RedeemPasswordReset(ctx, sum("reset 2"), second.ExpiresAt, "h2")
	wantNotFound(t, "redeeming an expired password reset", err)

	createConsoleSession(t, st, "before reset", d.ID, t0)
	at := t0.Add(time.Hour)
	devID, err := st.RedeemPasswordReset(ctx, sum("reset 2"), at, "reset hash")
	if err != nil || devID != d.ID {
		t.Fatalf("RedeemPasswordReset = %q, %v; want %s", devID, err, d.ID)
	}
	if got, err := st.GetDeveloper(ctx, d.ID); err != nil || got.PasswordHash != "reset hash" || !got.SessionsValidAfter.Equal(at) {
		t.Errorf("after the reset: %+v, %v; want the new hash, sessions valid after %v", got, err, at)
	}
	_, err = st.GetSession(ctx, sum("before reset"))
	wantNotFound(t, "a session from before the reset", err)
	_, err = st.RedeemPasswordReset(ctx, sum("reset 2"), at, "again")
	wantNotFound(t, "redeeming a password reset twice", err)
	if got, err := st.GetDeveloper(ctx, d.ID); err != nil || got.PasswordHash != "reset hash" {
		t.Errorf("password after a second redemption = %q, %v; want the first one's", got.PasswordHash, err)
	}
}

// testPasswordResetRedeemedOnce: of concurrent redemptions, one wins.
func testPasswordResetRedeemedOnce(t *testing.T, st otp.Store) {
	d := createDeveloper(t, st, "race@example.com")
	r := &otp.PasswordReset{TokenHash: sum("race"), DeveloperID: d.ID, CreatedAt: t0, ExpiresAt: t0.Add(otp.PasswordResetTTL)}
	if err := st.CreatePasswordReset(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.RedeemPasswordReset(t.Context(), sum("race"), t0.Add(time.Minute), fmt.Sprint("hash ", i))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, otp.ErrNotFound):
			t.Errorf("a losing redemption: %v, want NOT_FOUND", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent redemptions succeeded, want 1", won, n)
	}
}
