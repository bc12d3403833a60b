package oidc_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/oidc"
	"github.com/otpd/otpd/internal/oidc/oidctest"
	"github.com/otpd/otpd/internal/otp"
)

// clock is a settable clock for expiry and the spacing of fetches.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var start = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newVerifier(t *testing.T, iss *oidctest.Issuer) (*oidc.Verifier, *clock) {
	t.Helper()
	clk := &clock{t: start}
	v, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.ProjectID, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return v, clk
}

func TestVerifyIDTokenAcceptsFirebaseToken(t *testing.T) {
	iss := oidctest.New(t)
	v, _ := newVerifier(t, iss)
	claims := iss.Claims("Ada@Example.com", start.Add(-time.Minute))
	claims["name"] = "Ada Lovelace"
	got, err := v.VerifyIDToken(t.Context(), iss.Token(claims))
	if err != nil {
		t.Fatal(err)
	}
	want := otp.Identity{Issuer: iss.URL, Subject: "uid-Ada@Example.com", Email: "Ada@Example.com", EmailVerified: true, Name: "Ada Lovelace",
		IssuedAt: start.Add(-time.Minute)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
}

func TestVerifyIDTokenEmailVerified(t *testing.T) {
	iss := oidctest.New(t)
	v, _ := newVerifier(t, iss)
	tests := []struct {
		name  string
		value any // nil: claim absent
		want  bool
	}{
		{"boolean true", true, true},
		{"boolean false", false, false},
		{"string true (Cognito)", "true", true},
		{"string false", "false", false},
		{"absent", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := iss.Claims("ada@example.com", start)
			delete(c, "email_verified")
			if tt.value != nil {
				c["email_verified"] = tt.value
			}
			id, err := v.VerifyIDToken(t.Context(), iss.Token(c))
			if err != nil {
				t.Fatal(err)
			}
			if id.EmailVerified != tt.want {
				t.Errorf("EmailVerified = %v, want %v", id.EmailVerified, tt.want)
			}
		})
	}
}

