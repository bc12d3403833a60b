package otp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// identities is an IdentityVerifier answering from a table of tokens.
type identities map[string]struct {
	id  otp.Identity
	err error
}

func (m identities) VerifyIDToken(_ context.Context, raw string) (otp.Identity, error) {
	a, ok := m[raw]
	if !ok {
		return otp.Identity{}, fmt.Errorf("%w: unknown test token", otp.ErrIDTokenInvalid)
	}
	return a.id, a.err
}

func newIdentityService(t *testing.T, v otp.IdentityVerifier) *otp.Service {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	svc, err := otp.NewService(otp.Config{Store: db, Limiter: ratelimit.NewMemory(clk.Now), Keys: keys, Clock: clk, Identities: v})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestLooksLikeIDToken(t *testing.T) {
	tests := []struct {
		token string
		want  bool
	}{
		{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_", true},
		{"a.b.c", true},
		{"otpd_session_0123abcd", false},
		{"otpd_live_api_0123", false},
		{"a.b", false},
		{"a.b.c.d", false},
		{"a..c", false},
		{"a.b.", false},
		{"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", false}, // alg none: no signature
		{"a.b+/.c", false}, // standard base64, not base64url
		{"a.b=.c", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := otp.LooksLikeIDToken(tt.token); got != tt.want {
			t.Errorf("LooksLikeIDToken(%q) = %v, want %v", tt.token, got, tt.want)
		}
	}
}

func TestAuthenticateIDToken(t *testing.T) {
	verified := otp.Identity{Issuer: "https://issuer.test", Subject: "s1", Email: "Ada@Example.COM", EmailVerified: true, Name: "Ada"}
	v := identities{
		"good":        {id: verified},
		"unverified":  {id: otp.Identity{Issuer: "https://issuer.test", Subject: "s2", Email: "eve@example.com"}},
		"no-email":    {id: otp.Identity{Issuer: "https://issuer.test", Subject: "s3", EmailVerified: true}},
		"phone-email": {id: otp.Identity{Issuer: "https://issuer.test", Subject: "s4", Email: "+14155552671", EmailVerified: true}},
		"expired":     {err: fmt.Errorf("%w: exp", otp.ErrIDTokenExpired)},
		"down":        {err: errors.New("discover: connection refused")},
	}
	tests := []struct {
		name, token string
		create      bool
		wantCode    string
		wantKey     string
	}{
		{"verified email, sign-up open", "good", true, "", ""},
		{"unverified email", "unverified", true, otp.CodeUnauthenticated, "email_not_verified"},
		{"no email", "no-email", true, otp.CodeUnauthenticated, "id_token_no_email"},
		{"a phone number as email", "phone-email", true, otp.CodeUnauthenticated, "id_token_no_email"},
		{"expired", "expired", true, otp.CodeUnauthenticated, "id_token_expired"},
		{"refused", "forged", true, otp.CodeUnauthenticated, "invalid_id_token"},
		{"issuer unreachable", "down", true, otp.CodeIdentityUnavailable, "identity_provider_unavailable"},
		{"too long", strings.Repeat("a", otp.MaxIDTokenLen+1), true, otp.CodeUnauthenticated, "id_token_too_long"},
	}
	svc := newIdentityService(t, v)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev, err := svc.AuthenticateIDToken(t.Context(), tt.token, tt.create)
			if got := code(err); got != tt.wantCode {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.wantCode, err)
			}
			if err != nil {
				if got := otp.ErrorOf(err).Key; got != tt.wantKey {
					t.Errorf("key = %q, want %q", got, tt.wantKey)
				}
				return
			}
			if dev.Email != "ada@example.com" || dev.Name != "Ada" || dev.PasswordHash != "" {
				t.Errorf("developer = %q %q hash %q, want ada@example.com, Ada, no password", dev.Email, dev.Name, dev.PasswordHash)
			}
		})
	}
}

func TestAuthenticateIDTokenWithoutIssuer(t *testing.T) {
	svc := newIdentityService(t, nil)
	if svc.AcceptsIDTokens() {
		t.Error("AcceptsIDTokens() = true without a verifier")
	}
	_, err := svc.AuthenticateIDToken(t.Context(), "a.b.c", true)
	if got := code(err); got != otp.CodeUnauthenticated {
		t.Errorf("code = %q, want %q", got, otp.CodeUnauthenticated)
	}
}

// TestDeveloperForIdentity: the token's email finds the account whatever
// its case; none is created when sign-up is closed; concurrent first uses
// make one account; an account without a password cannot sign in with one.
func TestDeveloperForIdentity(t *testing.T) {
	svc := newIdentityService(t, identities{})
	ctx := t.Context()
	existing, err := svc.CreateDeveloper(ctx, otp.DeveloperInput{Email: ptr("grace@example.com"), Password: ptr("correct horse battery")})
	if err != nil {
		t.Fatal(err)
	}
	id := func(email string) otp.Identity {
		return otp.Identity{Issuer: "https://issuer.test", Subject: email, Email: email, EmailVerified: true}
	}
	got, err := svc.DeveloperForIdentity(ctx, id("Grace@EXAMPLE.com"), false)
	if err != nil || got.ID != existing.ID {
		t.Fatalf("existing account: got %v, %v; want %s", got, err, existing.ID)
	}
	if _, err := svc.DeveloperForIdentity(ctx, id("new@example.com"), false); code(err) != otp.CodeForbidden || otp.ErrorOf(err).Key != "no_account" {
		t.Fatalf("sign-up closed: err = %v, want FORBIDDEN no_account", err)
	}
	if ds, _ := svc.ListDevelopers(ctx); len(ds) != 1 {
		t.Fatalf("developers after a refused first use = %d, want 1", len(ds))
	}

	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			d, err := svc.DeveloperForIdentity(ctx, id("new@example.com"), true)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = d.ID
		})
	}
	wg.Wait()
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("concurrent first uses made several accounts: %v", ids)
		}
	}
	if ds, _ := svc.ListDevelopers(ctx); len(ds) != 2 {
		t.Errorf("developers = %d, want 2", len(ds))
	}

	for _, pw := range []string{"", "anything at all", "not a password of anyone"} {
		_, _, _, err := svc.Login(ctx, "new@example.com", pw)
		if pw == "" {
			if code(err) != otp.CodeInvalidParameter {
				t.Errorf("login with an empty password: err = %v, want INVALID_PARAMETER", err)
			}
			continue
		}
		if code(err) != otp.CodeUnauthenticated {
			t.Errorf("login of a passwordless account with %q: err = %v, want UNAUTHENTICATED", pw, err)
		}
	}
}
