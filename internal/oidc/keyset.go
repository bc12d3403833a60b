package oidc

import (
	"context"
	"errors"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
)

// failureRecordingKeySet is go-oidc's remote key set, noting in the
// context when it could not fetch the keys. go-oidc reports a failed fetch
// and a bad signature alike (as text), but they deserve different answers:
// 503, try again, versus 401, this token is no good.
type failureRecordingKeySet struct {
	remote gooidc.KeySet
}

// fetchFailure is where VerifySignature notes a failed fetch of the keys.
type fetchFailure struct{ err error }

type fetchFailureKey struct{}

// VerifySignature implements gooidc.KeySet.
func (k failureRecordingKeySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.remote.VerifySignature(ctx, jwt)
	if err != nil && (errors.Is(err, errFetch) || ctx.Err() != nil) {
		if f, ok := ctx.Value(fetchFailureKey{}).(*fetchFailure); ok {
			f.err = err
		}
	}
	return payload, err
}
