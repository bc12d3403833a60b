package otp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// ServerKey is the root secret of an installation. Subkeys for code HMACs
// and for sealing secrets are derived from it, so one value protects all.
type ServerKey struct {
	codeMAC []byte
	aead    cipher.AEAD
}

// ServerKeySize is the length in bytes of a server key.
const ServerKeySize = 32

// NewServerKey derives the working keys from a 32-byte root key.
func NewServerKey(root []byte) (*ServerKey, error) {
	if len(root) != ServerKeySize {
		return nil, errors.New("server key must be 32 bytes")
	}
	block, err := aes.NewCipher(derive(root, "otpd seal v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &ServerKey{codeMAC: derive(root, "otpd code mac v1"), aead: aead}, nil
}

// ParseServerKey reads a key given as 64 hex digits or standard base64.
func ParseServerKey(s string) (*ServerKey, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == ServerKeySize {
		return NewServerKey(b)
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == ServerKeySize {
		return NewServerKey(b)
	}
	return nil, errors.New("server key must be 32 bytes as 64 hex digits or base64")
}

// GenerateServerKey returns a new random root key as 64 hex digits.
func GenerateServerKey() string {
	return hex.EncodeToString(randomBytes(ServerKeySize))
}

func derive(root []byte, label string) []byte {
	m := hmac.New(sha256.New, root)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// codeHash binds a code to its verification so that a hash copied to
// another row never matches.
func (k *ServerKey) codeHash(verificationID, code string) []byte {
	m := hmac.New(sha256.New, k.codeMAC)
	m.Write([]byte(verificationID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// codeMatches compares in constant time.
func (k *ServerKey) codeMatches(verificationID, code string, want []byte) bool {
	return hmac.Equal(k.codeHash(verificationID, code), want)
}

// seal encrypts plaintext with a fresh nonce; ad binds it to its owner.
func (k *ServerKey) seal(plaintext, ad string) []byte {
	nonce := randomBytes(k.aead.NonceSize())
	return k.aead.Seal(nonce, nonce, []byte(plaintext), []byte(ad))
}

func (k *ServerKey) open(sealed []byte, ad string) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed value too short")
	}
	b, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(ad))
	if err != nil {
		return "", errors.New("sealed value does not open with this server key")
	}
	return string(b), nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return b
}

// generateCode returns length decimal digits drawn uniformly.
func generateCode(length int) string { return generateCodeOf(length, CodeDigits) }

// hashSecret is how API keys and client secrets are stored: they have 192
// bits of entropy, so a fast hash is enough and lookups stay one index probe.
func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// HashAPIKey returns the stored form of an API key.
func HashAPIKey(key string) []byte { return hashSecret(key) }

func secretEqual(hash []byte, s string) bool {
	return subtle.ConstantTimeCompare(hash, hashSecret(s)) == 1
}

// newToken returns prefix followed by 48 hex digits (192 random bits).
func newToken(prefix string) string {
	return prefix + hex.EncodeToString(randomBytes(24))
}

// newWebhookSecret follows Standard Webhooks: whsec_ then base64 of the key.
func newWebhookSecret() string {
	return "whsec_" + base64.StdEncoding.EncodeToString(randomBytes(24))
}

// credentialPrefix makes the type and environment of a key visible, so
// secret scanners can find leaked keys and people can tell them apart.
func credentialPrefix(env Environment, kind string) string {
	return "otpd_" + string(env) + "_" + kind + "_"
}

// preview masks a secret to its prefix and last four characters.
func preview(secret string) string {
	i := strings.LastIndexByte(secret, '_')
	if i < 0 || len(secret)-i < 9 {
		return "****"
	}
	return secret[:i+1] + "****" + secret[len(secret)-4:]
}
