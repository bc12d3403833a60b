package otp

import (
	"context"
	"fmt"
	"time"
)

// AppOperation is what a per-application limit counts.
type AppOperation string

// Operations with a per-application limit.
const (
	AppSend  AppOperation = "send"  // a new verification
	AppCheck AppOperation = "check" // a code checked
)

// MaxAppPerMinute bounds the per-application limits a policy may set.
const MaxAppPerMinute = 100_000

// LimitApplication counts one op of application a against its limit per
// minute: the project's (Policy.AppSendsPerMinute or AppChecksPerMinute)
// when the policy sets one, else perMinute, the default of the API the
// caller speaks (Cobinar documents 5 sends and 10 checks a minute; the
// native API has none and passes 0). With neither there is no limit and
// the zero Decision is returned. Each operation has its own counter per
// application, so tenants never share one. The Decision is returned
// whenever a limit applied, for rate-limit headers. Errors: RATE_LIMITED.
func (s *Service) LimitApplication(ctx context.Context, a *Application, op AppOperation, perMinute int) (Decision, error) {
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return Decision{}, fmt.Errorf("project of application: %w", err)
	}
	n, key, msg := 0, "", ""
	switch op {
	case AppSend:
		n, key, msg = p.Policy.AppSendsPerMinute, "app_sends_rate_limited", "This application sent too many codes: at most %d a minute"
	case AppCheck:
		n, key, msg = p.Policy.AppChecksPerMinute, "app_checks_rate_limited", "This application checked too many codes: at most %d a minute"
	default:
		return Decision{}, fmt.Errorf("limit application: unknown operation %q", op)
	}
	if n == 0 {
		n = perMinute
	}
	if n <= 0 {
		return Decision{}, nil
	}
	d, err := s.limiter.Allow(ctx, "app"+string(op)+":"+a.ID, Limit{Count: n, Period: time.Minute})
	if err != nil {
		return Decision{}, fmt.Errorf("limit application: %w", err)
	}
	if !d.Allowed {
		e := rateLimited(key, fmt.Sprintf(msg, n), d.RetryAfter)
		e.Params = map[string]any{"limit": n}
		return d, s.refuse(e)
	}
	return d, nil
}
