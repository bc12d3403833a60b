package otp

import (
	"context"
	"fmt"
)

// CreateAPIKey gives an application one more API key, with a scope and an
// optional IP allow-list, and returns it with its plaintext, shown this
// once. A developer may do so only for their own applications (another's
// is NOT_FOUND). Errors: INVALID_PARAMETER (naming the field), NOT_FOUND,
// CONFLICT (the application has MaxAPIKeysPerApp keys already).
func (s *Service) CreateAPIKey(ctx context.Context, appID string, in APIKeyInput) (*APIKey, string, error) {
	name, scope, ips, err := validateAPIKeyInput(in)
	if err != nil {
		return nil, "", err
	}
	a, err := s.GetApplication(ctx, appID)
	if err != nil {
		return nil, "", err
	}
	plain := newToken(credentialPrefix(a.Environment, apiKeyPrefixKind(scope)))
	k := &APIKey{
		ID: NewID("key"), AppID: a.ID, Name: name, Scope: scope, AllowedIPs: ips,
		Hash: hashSecret(plain), Preview: preview(plain), CreatedAt: s.clock.Now(),
	}
	err = s.store.CreateAPIKey(ctx, k, MaxAPIKeysPerApp)
	switch {
	case isCode(err, CodeConflict):
		return nil, "", conflict("too_many_api_keys",
			fmt.Sprintf("An application has at most %d API keys besides its own; revoke one first", MaxAPIKeysPerApp))
	case err != nil:
		return nil, "", s.notFound(err, "application")
	}
	return k, plain, nil
}

// ListAPIKeys returns an application's API keys, masked: first its own
// (Primary, ID PrimaryAPIKeyID, rotated rather than revoked), then the
// extra ones, oldest first. Errors: NOT_FOUND.
func (s *Service) ListAPIKeys(ctx context.Context, appID string) ([]*APIKey, error) {
	a, err := s.GetApplication(ctx, appID)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.ListAPIKeys(ctx, a.ID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	primary := &APIKey{ID: PrimaryAPIKeyID, AppID: a.ID, Scope: ScopeFull, Preview: a.APIKeyPreview, Primary: true, CreatedAt: a.CreatedAt}
	return append([]*APIKey{primary}, keys...), nil
}

// RevokeAPIKey deletes an extra API key of an application. It stops
// working at once on this instance; other instances sharing the database
// may accept it until their read cache expires (Limits.ReadCacheTTL).
// Errors: NOT_FOUND (also for another application's key), CONFLICT for
// the application's own key, which is rotated instead.
func (s *Service) RevokeAPIKey(ctx context.Context, appID, keyID string) error {
	a, err := s.GetApplication(ctx, appID)
	if err != nil {
		return err
	}
	if keyID == PrimaryAPIKeyID {
		return conflict("primary_key_not_revocable", "The application's own API key cannot be revoked; rotate it instead")
	}
	err = s.store.DeleteAPIKey(ctx, a.ID, keyID)
	// Forgotten even on an error: the delete may have committed all the same.
	s.cache.forgetAPIKey(keyID)
	if err != nil {
		return s.notFound(err, "API key")
	}
	return nil
}
