package otp_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

const devPassword = "correct horse battery"

// tenant is a developer with a project, a live application and a session.
type tenant struct {
	dev   *otp.Developer
	ctx   context.Context // the developer's principal
	app   *otp.Application
	key   string // the application's API key
	token string // a console session token
}

func newTenant(t *testing.T, f *fixture, email string) *tenant {
	t.Helper()
	dev, err := f.svc.CreateDeveloper(t.Context(), otp.DeveloperInput{Email: ptr(email), Password: ptr(devPassword)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := otp.WithPrincipal(t.Context(), otp.Principal{Developer: dev})
	p, err := f.svc.CreateProject(ctx, otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	env := otp.Test
	a, creds, err := f.svc.CreateApplication(ctx, otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	token, _, _, err := f.svc.Login(t.Context(), email, devPassword)
	if err != nil {
		t.Fatal(err)
	}
	return &tenant{dev: dev, ctx: ctx, app: a, key: creds.APIKey, token: token}
}

// reason returns the key of a domain error (details.reason on the wire).
func reason(err error) string {
	if e := otp.ErrorOf(err); e != nil {
		return e.Key
	}
	return ""
}

func TestSuspendedDeveloperIsRefusedEverywhere(t *testing.T) {
	f := newFixture(t, otp.Limits{ReadCacheTTL: time.Hour}) // a suspension must not wait for the cache
	ten := newTenant(t, f, "suspend@example.com")
	other := newTenant(t, f, "other@example.com")
	_, extra, err := f.svc.CreateAPIKey(ten.ctx, ten.app.ID, otp.APIKeyInput{Name: "extra", Scope: otp.ScopeFull})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{ten.key, extra} { // cached now
		if _, _, err := f.svc.Authenticate(t.Context(), key); err != nil {
			t.Fatal(err)
		}
	}

	if _, err := f.svc.SetDeveloperStatus(ten.ctx, other.dev.ID, otp.DeveloperSuspended); code(err) != otp.CodeForbidden {
		t.Errorf("a developer suspending another: %v, want FORBIDDEN", err)
	}
	d, err := f.svc.SetDeveloperStatus(t.Context(), ten.dev.ID, otp.DeveloperSuspended)
	if err != nil || d.Status != otp.DeveloperSuspended {
		t.Fatalf("SetDeveloperStatus = %+v, %v; want suspended", d, err)
	}
	if _, err := f.svc.SetDeveloperStatus(t.Context(), ten.dev.ID, "paused"); code(err) != otp.CodeInvalidParameter {
		t.Errorf("status paused: %v, want INVALID_PARAMETER", err)
	}

	checks := map[string]func() error{
		"session": func() error { _, err := f.svc.AuthenticateSession(t.Context(), ten.token); return err },
		"login": func() error {
			_, _, _, err := f.svc.Login(t.Context(), "suspend@example.com", devPassword)
			return err
		},
		"API key":       func() error { _, _, err := f.svc.Authenticate(t.Context(), ten.key); return err },
		"extra API key": func() error { _, _, err := f.svc.Authenticate(t.Context(), extra); return err },
		"public key": func() error {
			_, _, _, err := f.svc.AuthenticateSessionFlow(t.Context(), otp.APICall{Key: ten.app.PublicKey})
			return err
		},
		"console test send": func() error {
			_, err := f.svc.TestSend(t.Context(), ten.app.ID, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
			return err
		},
	}
	for name, check := range checks {
		if err := check(); code(err) != otp.CodeForbidden || reason(err) != "developer_suspended" {
			t.Errorf("%s of a suspended developer: %v, want FORBIDDEN developer_suspended", name, err)
		}
	}
	// Another tenant is untouched.
	if _, _, err := f.svc.Authenticate(t.Context(), other.key); err != nil {
		t.Errorf("another developer's key: %v", err)
	}
	// A wrong password says nothing about the suspension.
	if _, _, _, err := f.svc.Login(t.Context(), "suspend@example.com", "wrong password!"); reason(err) != "invalid_login" {
		t.Errorf("wrong password of a suspended developer: %v, want invalid_login", err)
	}

	if _, err := f.svc.SetDeveloperStatus(t.Context(), ten.dev.ID, otp.DeveloperActive); err != nil {
		t.Fatal(err)
	}
	for name, check := range checks {
		if err := check(); err != nil {
			t.Errorf("%s after reactivation: %v", name, err)
		}
	}
}

func TestRevokeSessions(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ten := newTenant(t, f, "revoke@example.com")
	second, _, _, err := f.svc.Login(t.Context(), "revoke@example.com", devPassword)
	if err != nil {
		t.Fatal(err)
	}
	other := newTenant(t, f, "bystander@example.com")

	if err := f.svc.RevokeSessions(ten.ctx, ten.dev.ID); code(err) != otp.CodeForbidden {
		t.Errorf("a developer revoking through the operator's call: %v, want FORBIDDEN", err)
	}
	if err := f.svc.RevokeSessions(t.Context(), "dev_unknown"); code(err) != otp.CodeNotFound {
		t.Errorf("revoking an unknown developer's sessions: %v, want NOT_FOUND", err)
	}
	f.clock.Advance(time.Second)
	if err := f.svc.RevokeSessions(t.Context(), ten.dev.ID); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{ten.token, second} {
		if _, err := f.svc.AuthenticateSession(t.Context(), tok); code(err) != otp.CodeUnauthenticated {
			t.Errorf("a session from before the revocation: %v, want UNAUTHENTICATED", err)
		}
	}
	if _, err := f.svc.AuthenticateSession(t.Context(), other.token); err != nil {
		t.Errorf("another developer's session: %v", err)
	}
	// Signing in again works.
	f.clock.Advance(time.Second)
	fresh, _, _, err := f.svc.Login(t.Context(), "revoke@example.com", devPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateSession(t.Context(), fresh); err != nil {
		t.Errorf("a session from after the revocation: %v", err)
	}

	// The developer's own revocation ends the session in use too.
	f.clock.Advance(time.Second)
	dev, err := f.svc.AuthenticateSession(t.Context(), fresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeMySessions(otp.WithPrincipal(t.Context(), otp.Principal{Developer: dev})); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateSession(t.Context(), fresh); code(err) != otp.CodeUnauthenticated {
		t.Errorf("the session that signed out everywhere: %v, want UNAUTHENTICATED", err)
	}
	if err := f.svc.RevokeMySessions(t.Context()); code(err) != otp.CodeForbidden {
		t.Errorf("the operator signing out everywhere: %v, want FORBIDDEN", err)
	}
}

func TestRevocationRefusesEarlierIDTokens(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) // the fixture's clock
	ids := identities{
		"before": {id: otp.Identity{Email: "oidc@example.com", EmailVerified: true, IssuedAt: start}},
		"after":  {id: otp.Identity{Email: "oidc@example.com", EmailVerified: true, IssuedAt: start.Add(2 * time.Second)}},
	}
	f := newFixtureConfig(t, otp.Config{Identities: ids})
	for _, tok := range []string{"before", "after"} {
		if _, err := f.svc.AuthenticateIDToken(t.Context(), tok, true); err != nil {
			t.Fatalf("%s: %v", tok, err)
		}
	}
	dev, err := f.svc.AuthenticateIDToken(t.Context(), "before", true)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second + 500*time.Millisecond)
	if err := f.svc.RevokeSessions(t.Context(), dev.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateIDToken(t.Context(), "before", true); code(err) != otp.CodeUnauthenticated {
		t.Errorf("an ID token issued before the revocation: %v, want UNAUTHENTICATED", err)
	}
	if _, err := f.svc.AuthenticateIDToken(t.Context(), "after", true); err != nil {
		t.Errorf("an ID token issued after the revocation: %v", err)
	}
	if _, err := f.svc.SetDeveloperStatus(t.Context(), dev.ID, otp.DeveloperSuspended); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateIDToken(t.Context(), "after", true); reason(err) != "developer_suspended" {
		t.Errorf("an ID token of a suspended developer: %v, want developer_suspended", err)
	}
}

func TestOperatorHoldOwnerCannotClear(t *testing.T) {
	f := newFixture(t, otp.Limits{ReadCacheTTL: time.Hour})
	ten := newTenant(t, f, "held@example.com")
	if _, _, err := f.svc.Authenticate(t.Context(), ten.key); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetOperatorDisabled(ten.ctx, ten.app.ID, false); code(err) != otp.CodeForbidden {
		t.Errorf("the owner lifting the hold: %v, want FORBIDDEN", err)
	}
	a, err := f.svc.SetOperatorDisabled(t.Context(), ten.app.ID, true)
	if err != nil || !a.OperatorDisabled || a.Status != otp.AppActive {
		t.Fatalf("SetOperatorDisabled = %+v, %v; want held, status still active", a, err)
	}
	refused := func(what string) {
		t.Helper()
		if _, _, err := f.svc.Authenticate(t.Context(), ten.key); code(err) != otp.CodeForbidden || reason(err) != "operator_disabled" {
			t.Errorf("%s: %v, want FORBIDDEN operator_disabled", what, err)
		}
	}
	refused("a held application's key")
	// The owner's own switch, off and on again, does not lift the hold.
	for _, st := range []otp.AppStatus{otp.AppDisabled, otp.AppActive} {
		a, err := f.svc.UpdateApplication(ten.ctx, ten.app.ID, otp.ApplicationInput{Status: ptr(st)})
		if err != nil || !a.OperatorDisabled {
			t.Fatalf("owner sets status %s: %+v, %v; want still held", st, a, err)
		}
	}
	refused("after the owner enabled it")
	if got, err := f.svc.GetApplication(ten.ctx, ten.app.ID); err != nil || !got.OperatorDisabled {
		t.Errorf("the owner's view: %+v, %v; want the hold shown", got, err)
	}

	if _, err := f.svc.SetOperatorDisabled(t.Context(), ten.app.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), ten.key); err != nil {
		t.Errorf("after the operator lifted the hold: %v", err)
	}
	// Lifted, the owner's switch decides again.
	if _, err := f.svc.UpdateApplication(ten.ctx, ten.app.ID, otp.ApplicationInput{Status: ptr(otp.AppDisabled)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), ten.key); reason(err) != "application_disabled" {
		t.Errorf("disabled by its owner: %v, want application_disabled", err)
	}
	if _, err := f.svc.SetOperatorDisabled(t.Context(), "app_unknown", true); code(err) != otp.CodeNotFound {
		t.Errorf("holding an unknown application: %v, want NOT_FOUND", err)
	}
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ten := newTenant(t, f, "change@example.com")
	other, _, _, err := f.svc.Login(t.Context(), "change@example.com", devPassword)
	if err != nil {
		t.Fatal(err)
	}
	const next = "a much better passphrase"
	if _, _, err := f.svc.ChangePassword(ten.ctx, "not the password", next); reason(err) != "wrong_password" {
		t.Errorf("a wrong current password: %v, want wrong_password", err)
	}
	if _, _, err := f.svc.ChangePassword(ten.ctx, devPassword, "short"); reason(err) != "weak_password" {
		t.Errorf("a short new password: %v, want weak_password", err)
	}
	if _, _, err := f.svc.ChangePassword(t.Context(), devPassword, next); code(err) != otp.CodeForbidden {
		t.Errorf("the operator changing a password: %v, want FORBIDDEN", err)
	}
	f.clock.Advance(time.Second)
	token, sess, err := f.svc.ChangePassword(ten.ctx, devPassword, next)
	if err != nil || sess.DeveloperID != ten.dev.ID {
		t.Fatalf("ChangePassword = %+v, %v", sess, err)
	}
	for _, tok := range []string{ten.token, other} {
		if _, err := f.svc.AuthenticateSession(t.Context(), tok); code(err) != otp.CodeUnauthenticated {
			t.Errorf("a session from before the change: %v, want UNAUTHENTICATED", err)
		}
	}
	if _, err := f.svc.AuthenticateSession(t.Context(), token); err != nil {
		t.Errorf("the session the change gave: %v", err)
	}
	if _, _, _, err := f.svc.Login(t.Context(), "change@example.com", devPassword); code(err) != otp.CodeUnauthenticated {
		t.Errorf("the old password: %v, want UNAUTHENTICATED", err)
	}
	if _, _, _, err := f.svc.Login(t.Context(), "change@example.com", next); err != nil {
		t.Errorf("the new password: %v", err)
	}
	// A profile edit made with the principal read before the change
	// does not bring the old password back.
	if _, err := f.svc.UpdateMe(ten.ctx, otp.DeveloperInput{Name: ptr("Renamed")}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.svc.Login(t.Context(), "change@example.com", next); err != nil {
		t.Errorf("the new password after a profile edit: %v", err)
	}
}

func TestPasswordResetWorksOnce(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ten := newTenant(t, f, "reset@example.com")
	if _, _, err := f.svc.CreatePasswordReset(ten.ctx, ten.dev.ID); code(err) != otp.CodeForbidden {
		t.Errorf("a developer making a reset token: %v, want FORBIDDEN", err)
	}
	if _, _, err := f.svc.CreatePasswordReset(t.Context(), "dev_unknown"); code(err) != otp.CodeNotFound {
		t.Errorf("a reset token for an unknown developer: %v, want NOT_FOUND", err)
	}
	replaced, _, err := f.svc.CreatePasswordReset(t.Context(), ten.dev.ID)
	if err != nil {
		t.Fatal(err)
	}
	token, r, err := f.svc.CreatePasswordReset(t.Context(), ten.dev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if random := strings.TrimPrefix(token, "otpd_reset_"); len(random) < 32 { // 128 bits in hex
		t.Errorf("token %q carries %d hex digits, want at least 32", token, len(random))
	}
	if !r.ExpiresAt.Equal(f.clock.Now().Add(24 * time.Hour)) {
		t.Errorf("expires at %v, want in 24 h", r.ExpiresAt)
	}
	h := sha256.Sum256([]byte(token))
	stored, err := f.store.GetPasswordReset(t.Context(), h[:])
	if err != nil || stored.DeveloperID != ten.dev.ID {
		t.Errorf("the store holds %+v, %v under the token's SHA-256", stored, err)
	}

	const next = "a fresh passphrase here"
	if _, err := f.svc.ResetPassword(t.Context(), replaced, next); reason(err) != "invalid_reset_token" {
		t.Errorf("a replaced token: %v, want invalid_reset_token", err)
	}
	if _, err := f.svc.ResetPassword(t.Context(), token, "short"); reason(err) != "weak_password" {
		t.Errorf("a weak password: %v, want weak_password", err)
	}
	f.clock.Advance(time.Second)
	dev, err := f.svc.ResetPassword(t.Context(), token, next)
	if err != nil || dev.ID != ten.dev.ID {
		t.Fatalf("ResetPassword = %+v, %v", dev, err)
	}
	if _, err := f.svc.ResetPassword(t.Context(), token, "yet another passphrase"); reason(err) != "invalid_reset_token" {
		t.Errorf("the token used twice: %v, want invalid_reset_token", err)
	}
	if _, err := f.svc.AuthenticateSession(t.Context(), ten.token); code(err) != otp.CodeUnauthenticated {
		t.Errorf("a session from before the reset: %v, want UNAUTHENTICATED", err)
	}
	if _, _, _, err := f.svc.Login(t.Context(), "reset@example.com", next); err != nil {
		t.Errorf("the reset password: %v", err)
	}

	// An expired token.
	late, _, err := f.svc.CreatePasswordReset(t.Context(), ten.dev.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(otp.PasswordResetTTL)
	if _, err := f.svc.ResetPassword(t.Context(), late, next); reason(err) != "invalid_reset_token" {
		t.Errorf("an expired token: %v, want invalid_reset_token", err)
	}
	if _, err := f.svc.ResetPassword(t.Context(), "otpd_reset_guess", next); reason(err) != "invalid_reset_token" {
		t.Errorf("an unknown token: %v, want invalid_reset_token", err)
	}
}

func TestDeleteDeveloper(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ten := newTenant(t, f, "gone@example.com")
	if err := f.svc.DeleteDeveloper(ten.ctx, ten.dev.ID); code(err) != otp.CodeForbidden {
		t.Errorf("a developer deleting an account: %v, want FORBIDDEN", err)
	}
	if err := f.svc.DeleteDeveloper(t.Context(), ten.dev.ID); reason(err) != "developer_has_projects" {
		t.Errorf("deleting a developer who owns a project: %v, want developer_has_projects", err)
	}
	if err := f.svc.DeleteApplication(t.Context(), ten.app.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteProject(t.Context(), ten.app.ProjectID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteDeveloper(t.Context(), ten.dev.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateSession(t.Context(), ten.token); code(err) != otp.CodeUnauthenticated {
		t.Errorf("a deleted developer's session: %v, want UNAUTHENTICATED", err)
	}
	if _, _, _, err := f.svc.Login(t.Context(), "gone@example.com", devPassword); code(err) != otp.CodeUnauthenticated {
		t.Errorf("a deleted developer's sign-in: %v, want UNAUTHENTICATED", err)
	}
	if err := f.svc.DeleteDeveloper(t.Context(), ten.dev.ID); code(err) != otp.CodeNotFound {
		t.Errorf("deleting twice: %v, want NOT_FOUND", err)
	}
}
