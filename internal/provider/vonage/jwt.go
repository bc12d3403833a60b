package vonage

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The JWTs here are written by hand: no JWT module is available, and the
// two shapes needed (RS256 out, HS256 in) are small enough to get right.

// tokenLifetime bounds a Voice API token; each request signs a new one.
const tokenLifetime = 5 * time.Minute

var b64 = base64.RawURLEncoding

// parsePrivateKey reads the PEM of a Vonage application's private key:
// PKCS#8 as Vonage generates it, or PKCS#1. A key pasted into one line
// with literal "\n" escapes (as environment variables often carry it) is
// accepted too.
func parsePrivateKey(s string) (*rsa.PrivateKey, error) {
	if !strings.Contains(s, "\n") {
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("not a PEM-encoded private key")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unreadable PKCS#8 key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("not an RSA key; Vonage signs with RS256")
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		rk, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unreadable PKCS#1 key: %w", err)
		}
		return rk, nil
	default:
		return nil, fmt.Errorf("a PEM block of type %q is not a private key", block.Type)
	}
}

// voiceToken signs the JWT that authenticates one Voice API request:
// RS256 over the application id, issue and expiry times and a unique id.
func (p *Provider) voiceToken() (string, error) {
	now := p.now()
	claims := struct {
		ApplicationID string `json:"application_id"`
		IssuedAt      int64  `json:"iat"`
		Expires       int64  `json:"exp"`
		ID            string `json:"jti"`
	}{p.cfg.ApplicationID, now.Unix(), now.Add(tokenLifetime).Unix(), newUUID()}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("vonage jwt: %w", err)
	}
	signing := b64.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + b64.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, p.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("vonage jwt: %w", err)
	}
	return signing + "." + b64.EncodeToString(sig), nil
}

// webhookClaims are the claims of a signed Vonage webhook that matter here.
type webhookClaims struct {
	IssuedAt    *int64 `json:"iat"`
	Expires     *int64 `json:"exp"`
	PayloadHash string `json:"payload_hash"`
	APIKey      string `json:"api_key"`
}

// verifyHS256 checks a webhook JWT signed HS256 with secret and returns
// its claims. Any other algorithm is refused: accepting "none" or RS256
// here would let anyone sign.
func verifyHS256(token, secret string) (webhookClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return webhookClaims{}, errors.New("not a JWT")
	}
	header, err := b64.DecodeString(parts[0])
	if err != nil {
		return webhookClaims{}, errors.New("unreadable JWT header")
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(header, &h); err != nil || h.Alg != "HS256" {
		return webhookClaims{}, errors.New("the JWT is not signed HS256")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return webhookClaims{}, errors.New("unreadable JWT signature")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return webhookClaims{}, errors.New("the JWT signature does not match signature_secret")
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return webhookClaims{}, errors.New("unreadable JWT claims")
	}
	var c webhookClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return webhookClaims{}, errors.New("unreadable JWT claims")
	}
	return c, nil
}

// newUUID returns a random (version 4) UUID, Vonage's form of jti.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
