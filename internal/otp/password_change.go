package otp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// PasswordReset is a single-use link the operator makes for a developer
// to set a new password, kept as the SHA-256 of its token.
type PasswordReset struct {
	TokenHash   []byte
	DeveloperID string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      time.Time // zero until used
}

// PasswordResetTTL is how long a password-reset token can be used.
const PasswordResetTTL = 24 * time.Hour

// passwordResetPrefix starts every password-reset token.
const passwordResetPrefix = "otpd_reset_"

// ChangePassword sets the signed-in developer's password, given the
// current one. Every console session of the developer ends, the one in
// use included, and so do earlier ID tokens and any password-reset link;
// the caller gets a new session, returned here. Wrong current passwords
// count against the account's sign-in guess limit. Errors: FORBIDDEN (the
// operator has no password), INVALID_PARAMETER (wrong_password,
// weak_password), RATE_LIMITED, SERVICE_BUSY.
func (s *Service) ChangePassword(ctx context.Context, current, next string) (string, *Session, error) {
	me, err := s.Me(ctx)
	if err != nil {
		return "", nil, err
	}
	if err := validatePassword(next); err != nil {
		return "", nil, err
	}
	if dec, err := s.limiter.Allow(ctx, "login:"+me.Email, loginLimit); err != nil {
		return "", nil, fmt.Errorf("password limit: %w", err)
	} else if !dec.Allowed {
		return "", nil, s.refuse(rateLimited("too_many_logins", "Too many sign-in attempts; try again later", dec.RetryAfter))
	}
	wrong := invalidField("currentPassword", "wrong_password", "currentPassword is not the account's password")
	dev, err := s.store.GetDeveloper(ctx, me.ID)
	if err != nil {
		return "", nil, s.notFound(err, "developer")
	}
	if len(current) > maxPasswordLen {
		return "", nil, wrong
	}
	// An account without a password is checked against dummyHash: as
	// slow as a wrong password, and under the same bound.
	phc := dev.PasswordHash
	if phc == "" {
		phc = dummyHash
	}
	ok, err := s.passwordMatches(ctx, phc, current)
	if isCode(err, CodeBusy) {
		return "", nil, err
	}
	if err != nil || !ok || dev.PasswordHash == "" {
		return "", nil, wrong
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return "", nil, err
	}
	at := s.revocationTime()
	if err := s.store.SetPassword(ctx, dev.ID, hash, at); err != nil {
		return "", nil, s.notFound(err, "developer")
	}
	token, sess, err := s.openConsoleSession(ctx, dev.ID, at)
	if err != nil {
		return "", nil, fmt.Errorf("change password: %w", err)
	}
	return token, sess, nil
}

// CreatePasswordReset makes a single-use password-reset token for
// developer id, valid for PasswordResetTTL, and returns it: it is shown
// once and stored only as its SHA-256. It replaces the developer's earlier
// unused ones. Only the operator may. Errors: FORBIDDEN, NOT_FOUND.
func (s *Service) CreatePasswordReset(ctx context.Context, id string) (string, *PasswordReset, error) {
	if err := requireOperator(ctx); err != nil {
		return "", nil, err
	}
	raw := make([]byte, 32) // 256 bits
	rand.Read(raw)
	token := passwordResetPrefix + hex.EncodeToString(raw)
	h := sha256.Sum256([]byte(token))
	now := s.clock.Now()
	r := &PasswordReset{TokenHash: h[:], DeveloperID: id, CreatedAt: now, ExpiresAt: now.Add(PasswordResetTTL)}
	if err := s.store.CreatePasswordReset(ctx, r); err != nil {
		return "", nil, s.notFound(err, "developer")
	}
	return token, r, nil
}

// ResetPassword sets a new password with a password-reset token, once:
// the token is used up in the same transaction that writes the password,
// and every session of the developer ends. A suspended developer stays
// suspended. Errors: FORBIDDEN (invalid_reset_token: unknown, used or
// expired), INVALID_PARAMETER (weak_password), SERVICE_BUSY.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*Developer, error) {
	bad := &Error{Code: CodeForbidden, Key: "invalid_reset_token", Message: "The password-reset token is unknown, used or expired"}
	if !strings.HasPrefix(token, passwordResetPrefix) || len(token) > 200 {
		return nil, bad
	}
	if err := validatePassword(password); err != nil {
		return nil, err
	}
	h := sha256.Sum256([]byte(token))
	r, err := s.store.GetPasswordReset(ctx, h[:])
	if isCode(err, CodeNotFound) {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("password reset: %w", err)
	}
	now := s.clock.Now()
	// Checked before hashing, so that guessed tokens cost no hash.
	if !r.UsedAt.IsZero() || !now.Before(r.ExpiresAt) {
		return nil, bad
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	devID, err := s.store.RedeemPasswordReset(ctx, h[:], s.revocationTime(), hash)
	if isCode(err, CodeNotFound) {
		return nil, bad // used by a concurrent request, or the developer is gone
	}
	if err != nil {
		return nil, fmt.Errorf("password reset: %w", err)
	}
	return s.GetDeveloper(ctx, devID)
}
