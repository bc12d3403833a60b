// Package oidctest is a local OpenID Connect issuer for tests, shaped
// like Firebase Authentication's: the issuer is a path
// (<server>/<project-id>), its discovery document sits under it, and the
// key set (JWKS) lives elsewhere on the server. It signs ID tokens with
// RSA keys, can rotate them, go down, or name another issuer, and counts
// what it was asked. It is for _test.go files only.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// ProjectID is the Firebase project of the issuer: the last part of its
// URL and the audience of its tokens.
const ProjectID = "otpd-test-project"

// JWKSPath is where the issuer serves its keys, as Google does for Firebase.
const JWKSPath = "/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"

// Issuer is a running local issuer.
type Issuer struct {
	// URL is the issuer, as tokens carry it in "iss".
	URL string

	t  testing.TB
	mu sync.Mutex
	// published are the keys the JWKS lists; signing is the one new
	// tokens are signed with.
	published []signingKey
	signing   signingKey
	down      bool
	// discoveredIssuer, if set, is the issuer the discovery document names.
	discoveredIssuer string
	discoveryHits    int
	jwksHits         int
}

type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// keys are made once for all tests: an RSA key takes a while to make,
// longer under the race detector. They are never changed.
var keys = sync.OnceValue(func() []*rsa.PrivateKey {
	ks := make([]*rsa.PrivateKey, 4)
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks[i] = k
	}
	return ks
})

// New starts an issuer publishing one key, closed when the test ends.
func New(t testing.TB) *Issuer {
	t.Helper()
	i := &Issuer{t: t}
	i.signing = signingKey{kid: "key-1", key: keys()[0]}
	i.published = []signingKey{i.signing}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /"+ProjectID+"/.well-known/openid-configuration", i.serveDiscovery)
	mux.HandleFunc("GET "+JWKSPath, i.serveJWKS)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	i.URL = srv.URL + "/" + ProjectID
	return i
}

func (i *Issuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	i.discoveryHits++
	down, iss := i.down, i.URL
	if i.discoveredIssuer != "" {
		iss = i.discoveredIssuer
	}
	i.mu.Unlock()
	if down {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	// Firebase's document, with this server's addresses.
	writeJSON(w, map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              "http://" + r.Host + JWKSPath,
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	i.mu.Lock()
	i.jwksHits++
	down := i.down
	set := jose.JSONWebKeySet{}
	for _, k := range i.published {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.kid, Algorithm: "RS256", Use: "sig"})
	}
	i.mu.Unlock()
	if down {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=19770, must-revalidate, no-transform")
	writeJSON(w, set)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(v)
}

// Claims are the claims of a Firebase ID token of a user signed in with a
// verified email, issued at now and valid for an hour.
func (i *Issuer) Claims(email string, now time.Time) map[string]any {
	return map[string]any{
		"iss":            i.URL,
		"aud":            ProjectID,
		"auth_time":      now.Unix(),
		"user_id":        "uid-" + email,
		"sub":            "uid-" + email,
		"iat":            now.Unix(),
		"exp":            now.Add(time.Hour).Unix(),
		"email":          email,
		"email_verified": true,
		"firebase":       map[string]any{"identities": map[string]any{"email": []string{email}}, "sign_in_provider": "password"},
	}
}

// Token returns claims signed with the issuer's current key.
func (i *Issuer) Token(claims map[string]any) string {
	i.mu.Lock()
	k := i.signing
	i.mu.Unlock()
	return i.sign(k, claims)
}

// ForgedToken returns claims signed with a key the issuer does not hold
// but under the kid of its current one: a bad signature.
func (i *Issuer) ForgedToken(claims map[string]any) string {
	i.mu.Lock()
	kid := i.signing.kid
	i.mu.Unlock()
	return i.sign(signingKey{kid: kid, key: keys()[3]}, claims)
}

// UnknownKeyToken returns claims signed with a key under a kid the issuer
// never published.
func (i *Issuer) UnknownKeyToken(claims map[string]any) string {
	return i.sign(signingKey{kid: "not-published", key: keys()[3]}, claims)
}

// SymmetricToken returns claims signed with HS256 under the audience as
// the secret: the algorithm-confusion forgery, which must be refused.
func (i *Issuer) SymmetricToken(claims map[string]any) string {
	i.t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		i.t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(ProjectID + "-padded-to-32-bytes!")},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "key-1"))
	if err != nil {
		i.t.Fatal(err)
	}
	return compact(i.t, signer, payload)
}

// Rotate publishes a new key beside the old ones and signs new tokens with it.
func (i *Issuer) Rotate() {
	i.mu.Lock()
	defer i.mu.Unlock()
	n := len(i.published)
	if n >= 3 {
		i.t.Fatal("oidctest: at most two rotations")
	}
	i.signing = signingKey{kid: "key-" + strconv.Itoa(n+1), key: keys()[n]}
	i.published = append(i.published, i.signing)
}

// SetDown makes the issuer answer 503 to everything, or serve again.
func (i *Issuer) SetDown(down bool) {
	i.mu.Lock()
	i.down = down
	i.mu.Unlock()
}

// NameIssuer makes the discovery document name iss as the issuer.
func (i *Issuer) NameIssuer(iss string) {
	i.mu.Lock()
	i.discoveredIssuer = iss
	i.mu.Unlock()
}

// DiscoveryRequests is how often the discovery document was asked for.
func (i *Issuer) DiscoveryRequests() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.discoveryHits
}

// JWKSRequests is how often the key set was asked for.
func (i *Issuer) JWKSRequests() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.jwksHits
}

func (i *Issuer) sign(k signingKey, claims map[string]any) string {
	i.t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		i.t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.key, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		i.t.Fatal(err)
	}
	return compact(i.t, signer, payload)
}

func compact(t testing.TB, signer jose.Signer, payload []byte) string {
	t.Helper()
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return token
}
