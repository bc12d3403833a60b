package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
)

// keySet is the issuer's signing keys (its JWKS), a go-oidc KeySet: fetched
// on first use and again when a token is signed by none of the keys held,
// which is how key rotation is followed. Fetches go through spacedFetches,
// so within its interval a refresh costs no request to the issuer.
//
// It replaces go-oidc's RemoteKeySet for two reasons. That one reports a
// failed fetch and a bad signature alike, as text, while they deserve
// different answers (503, try again; 401, this token is no good). And it
// refreshes in a goroutine that a request arriving just after can join
// after it has finished, getting the keys of the refresh before: a token
// of a newly published key would then be refused once for no reason.
// Here a refresh is synchronous, one at a time, so a request that refreshes
// gets the issuer's answer of that moment.
type keySet struct {
	url    string
	client *http.Client

	refreshing sync.Mutex // one refresh at a time
	mu         sync.RWMutex
	keys       []jose.JSONWebKey
}

// fetchFailure is where VerifySignature notes that it could not fetch the
// keys, since go-oidc passes its error on only as text.
type fetchFailure struct{ err error }

type fetchFailureKey struct{}

// tokenAlgorithms are what a token may be signed with: the asymmetric
// algorithms. go-oidc has narrowed this to the issuer's already.
var tokenAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512,
	jose.PS256, jose.PS384, jose.PS512, jose.EdDSA,
}

// VerifySignature implements go-oidc's KeySet: it returns raw's payload
// if a key of the issuer signed it.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, tokenAlgorithms)
	if err != nil {
		return nil, fmt.Errorf("malformed token: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("the token must carry exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	k.mu.RLock()
	held := k.keys
	k.mu.RUnlock()
	if payload, ok := verifyWith(jws, kid, held); ok {
		return payload, nil
	}
	fresh, err := k.refresh(ctx)
	if err != nil {
		if f, ok := ctx.Value(fetchFailureKey{}).(*fetchFailure); ok {
			f.err = err
		}
		return nil, err
	}
	if payload, ok := verifyWith(jws, kid, fresh); ok {
		return payload, nil
	}
	return nil, errors.New("no key of the issuer verifies the token's signature")
}

// verifyWith tries the keys named by kid (all of them when the token names
// none).
func verifyWith(jws *jose.JSONWebSignature, kid string, keys []jose.JSONWebKey) ([]byte, bool) {
	for i := range keys {
		if kid != "" && keys[i].KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(&keys[i]); err == nil {
			return payload, true
		}
	}
	return nil, false
}

// refresh fetches the key set and keeps it.
func (k *keySet) refresh(ctx context.Context) ([]jose.JSONWebKey, error) {
	k.refreshing.Lock()
	defer k.refreshing.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errFetch, err)
	}
	res, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errFetch, err)
	}
	keys, err := parseKeySet(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errFetch, k.url, err)
	}
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	return keys, nil
}

// parseKeySet reads a JWKS, keeping the public signing keys it
// understands and passing over the others, as RFC 7517 section 5 asks.
func parseKeySet(body []byte) ([]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("not a JWKS: %v", err)
	}
	var keys []jose.JSONWebKey
	for _, raw := range set.Keys {
		var key jose.JSONWebKey
		if err := json.Unmarshal(raw, &key); err != nil || !key.Valid() || !key.IsPublic() || key.Use == "enc" {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("the JWKS holds no public signing key")
	}
	return keys, nil
}