func TestVerifyIDTokenRefuses(t *testing.T) {
	iss := oidctest.New(t)
	v, _ := newVerifier(t, iss)
	claims := func(change func(c map[string]any)) map[string]any {
		c := iss.Claims("ada@example.com", start.Add(-time.Minute))
		change(c)
		return c
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"wrong audience", iss.Token(claims(func(c map[string]any) { c["aud"] = "another-project" })), otp.ErrIDTokenInvalid},
		{"wrong issuer", iss.Token(claims(func(c map[string]any) { c["iss"] = "https://securetoken.google.com/" + oidctest.ProjectID })), otp.ErrIDTokenInvalid},
		{"expired", iss.Token(claims(func(c map[string]any) { c["exp"] = start.Add(-time.Second).Unix() })), otp.ErrIDTokenExpired},
		{"not yet valid", iss.Token(claims(func(c map[string]any) { c["nbf"] = start.Add(time.Hour).Unix() })), otp.ErrIDTokenInvalid},
		{"no subject", iss.Token(claims(func(c map[string]any) { delete(c, "sub") })), otp.ErrIDTokenInvalid},
		{"bad signature", iss.ForgedToken(claims(func(map[string]any) {})), otp.ErrIDTokenInvalid},
		{"unknown kid", iss.UnknownKeyToken(claims(func(map[string]any) {})), otp.ErrIDTokenInvalid},
		{"HS256 under the audience", iss.SymmetricToken(claims(func(map[string]any) {})), otp.ErrIDTokenInvalid},
		{"not a JWT", "abc.def.ghi", otp.ErrIDTokenInvalid},
		{"email_verified not a boolean", iss.Token(claims(func(c map[string]any) { c["email_verified"] = 1 })), otp.ErrIDTokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.VerifyIDToken(t.Context(), tt.token)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestKeysFetchedOnce: the discovery document and the key set are asked
// for once, however many tokens are checked.
func TestKeysFetchedOnce(t *testing.T) {
	iss := oidctest.New(t)
	v, _ := newVerifier(t, iss)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := v.VerifyIDToken(t.Context(), iss.Token(iss.Claims("dev"+string(rune('a'+i))+"@example.com", start))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := iss.DiscoveryRequests(); got != 1 {
		t.Errorf("discovery requests = %d, want 1", got)
	}
	if got := iss.JWKSRequests(); got != 1 {
		t.Errorf("JWKS requests = %d, want 1", got)
	}
}

// TestKeyRotation: a token signed by a key published after the keys were
// fetched is accepted once the fetch interval has passed, and the old
// key's tokens still are.
func TestKeyRotation(t *testing.T) {
	iss := oidctest.New(t)
	v, clk := newVerifier(t, iss)
	old := iss.Token(iss.Claims("ada@example.com", start))
	if _, err := v.VerifyIDToken(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	iss.Rotate()
	clk.Advance(30 * time.Second)
	fresh := iss.Token(iss.Claims("ada@example.com", clk.Now()))
	if _, err := v.VerifyIDToken(t.Context(), fresh); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := v.VerifyIDToken(t.Context(), old); err != nil {
		t.Fatalf("token of the old key after rotation: %v", err)
	}
	if got := iss.JWKSRequests(); got != 2 {
		t.Errorf("JWKS requests = %d, want 2 (first use, new kid)", got)
	}
}

// TestUnknownKeysFetchSpaced: tokens naming unknown keys make otpd ask
// the issuer at most once per interval, whatever their number.
func TestUnknownKeysFetchSpaced(t *testing.T) {
	iss := oidctest.New(t)
	v, clk := newVerifier(t, iss)
	if _, err := v.VerifyIDToken(t.Context(), iss.Token(iss.Claims("ada@example.com", start))); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if _, err := v.VerifyIDToken(t.Context(), iss.UnknownKeyToken(iss.Claims("eve@example.com", start))); !errors.Is(err, otp.ErrIDTokenInvalid) {
			t.Fatalf("err = %v, want ErrIDTokenInvalid", err)
		}
		if _, err := v.VerifyIDToken(t.Context(), iss.ForgedToken(iss.Claims("eve@example.com", start))); !errors.Is(err, otp.ErrIDTokenInvalid) {
			t.Fatalf("err = %v, want ErrIDTokenInvalid", err)
		}
	}
	if got := iss.JWKSRequests(); got != 1 {
		t.Errorf("JWKS requests within the interval = %d, want 1", got)
	}
	// A rotation inside the interval is seen once it is over.
	iss.Rotate()
	fresh := iss.Token(iss.Claims("ada@example.com", start))
	if _, err := v.VerifyIDToken(t.Context(), fresh); !errors.Is(err, otp.ErrIDTokenInvalid) {
		t.Fatalf("new key within the interval: err = %v, want ErrIDTokenInvalid", err)
	}
	clk.Advance(30 * time.Second)
	if _, err := v.VerifyIDToken(t.Context(), fresh); err != nil {
		t.Fatalf("new key after the interval: %v", err)
	}
	if got := iss.JWKSRequests(); got != 2 {
		t.Errorf("JWKS requests = %d, want 2", got)
	}
}

// TestIssuerDown: while the issuer cannot be reached there is no verdict
// (neither invalid nor expired), it is asked again only after the
// interval, and tokens are accepted once it is back.
func TestIssuerDown(t *testing.T) {
	iss := oidctest.New(t)
	v, clk := newVerifier(t, iss)
	iss.SetDown(true)
	token := iss.Token(iss.Claims("ada@example.com", start))
	for range 3 {
		_, err := v.VerifyIDToken(t.Context(), token)
		if err == nil || errors.Is(err, otp.ErrIDTokenInvalid) || errors.Is(err, otp.ErrIDTokenExpired) {
			t.Fatalf("err = %v, want no verdict", err)
		}
	}
	if got := iss.DiscoveryRequests(); got != 1 {
		t.Errorf("discovery requests while down = %d, want 1", got)
	}
	iss.SetDown(false)
	clk.Advance(30 * time.Second)
	if _, err := v.VerifyIDToken(t.Context(), token); err != nil {
		t.Fatalf("after the issuer is back: %v", err)
	}
}

// TestKeySetDown: discovery worked but the keys cannot be fetched: no
// verdict, not a refused token.
func TestKeySetDown(t *testing.T) {
	iss := oidctest.New(t)
	v, clk := newVerifier(t, iss)
	if err := v.Discover(t.Context()); err != nil {
		t.Fatal(err)
	}
	iss.SetDown(true)
	token := iss.Token(iss.Claims("ada@example.com", start))
	_, err := v.VerifyIDToken(t.Context(), token)
	if err == nil || errors.Is(err, otp.ErrIDTokenInvalid) || errors.Is(err, otp.ErrIDTokenExpired) {
		t.Fatalf("err = %v, want no verdict", err)
	}
	iss.SetDown(false)
	clk.Advance(30 * time.Second)
	if _, err := v.VerifyIDToken(t.Context(), token); err != nil {
		t.Fatalf("after the keys are back: %v", err)
	}
}

func TestDiscoverIssuerMismatch(t *testing.T) {
	iss := oidctest.New(t)
	iss.NameIssuer("https://securetoken.google.com/another-project")
	v, clk := newVerifier(t, iss)
	if err := v.Discover(t.Context()); !errors.Is(err, oidc.ErrIssuerMismatch) {
		t.Errorf("err = %v, want ErrIssuerMismatch", err)
	}
	// A configuration mistake is kept: tokens get no verdict, and the
	// issuer is not asked again.
	clk.Advance(time.Hour)
	_, err := v.VerifyIDToken(t.Context(), iss.Token(iss.Claims("ada@example.com", clk.Now())))
	if !errors.Is(err, oidc.ErrIssuerMismatch) || errors.Is(err, otp.ErrIDTokenInvalid) {
		t.Errorf("token after a mismatch: err = %v, want ErrIssuerMismatch", err)
	}
	if got := iss.DiscoveryRequests(); got != 1 {
		t.Errorf("discovery requests = %d, want 1", got)
	}
}

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name, issuer, audience string
		ok                     bool
	}{
		{"firebase", "https://securetoken.google.com/my-project", "my-project", true},
		{"http on loopback", "http://127.0.0.1:5556/dex", "otpd", true},
		{"http on localhost", "http://localhost:8080/realms/otpd", "otpd", true},
		{"http elsewhere", "http://issuer.example.com", "otpd", false},
		{"relative", "securetoken.google.com/my-project", "my-project", false},
		{"query", "https://issuer.example.com/?tenant=1", "otpd", false},
		{"user name", "https://user@issuer.example.com", "otpd", false},
		{"no audience", "https://securetoken.google.com/my-project", " ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oidc.New(oidc.Config{Issuer: tt.issuer, Audience: tt.audience})
			if got := err == nil; got != tt.ok {
				t.Errorf("New(%q, %q) err = %v, want ok %v", tt.issuer, tt.audience, err, tt.ok)
			}
		})
	}
}
