package otp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Invitation lets one person create a developer account for one email
// address while sign-up is closed.
type Invitation struct {
	TokenHash []byte
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// InvitationTTL is how long an invitation can be used.
const InvitationTTL = 7 * 24 * time.Hour

// Invite creates an invitation for email and returns its token, shown once.
func (s *Service) Invite(ctx context.Context, email string) (string, *Invitation, error) {
	if err := requireOperator(ctx); err != nil {
		return "", nil, err
	}
	d, err := ParseDestination(email, "email")
	if err != nil || d.IsPhone {
		return "", nil, &Error{Code: CodeInvalidEmail, Key: "invalid_email", Field: "email", Message: "The email address is invalid"}
	}
	raw := make([]byte, 24)
	rand.Read(raw)
	token := "otpd_invite_" + hex.EncodeToString(raw)
	h := sha256.Sum256([]byte(token))
	now := s.clock.Now()
	inv := &Invitation{TokenHash: h[:], Email: d.Value, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	if err := s.store.CreateInvitation(ctx, inv); err != nil {
		return "", nil, fmt.Errorf("invite: %w", err)
	}
	return token, inv, nil
}

// AcceptInvitation creates the account an invitation is for. The token is
// used up in the same transaction, so it works once, and only for an
// account that was created.
func (s *Service) AcceptInvitation(ctx context.Context, token string, in DeveloperInput) (*Developer, error) {
	bad := &Error{Code: CodeForbidden, Key: "invalid_invitation", Message: "The invitation is unknown, used or expired"}
	h := sha256.Sum256([]byte(token))
	inv, err := s.store.GetInvitation(ctx, h[:])
	if isCode(err, CodeNotFound) {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("invitation: %w", err)
	}
	now := s.clock.Now()
	if !inv.UsedAt.IsZero() || !now.Before(inv.ExpiresAt) {
		return nil, bad
	}
	if in.Email != nil {
		if d, err := ParseDestination(*in.Email, "email"); err != nil || d.Value != inv.Email {
			return nil, invalidField("email", "invitation_email", "the invitation is for another email address")
		}
	}
	in.Email = &inv.Email
	// Check the rest before using the invitation up.
	if in.Password == nil {
		return nil, invalidField("password", "required", "password is required")
	}
	if err := validatePassword(*in.Password); err != nil {
		return nil, err
	}
	dev, err := s.newDeveloper(ctx, in)
	if err != nil {
		return nil, err
	}
	// The invitation is used up in the transaction that creates the
	// account: when the creation fails (a taken email), it stays usable.
	switch err := s.store.CreateDeveloperWithInvitation(ctx, dev, h[:], now); {
	case isCode(err, CodeNotFound):
		return nil, bad // used by a concurrent request
	case isCode(err, CodeConflict):
		return nil, conflict("email_taken", "An account with this email exists")
	case err != nil:
		return nil, fmt.Errorf("accept invitation: %w", err)
	}
	return dev, nil
}
