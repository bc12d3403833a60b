package api_test

import (
	"bytes"
	"crypto/sha256"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/oidc"
	"github.com/otpd/otpd/internal/oidc/oidctest"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/postgres"
	"github.com/otpd/otpd/internal/postgres/pgtest"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// idTokenOptions configure an otpd whose console accepts ID tokens.
type idTokenOptions struct {
	openSignup bool
	noIssuer   bool // OIDC not configured
}

// newIDTokenHarness starts otpd on engine with a local issuer (shaped like
// Firebase's) configured as OTPD_OIDC_ISSUER / OTPD_OIDC_AUDIENCE would.
func newIDTokenHarness(t *testing.T, engine string, o idTokenOptions) (*harness, *oidctest.Issuer) {
	t.Helper()
	var (
		store otp.Store
		err   error
	)
	if engine == "postgres" {
		store, err = postgres.Open(t.Context(), pgtest.NewSchema(t))
	} else {
		store, err = sqlite.Open(t.Context(), sqlitetest.Path(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	iss := oidctest.New(t)
	cfg := otp.Config{Store: store, Limiter: ratelimit.NewMemory(clk.Now), Keys: keys, Clock: clk}
	if !o.noIssuer {
		v, err := oidc.New(oidc.Config{Issuer: iss.URL, Audience: oidctest.ProjectID, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Identities = v
	}
	svc, err := otp.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(api.Config{Service: svc, AdminTokenHash: sha256.Sum256([]byte(adminToken)), Version: "test", OpenSignup: o.openSignup})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &harness{t: t, url: srv.URL, handler: h, svc: svc, clock: clk, sender: &sentMessages{}}, iss
}

// TestIDTokenSignIn: a Firebase ID token reaches the console as the
// developer whose email it carries (compared lower-cased), who then sees
// only their own projects, on every console route kind; the issuer's keys
// are fetched once for all of it.
func TestIDTokenSignIn(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h, iss := newIDTokenHarness(t, engine, idTokenOptions{})
		ada := h.mustStatus(h.do("POST", "/v1/developers", adminToken, map[string]any{"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"}), 201).data()
		h.mustStatus(h.do("POST", "/v1/developers", adminToken, map[string]any{"email": "bob@example.com", "password": "correct horse battery"}), 201)
		adaToken := iss.Token(iss.Claims("Ada@Example.COM", h.clock.Now()))
		bobToken := iss.Token(iss.Claims("bob@example.com", h.clock.Now()))

		me := h.mustStatus(h.do("GET", "/v1/developer/me", adaToken, nil), 200).data()
		if me["id"] != ada["id"] || me["email"] != "ada@example.com" || me["name"] != "Ada" {
			t.Errorf("GET /v1/developer/me = %v, want Ada's account %v", me, ada["id"])
		}
		h.mustStatus(h.do("PATCH", "/v1/developer/me", adaToken, map[string]any{"company": "Analytical Engines"}), 200)

		project := h.mustStatus(h.do("POST", "/v1/projects", adaToken, map[string]any{"name": "Ada's"}), 201).data()["id"].(string)
		app := h.mustStatus(h.do("POST", "/v1/applications", adaToken, map[string]any{"name": "web", "projectId": project, "environment": "test"}), 201).data()["id"].(string)
		// A route that takes the console token or an API key.
		h.mustStatus(h.do("GET", "/v1/users?appId="+app, adaToken, nil), 200)

		h.mustStatus(h.do("GET", "/v1/projects/"+project, bobToken, nil), 404)
		h.mustStatus(h.do("GET", "/v1/users?appId="+app, bobToken, nil), 404)
		if l := h.mustStatus(h.do("GET", "/v1/projects", bobToken, nil), 200).list(); len(l) != 0 {
			t.Errorf("Bob sees %d projects, want none", len(l))
		}
		r := h.mustStatus(h.do("GET", "/v1/developers", adaToken, nil), 403)
		if r.errCode() != "FORBIDDEN" {
			t.Errorf("a developer's ID token listing accounts: code %q, want FORBIDDEN", r.errCode())
		}

		r = h.mustStatus(h.do("POST", "/v1/auth/logout", adaToken, nil), 403)
		if r.errCode() != "FORBIDDEN" || !strings.Contains(r.errMessage(), "identity provider") {
			t.Errorf("logout with an ID token: %s", r.raw)
		}
		if got := iss.DiscoveryRequests(); got != 1 {
			t.Errorf("discovery requests = %d, want 1", got)
		}
		if got := iss.JWKSRequests(); got != 1 {
			t.Errorf("JWKS requests = %d, want 1 for all these requests", got)
		}
	})
}

// TestIDTokenRefused: every token that is not a good one of the issuer is
// 401 UNAUTHENTICATED with a message that says what is wrong, in English
// and Russian.
func TestIDTokenRefused(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h, iss := newIDTokenHarness(t, engine, idTokenOptions{openSignup: true})
		now := h.clock.Now()
		claims := func(change func(c map[string]any)) map[string]any {
			c := iss.Claims("ada@example.com", now.Add(-time.Minute))
			change(c)
			return c
		}
		keep := func(map[string]any) {}
		tests := []struct {
			name, token string
			message     string // in the English message
			russian     string // in the Russian message
		}{
			{"wrong audience", iss.Token(claims(func(c map[string]any) { c["aud"] = "another-project" })), "not valid here", "недействителен"},
			{"wrong issuer", iss.Token(claims(func(c map[string]any) { c["iss"] = "https://securetoken.google.com/another-project" })), "not valid here", "недействителен"},
			{"expired", iss.Token(claims(func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() })), "expired", "истёк"},
			{"bad signature", iss.ForgedToken(claims(keep)), "not valid here", "недействителен"},
			{"unknown kid", iss.UnknownKeyToken(claims(keep)), "not valid here", "недействителен"},
			{"HS256 under the audience", iss.SymmetricToken(claims(keep)), "not valid here", "недействителен"},
			{"email not verified", iss.Token(claims(func(c map[string]any) { c["email_verified"] = false })), "not verified", "не подтверждён"},
			{"email_verified missing", iss.Token(claims(func(c map[string]any) { delete(c, "email_verified") })), "not verified", "не подтверждён"},
			{"no email", iss.Token(claims(func(c map[string]any) { delete(c, "email") })), "no email", "нет адреса"},
			{"too long", iss.Token(claims(func(c map[string]any) { c["padding"] = strings.Repeat("x", otp.MaxIDTokenLen) })), "longer than", "слишком длинный"},
			{"not a JWT", "otpd_nothing_at_all", "valid console token", "действующий токен консоли"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := h.mustStatus(h.do("GET", "/v1/developer/me", tt.token, nil), 401)
				if r.errCode() != "UNAUTHENTICATED" || !strings.Contains(r.errMessage(), tt.message) {
					t.Errorf("answer %s, want UNAUTHENTICATED with %q", r.raw, tt.message)
				}
				ru := h.mustStatus(h.do("GET", "/v1/developer/me", tt.token, nil, "Accept-Language", "ru"), 401)
				if !strings.Contains(ru.errMessage(), tt.russian) {
					t.Errorf("Russian message %q, want it to contain %q", ru.errMessage(), tt.russian)
				}
			})
		}
		if l := h.mustStatus(h.do("GET", "/v1/developers", adminToken, nil), 200).list(); len(l) != 0 {
			t.Errorf("refused tokens created %d developers, want none", len(l))
		}
	})
}

