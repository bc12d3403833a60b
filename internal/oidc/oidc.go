// Package oidc checks ID tokens of one OpenID Connect issuer (Firebase
// Authentication, Google, Auth0, Keycloak, ...) for console sign-in: an
// otp.IdentityVerifier over github.com/coreos/go-oidc. The issuer's
// discovery document names its key set (JWKS), which is fetched once and
// again only when a token is signed by none of the keys held.
package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/otpd/otpd/internal/otp"
)

// Config configures a Verifier.
type Config struct {
	// Issuer is the issuer's URL exactly as tokens carry it in "iss",
	// e.g. https://securetoken.google.com/<project-id> for Firebase.
	Issuer string
	// Audience is the "aud" tokens must carry: Firebase's project id,
	// another issuer's client id.
	Audience string
	// Client fetches the discovery document and the keys; its Timeout
	// bounds each fetch. Default: a client with a 10 s timeout.
	Client *http.Client
	// Now is the time tokens' expiry is checked against and fetches are
	// spaced by; default time.Now.
	Now func() time.Time
	// MinFetchInterval spaces two fetches of one URL of the issuer;
	// default 30 s. See fetch.go for why.
	MinFetchInterval time.Duration
	// Logger receives a line for every fetch that fails.
	Logger *slog.Logger
}

// Verifier checks ID tokens of one issuer; it implements
// otp.IdentityVerifier. It asks the issuer nothing until Discover or the
// first token, so otpd starts when the issuer is unreachable.
type Verifier struct {
	issuer   string
	audience string
	client   *http.Client
	now      func() time.Time

	log *slog.Logger

	mu    sync.Mutex
	ready *gooidc.IDTokenVerifier // nil until discovery succeeds
	// misconfigured is a discovery that named another issuer: kept, since
	// asking again cannot help, and logged once.
	misconfigured error
}

var _ otp.IdentityVerifier = (*Verifier)(nil)

// ErrIssuerMismatch is a discovery document naming another issuer than
// the configured one: a configuration mistake, not an outage.
var ErrIssuerMismatch = errors.New("the issuer's discovery document names another issuer")

// New checks c and returns a Verifier; it does not contact the issuer.
func New(c Config) (*Verifier, error) {
	if err := checkIssuer(c.Issuer); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.Audience) == "" {
		return nil, errors.New("the audience is required (Firebase: the project id)")
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MinFetchInterval == 0 {
		c.MinFetchInterval = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	next := c.Client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	client := *c.Client
	client.Transport = &spacedFetches{next: next, now: c.Now, interval: c.MinFetchInterval, log: c.Logger, last: map[string]*fetched{}}
	return &Verifier{issuer: c.Issuer, audience: c.Audience, client: &client, now: c.Now, log: c.Logger}, nil
}

// checkIssuer accepts an https URL, or an http one on a loopback host
// (development, tests): tokens and keys must not cross a network in clear.
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("the issuer %q is not an absolute URL without query, fragment or user name", issuer)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("the issuer %q must be an https URL (http only on a loopback host)", issuer)
}

// Discover fetches the issuer's discovery document, if it has not been
// fetched yet. An error wrapping ErrIssuerMismatch is a configuration
// mistake; any other means the issuer could not be asked, and the next
// call (or token) tries again.
func (v *Verifier) Discover(ctx context.Context) error {
	_, err := v.verifier(ctx)
	return err
}

// signingAlgorithms are the asymmetric algorithms go-oidc can check; a
// symmetric one (HS256) would make the audience's secret a signing key.
var signingAlgorithms = map[string]bool{
	gooidc.RS256: true, gooidc.RS384: true, gooidc.RS512: true,
	gooidc.ES256: true, gooidc.ES384: true, gooidc.ES512: true,
	gooidc.PS256: true, gooidc.PS384: true, gooidc.PS512: true,
	gooidc.EdDSA: true,
}

func (v *Verifier) verifier(ctx context.Context) (*gooidc.IDTokenVerifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ready != nil {
		return v.ready, nil
	}
	if v.misconfigured != nil {
		return nil, v.misconfigured
	}
	p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, v.client), v.issuer)
	if err != nil {
		var mismatch *gooidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			v.misconfigured = fmt.Errorf("%w: %v", ErrIssuerMismatch, err)
			v.log.Error("OpenID Connect issuer misconfigured; ID tokens are refused with 503 until otpd is restarted with the right OTPD_OIDC_ISSUER",
				"issuer", v.issuer, "discovered", mismatch.Discovered)
			return nil, v.misconfigured
		}
		return nil, fmt.Errorf("discover %s: %w", v.issuer, err)
	}
	var meta struct {
		JWKSURL    string   `json:"jwks_uri"`
		Algorithms []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := p.Claims(&meta); err != nil || meta.JWKSURL == "" {
		return nil, fmt.Errorf("discover %s: the discovery document names no jwks_uri", v.issuer)
	}
	var algs []string
	for _, a := range meta.Algorithms {
		if signingAlgorithms[a] {
			algs = append(algs, a)
		}
	}
	v.ready = gooidc.NewVerifier(v.issuer, &keySet{url: meta.JWKSURL, client: v.client}, &gooidc.Config{
		ClientID: v.audience, SupportedSigningAlgs: algs, Now: v.now,
	})
	return v.ready, nil
}

// claims are the claims of an ID token otpd reads beyond the standard ones.
type claims struct {
	Email         string       `json:"email"`
	EmailVerified flexibleBool `json:"email_verified"`
	Name          string       `json:"name"`
}

// flexibleBool reads a JSON boolean, or the strings "true" and "false"
// that some issuers (AWS Cognito) send instead.
type flexibleBool bool

var _ json.Unmarshaler = (*flexibleBool)(nil)

func (b *flexibleBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return fmt.Errorf("email_verified is %s, not a boolean", data)
	}
	return nil
}

// VerifyIDToken checks raw's signature, issuer, audience and expiry and
// returns the identity it asserts. Refused tokens give errors matching
// otp.ErrIDTokenExpired or otp.ErrIDTokenInvalid; other errors mean the
// issuer's discovery document or keys could not be fetched.
func (v *Verifier) VerifyIDToken(ctx context.Context, raw string) (otp.Identity, error) {
	ver, err := v.verifier(ctx)
	if err != nil {
		return otp.Identity{}, err
	}
	var failure fetchFailure
	tok, err := ver.Verify(context.WithValue(ctx, fetchFailureKey{}, &failure), raw)
	if err != nil {
		if failure.err != nil {
			return otp.Identity{}, failure.err
		}
		var expired *gooidc.TokenExpiredError
		if errors.As(err, &expired) {
			return otp.Identity{}, fmt.Errorf("%w: %v", otp.ErrIDTokenExpired, err)
		}
		return otp.Identity{}, fmt.Errorf("%w: %v", otp.ErrIDTokenInvalid, err)
	}
	if tok.Subject == "" {
		return otp.Identity{}, fmt.Errorf("%w: no subject", otp.ErrIDTokenInvalid)
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return otp.Identity{}, fmt.Errorf("%w: claims: %v", otp.ErrIDTokenInvalid, err)
	}
	return otp.Identity{Issuer: tok.Issuer, Subject: tok.Subject, Email: c.Email, EmailVerified: bool(c.EmailVerified), Name: c.Name, IssuedAt: tok.IssuedAt}, nil
}
