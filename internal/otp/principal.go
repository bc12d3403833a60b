package otp

import (
	"context"
)

// Principal is who calls a console method: the operator (admin token) or
// a developer, who sees only the projects they own.
type Principal struct {
	Developer *Developer // nil for the operator
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p. The API sets it on every console
// request; a context without one is the operator's (the CLI, the workers).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalOf(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// owns reports whether the caller may see project p.
func owns(ctx context.Context, p *Project) bool {
	dev := principalOf(ctx).Developer
	return dev == nil || p.OwnerID == dev.ID
}

// requireOperator refuses developers what only the operator may do.
func requireOperator(ctx context.Context) error {
	if principalOf(ctx).Developer != nil {
		return &Error{Code: CodeForbidden, Key: "operator_only", Message: "Only the operator's admin token may do this"}
	}
	return nil
}

// ownerScope is whose applications a console read across applications
// covers: the developer's own, or every one (nil) for the operator.
func ownerScope(ctx context.Context) *string {
	if dev := principalOf(ctx).Developer; dev != nil {
		id := dev.ID
		return &id
	}
	return nil
}

// quotaExceeded is a plan limit reached.
func quotaExceeded(key, msg string) *Error {
	return &Error{Code: CodeQuotaExceeded, Key: key, Message: msg}
}