// TestIDTokenFirstUse: an unknown verified email gets an account when
// sign-up is open, one without a password; closed, it is refused with 403.
func TestIDTokenFirstUse(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		t.Run("sign-up open", func(t *testing.T) {
			h, iss := newIDTokenHarness(t, engine, idTokenOptions{openSignup: true})
			c := iss.Claims("New.Dev@Example.com", h.clock.Now())
			c["name"] = "New Dev"
			token := iss.Token(c)
			me := h.mustStatus(h.do("GET", "/v1/developer/me", token, nil), 200).data()
			if me["email"] != "new.dev@example.com" || me["name"] != "New Dev" {
				t.Errorf("created developer %v, want new.dev@example.com named New Dev", me)
			}
			again := h.mustStatus(h.do("GET", "/v1/developer/me", token, nil), 200).data()
			if again["id"] != me["id"] {
				t.Errorf("second use is developer %v, want the same %v", again["id"], me["id"])
			}
			if l := h.mustStatus(h.do("GET", "/v1/developers", adminToken, nil), 200).list(); len(l) != 1 {
				t.Errorf("developers = %d, want 1", len(l))
			}
			// The account has no password: no password signs in, and the
			// answer is the one of a wrong password.
			r := h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "new.dev@example.com", "password": "any password at all"}), 401)
			if r.errCode() != "UNAUTHENTICATED" {
				t.Errorf("password login of an ID-token account: %s", r.raw)
			}
		})
		t.Run("sign-up closed", func(t *testing.T) {
			h, iss := newIDTokenHarness(t, engine, idTokenOptions{})
			token := iss.Token(iss.Claims("stranger@example.com", h.clock.Now()))
			r := h.mustStatus(h.do("GET", "/v1/developer/me", token, nil), 403)
			if r.errCode() != "FORBIDDEN" || !strings.Contains(r.errMessage(), "sign-up is closed") {
				t.Errorf("answer %s, want FORBIDDEN saying sign-up is closed", r.raw)
			}
			ru := h.mustStatus(h.do("GET", "/v1/developer/me", token, nil, "Accept-Language", "ru"), 403)
			if !strings.Contains(ru.errMessage(), "регистрация закрыта") {
				t.Errorf("Russian message %q", ru.errMessage())
			}
			if l := h.mustStatus(h.do("GET", "/v1/developers", adminToken, nil), 200).list(); len(l) != 0 {
				t.Errorf("developers = %d, want none", len(l))
			}
		})
	})
}

