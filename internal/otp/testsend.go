package otp

import (
	"context"
	"fmt"
)

// TestSend sends a verification for one of the caller's applications from
// the console, which does not hold the application's API key (it is shown
// once). The verification is made exactly as with the key: the same
// validation, destination limits, quotas, credits and durable outbox, and
// the request counts against the application's API key rate limit too, so
// the console is no way around it. Errors: NOT_FOUND (unknown or another
// tenant's application), FORBIDDEN (disabled by its owner or the operator, or its owner suspended), RATE_LIMITED, and those of
// CreateVerification. The project's CAPTCHA is not asked for: the console's
// caller has signed in.
func (s *Service) TestSend(ctx context.Context, appID string, req CreateRequest) (*Verification, error) {
	a, err := s.GetApplication(ctx, appID)
	if err != nil {
		return nil, err
	}
	if err := s.usable(ctx, a); err != nil {
		return nil, err
	}
	d, err := s.limiter.Allow(ctx, "api:"+a.ID, s.cfg.APIKeyRequests)
	if err != nil {
		return nil, fmt.Errorf("test send: rate limiter: %w", err)
	}
	if !d.Allowed {
		return nil, s.refuse(rateLimited("api_rate_limited", "Too many requests for this API key", d.RetryAfter))
	}
	req.IdempotencyKey, req.RequestHash = "", nil // a console click is not a retried API call
	req.fromConsole = true                        // no CAPTCHA: the caller signed in
	v, _, err := s.CreateVerification(ctx, a, req)
	return v, err
}
