package otp

import (
	"context"
	"fmt"
)

// KeyKind tells which of an application's keys a request presented.
type KeyKind int

// Key kinds.
const (
	// KeyAPI is the secret API key: server-side, every API.
	KeyAPI KeyKind = iota + 1
	// KeyPublic is the public key: browser-safe, the session flow only.
	KeyPublic
)

// AuthenticateSessionFlow authenticates a call of the session flow, which a
// browser makes with the application's public key and a server with its
// API key: it finds the application of either, tells which was given,
// refuses disabled applications (and those of a suspended developer) and counts the request against the
// application's rate limit, as AuthenticateCall does. Every other API
// authenticates with AuthenticateCall, which knows no public key, so a
// public key can never do anything but the session flow. Errors:
// UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED.
func (s *Service) AuthenticateSessionFlow(ctx context.Context, c APICall) (*Application, KeyKind, Decision, error) {
	if c.Key == "" || len(c.Key) > 200 {
		a, d, err := s.AuthenticateCall(ctx, c)
		return a, KeyAPI, d, err
	}
	a, err := s.store.GetApplicationByPublicKey(ctx, c.Key)
	if isCode(err, CodeNotFound) {
		a, d, err := s.AuthenticateCall(ctx, c)
		return a, KeyAPI, d, err
	}
	if err != nil {
		return nil, 0, Decision{}, fmt.Errorf("authenticate public key: %w", err)
	}
	if err := s.usable(ctx, a); err != nil {
		return nil, 0, Decision{}, err
	}
	d, err := s.limiter.Allow(ctx, "api:"+a.ID, s.cfg.APIKeyRequests)
	if err != nil {
		return nil, 0, Decision{}, fmt.Errorf("authenticate: rate limiter: %w", err)
	}
	if !d.Allowed {
		return a, KeyPublic, d, s.refuse(rateLimited("api_rate_limited", "Too many requests for this API key", d.RetryAfter))
	}
	return a, KeyPublic, d, nil
}

// requireSecret refuses a call made with the public key where only the
// application's server may act.
func requireSecret(kind KeyKind) error {
	if kind == KeyAPI {
		return nil
	}
	return &Error{Code: CodeForbidden, Key: "secret_key_required",
		Message: "This call needs the application's secret API key, which only its server holds; the public key is for browsers"}
}
