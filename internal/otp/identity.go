package otp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// CodeIdentityUnavailable is the operator's OpenID Connect issuer that
// could not be asked about an ID token: no verdict, try again.
const CodeIdentityUnavailable = "IDENTITY_PROVIDER_UNAVAILABLE"

// Identity is what an ID token of the operator's OpenID Connect issuer
// asserts about the person who presents it.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string // the token's name claim, if any
	// IssuedAt is the token's iat, to the second: a token issued before
	// the developer's sessions were revoked is refused.
	IssuedAt time.Time
}

// IdentityVerifier checks ID tokens of the one issuer the operator
// configured (OTPD_OIDC_ISSUER).
type IdentityVerifier interface {
	// VerifyIDToken checks raw's signature against the issuer's keys and
	// its issuer, audience and expiry, and returns the identity it
	// asserts. A token it refuses gives an error matching
	// ErrIDTokenExpired or ErrIDTokenInvalid; any other error means there
	// is no verdict: the issuer or its keys could not be fetched.
	VerifyIDToken(ctx context.Context, raw string) (Identity, error)
}

// Verdicts of an IdentityVerifier on a token it refuses.
var (
	ErrIDTokenExpired = errors.New("ID token expired")
	ErrIDTokenInvalid = errors.New("ID token invalid")
)

// MaxIDTokenLen bounds an ID token. Firebase's are about 1 KB (custom
// claims are capped at 1,000 bytes); 16 KiB leaves room for issuers that
// put more in, and bounds what is parsed before the signature is checked.
const MaxIDTokenLen = 16 << 10

// LooksLikeIDToken reports whether token has the shape of a signed JWT:
// three non-empty base64url parts joined by dots. Only such tokens are
// worth sending to the issuer's keys.
func LooksLikeIDToken(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// AcceptsIDTokens reports whether the operator configured an OpenID
// Connect issuer whose ID tokens sign developers in.
func (s *Service) AcceptsIDTokens() bool { return s.identities != nil }

// AuthenticateIDToken returns the developer an ID token of the operator's
// issuer belongs to: the one whose email is the token's verified email.
// With createIfMissing (sign-up is open) a developer is created on first
// use; without it an unknown email is refused with FORBIDDEN.
func (s *Service) AuthenticateIDToken(ctx context.Context, raw string, createIfMissing bool) (*Developer, error) {
	if s.identities == nil {
		return nil, &Error{Code: CodeUnauthenticated, Key: "id_tokens_not_accepted",
			Message: "This server accepts no ID tokens: its operator has configured no OpenID Connect issuer"}
	}
	if len(raw) > MaxIDTokenLen {
		return nil, &Error{Code: CodeUnauthenticated, Key: "id_token_too_long",
			Message: fmt.Sprintf("The ID token is longer than %d bytes", MaxIDTokenLen)}
	}
	id, err := s.identities.VerifyIDToken(ctx, raw)
	switch {
	case errors.Is(err, ErrIDTokenExpired):
		return nil, &Error{Code: CodeUnauthenticated, Key: "id_token_expired",
			Message: "The ID token has expired: get a fresh one from your identity provider"}
	case errors.Is(err, ErrIDTokenInvalid):
		return nil, &Error{Code: CodeUnauthenticated, Key: "invalid_id_token",
			Message: "The ID token is not valid here: its signature, issuer or audience is wrong"}
	case err != nil:
		return nil, fmt.Errorf("verify ID token: %v: %w", err, &Error{Code: CodeIdentityUnavailable, Key: "identity_provider_unavailable",
			Message: "The identity provider's keys could not be fetched; try again shortly"})
	}
	dev, err := s.DeveloperForIdentity(ctx, id, createIfMissing)
	if err != nil {
		return nil, err
	}
	if err := checkDeveloperAccess(dev, id.IssuedAt, time.Second); err != nil {
		return nil, err
	}
	return dev, nil
}

// DeveloperForIdentity returns the developer whose email is id's email,
// which must be verified by the issuer. Emails are compared lower-cased,
// as developers' are stored. None and createIfMissing: a developer is
// created with no password, so it signs in with ID tokens only.
func (s *Service) DeveloperForIdentity(ctx context.Context, id Identity, createIfMissing bool) (*Developer, error) {
	if id.Email == "" {
		return nil, &Error{Code: CodeUnauthenticated, Key: "id_token_no_email",
			Message: "The ID token carries no email address, which is what a developer account is found by"}
	}
	d, err := ParseDestination(id.Email, "email")
	if err != nil || d.IsPhone {
		return nil, &Error{Code: CodeUnauthenticated, Key: "id_token_no_email",
			Message: "The ID token carries no email address, which is what a developer account is found by"}
	}
	if !id.EmailVerified {
		return nil, &Error{Code: CodeUnauthenticated, Key: "email_not_verified",
			Message: "The ID token's email address is not verified by the identity provider: verify it there first"}
	}
	dev, err := s.store.GetDeveloperByEmail(ctx, d.Value)
	if err == nil {
		return dev, nil
	}
	if !isCode(err, CodeNotFound) {
		return nil, fmt.Errorf("developer by email: %w", err)
	}
	if !createIfMissing {
		return nil, &Error{Code: CodeForbidden, Key: "no_account",
			Message: "No developer account has this email address and sign-up is closed: ask the operator for an account or an invitation"}
	}
	now := s.clock.Now()
	dev = &Developer{ID: NewID("dev"), Email: d.Value, Plan: DefaultPlan, Status: DeveloperActive, CreatedAt: now, UpdatedAt: now}
	if name := strings.TrimSpace(id.Name); utf8.RuneCountInString(name) <= maxNameLen {
		dev.Name = name
	}
	err = s.store.CreateDeveloper(ctx, dev)
	if isCode(err, CodeConflict) {
		// A concurrent first request with the same email created it.
		dev, err = s.store.GetDeveloperByEmail(ctx, d.Value)
	}
	if err != nil {
		return nil, fmt.Errorf("create developer for identity: %w", err)
	}
	return dev, nil
}