// TestIDTokenKeyRotation: after the issuer starts signing with a new key,
// its tokens are accepted (once the fetch interval has passed), the old
// key's still are, and the keys were fetched twice in all.
func TestIDTokenKeyRotation(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h, iss := newIDTokenHarness(t, engine, idTokenOptions{openSignup: true})
		old := iss.Token(iss.Claims("ada@example.com", h.clock.Now()))
		for range 5 {
			h.mustStatus(h.do("GET", "/v1/developer/me", old, nil), 200)
		}
		iss.Rotate()
		h.clock.Advance(time.Minute)
		fresh := iss.Token(iss.Claims("ada@example.com", h.clock.Now()))
		for range 5 {
			h.mustStatus(h.do("GET", "/v1/developer/me", fresh, nil), 200)
			h.mustStatus(h.do("GET", "/v1/developer/me", old, nil), 200)
		}
		if got := iss.JWKSRequests(); got != 2 {
			t.Errorf("JWKS requests = %d, want 2 (first use, the new kid)", got)
		}
	})
}

// TestIDTokenIssuerUnreachable: while the issuer cannot be reached an ID
// token gets 503 IDENTITY_PROVIDER_UNAVAILABLE (try again), not 401; the
// other console tokens keep working; once it is back tokens are accepted.
func TestIDTokenIssuerUnreachable(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h, iss := newIDTokenHarness(t, engine, idTokenOptions{openSignup: true})
		iss.SetDown(true)
		token := iss.Token(iss.Claims("ada@example.com", h.clock.Now()))
		r := h.mustStatus(h.do("GET", "/v1/developer/me", token, nil), 503)
		if r.errCode() != "IDENTITY_PROVIDER_UNAVAILABLE" || r.errMessage() == "" {
			t.Errorf("answer %s, want IDENTITY_PROVIDER_UNAVAILABLE", r.raw)
		}
		h.mustStatus(h.do("GET", "/v1/projects", adminToken, nil), 200)
		iss.SetDown(false)
		h.clock.Advance(time.Minute)
		h.mustStatus(h.do("GET", "/v1/developer/me", token, nil), 200)
	})
}

// TestIDTokenNotConfigured: without OTPD_OIDC_ISSUER a JWT is just an
// unknown console token, and no issuer is asked.
func TestIDTokenNotConfigured(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h, iss := newIDTokenHarness(t, engine, idTokenOptions{noIssuer: true, openSignup: true})
		token := iss.Token(iss.Claims("ada@example.com", h.clock.Now()))
		r := h.mustStatus(h.do("GET", "/v1/developer/me", token, nil), 401)
		if r.errCode() != "UNAUTHENTICATED" || !strings.Contains(r.errMessage(), "valid console token") {
			t.Errorf("answer %s, want the unknown console token's", r.raw)
		}
		// Where an API key is taken too, it is an unknown API key.
		r = h.mustStatus(h.do("GET", "/v1/users?appId=app_x", token, nil), 401)
		if r.errCode() != "UNAUTHENTICATED" || !strings.Contains(r.errMessage(), "API key") {
			t.Errorf("GET /v1/users: answer %s, want the unknown API key's", r.raw)
		}
		if got := iss.DiscoveryRequests() + iss.JWKSRequests(); got != 0 {
			t.Errorf("issuer asked %d times, want never", got)
		}
	})
}
