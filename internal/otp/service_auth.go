package otp

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
)

// APICall is what an API request presents to be authenticated.
type APICall struct {
	// Key is the API key the request carries.
	Key string
	// RemoteIP is the caller's address, checked against a key's IP
	// allow-list; the zero address passes no allow-list.
	RemoteIP netip.Addr
	// ReadOnly says the call only reads (an HTTP GET or HEAD); keys of
	// scope read may make only such calls.
	ReadOnly bool
}

// Authenticate is AuthenticateCall for a call that may write, from an
// unknown address.
func (s *Service) Authenticate(ctx context.Context, apiKey string) (*Application, Decision, error) {
	return s.AuthenticateCall(ctx, APICall{Key: apiKey})
}

// AuthenticateCall finds the application of an API key, refuses disabled
// ones (by their owner or by the operator) and those of a suspended
// developer, and counts the request against the key's rate limit. The key is
// the application's own (full scope, any address; after a rotation with a
// grace period the previous one too until it ends) or one of its extra
// API keys: one whose allow-list does not hold c.RemoteIP is refused like
// an unknown key, and a read key may make only ReadOnly calls. Each key
// has its own rate-limit bucket. The Decision is returned whenever the key
// was valid, so callers can always set rate-limit headers. Errors:
// UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED.
func (s *Service) AuthenticateCall(ctx context.Context, c APICall) (*Application, Decision, error) {
	apiKey := c.Key
	if apiKey == "" {
		return nil, Decision{}, &Error{Code: CodeUnauthenticated, Key: "missing_credentials", Message: "An API key is required: send Authorization: Bearer <apiKey>"}
	}
	if len(apiKey) > 200 {
		return nil, Decision{}, invalidAPIKey()
	}
	h := hashSecret(apiKey)
	a, k, err := s.callerOfAPIKey(ctx, h)
	if isCode(err, CodeNotFound) {
		return nil, Decision{}, invalidAPIKey()
	}
	if err != nil {
		return nil, Decision{}, fmt.Errorf("authenticate: %w", err)
	}
	bucket := "api:" + a.ID
	if k == nil {
		if !bytes.Equal(a.APIKeyHash, h) && !s.clock.Now().Before(a.PrevAPIKeyUntil) {
			return nil, Decision{}, invalidAPIKey() // a rotated key past its grace period
		}
	} else {
		// From elsewhere, the key is as good as unknown: the caller
		// learns nothing about it, not even that the application is
		// disabled.
		if !k.Allows(c.RemoteIP) {
			return nil, Decision{}, invalidAPIKey()
		}
		bucket += ":" + k.ID
	}
	if err := s.usable(ctx, a); err != nil {
		return nil, Decision{}, err
	}
	if k != nil && k.Scope == ScopeRead && !c.ReadOnly {
		return nil, Decision{}, &Error{Code: CodeForbidden, Key: "read_only_key",
			Message: "This API key is read-only: it may only read (GET), not send, check, resend or cancel codes"}
	}
	d, err := s.limiter.Allow(ctx, bucket, s.cfg.APIKeyRequests)
	if err != nil {
		return nil, Decision{}, fmt.Errorf("authenticate: rate limiter: %w", err)
	}
	if !d.Allowed {
		return a, d, s.refuse(rateLimited("api_rate_limited", "Too many requests for this API key", d.RetryAfter))
	}
	return a, d, nil
}

// AuthenticateTriple checks the Cobinar-style triple of client id, client
// secret and API key: API key first, then that the client id belongs to
// the same application, then the client secret against its hash.
func (s *Service) AuthenticateTriple(ctx context.Context, clientID, clientSecret string, c APICall) (*Application, Decision, error) {
	a, d, err := s.AuthenticateCall(ctx, c)
	if a == nil || err != nil && !isCode(err, CodeRateLimited) {
		return a, d, err
	}
	prevOK := s.clock.Now().Before(a.PrevClientSecretUntil) && secretEqual(a.PrevClientSecretHash, clientSecret)
	if clientID != a.ClientID || !secretEqual(a.ClientSecretHash, clientSecret) && !prevOK {
		return nil, Decision{}, invalidAPIKey()
	}
	return a, d, err
}

func invalidAPIKey() *Error {
	return &Error{Code: CodeUnauthenticated, Key: "invalid_credentials", Message: "The API key is missing or invalid"}
}

// LimitConsole counts one authenticated console request against its
// principal's limit, the same rate as one API key's, so that a leaked or
// looping console token cannot flood the server either. The operator and
// each developer have their own bucket: one developer's flood does not
// lock out the operator or another developer. Errors: RATE_LIMITED.
func (s *Service) LimitConsole(ctx context.Context) (Decision, error) {
	bucket := "console:operator"
	if dev := principalOf(ctx).Developer; dev != nil {
		bucket = "console:" + dev.ID
	}
	d, err := s.limiter.Allow(ctx, bucket, s.cfg.APIKeyRequests)
	if err != nil {
		return Decision{}, fmt.Errorf("console rate limiter: %w", err)
	}
	if !d.Allowed {
		return d, s.refuse(rateLimited("console_rate_limited", "Too many console requests", d.RetryAfter))
	}
	return d, nil
}

// LimitConsoleAddress counts one console request, authenticated or not,
// against the limit of the client address it came from
// (Limits.ConsoleRequestsPerIP): checking a token costs a database read,
// so guesses and floods with made-up tokens are bounded too. Errors:
// RATE_LIMITED.
func (s *Service) LimitConsoleAddress(ctx context.Context, from netip.Addr) (Decision, error) {
	d, err := s.limiter.Allow(ctx, "console-ip:"+addressKey(from), s.cfg.ConsoleRequestsPerIP)
	if err != nil {
		return Decision{}, fmt.Errorf("console rate limiter: %w", err)
	}
	if !d.Allowed {
		return d, s.refuse(rateLimited("console_ip_rate_limited", "Too many console requests from this address", d.RetryAfter))
	}
	return d, nil
}

// LimitSignIn counts one sign-in or sign-up attempt from a client address
// (Limits.SignInsPerIP). Login limits guesses per account; this limits a
// caller who spreads them over many emails, each of which costs a
// password hash. The transports call it before Login and before creating
// an account by sign-up. Errors: RATE_LIMITED.
func (s *Service) LimitSignIn(ctx context.Context, from netip.Addr) error {
	d, err := s.limiter.Allow(ctx, "signin-ip:"+addressKey(from), s.cfg.SignInsPerIP)
	if err != nil {
		return fmt.Errorf("sign-in limit: %w", err)
	}
	if !d.Allowed {
		return s.refuse(rateLimited("too_many_signins_from_address", "Too many sign-in attempts from this address; try again later", d.RetryAfter))
	}
	return nil
}

// addressKey names a client address in a rate-limit key. IPv6 clients
// are counted by their /64, the block one subscriber usually holds, so
// that a caller cannot get a fresh bucket per address of its block. An
// unknown address (the zero Addr) is one bucket of its own.
func addressKey(ip netip.Addr) string {
	if !ip.IsValid() {
		return "unknown"
	}
	if ip.Is6() && !ip.Is4In6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
