package otp

import (
	"context"
	"fmt"
)

// SignUp creates a developer account for anyone, while the operator keeps
// sign-up open. It does not tell whether the email had an account
// already: a taken email changes nothing and returns nil like a new one,
// after the same work (the password is hashed either way), so sign-up
// cannot be used to learn who has an account. Whoever owns a taken email
// signs in with their own password, or asks the operator. Invalid input
// (a malformed email, a weak password) is still refused.
func (s *Service) SignUp(ctx context.Context, in DeveloperInput) error {
	dev, err := s.newDeveloper(ctx, in)
	if err != nil {
		return err
	}
	err = s.store.CreateDeveloper(ctx, dev)
	if err != nil && !isCode(err, CodeConflict) {
		return fmt.Errorf("sign up: %w", err)
	}
	return nil
}
