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
	"fmt"
	"strings"
)

// ServerKey is the root secret of an installation. Subkeys for code HMACs
// and for sealing secrets are derived from it, so one value protects all.
//
// A ServerKey may carry the key it replaces (WithPrevious, from
// OTPD_SECRET_KEY_PREVIOUS) during a rotation: new values are always
// sealed and HMACed with the current key; values made with the previous
// one still open and match until `otpd keys rotate` has re-sealed them
// and the codes HMACed with it have expired.
type ServerKey struct {
	id       [keyIDSize]byte
	codeMAC  []byte
	aead     cipher.AEAD
	previous *ServerKey
}

// ServerKeySize is the length in bytes of a server key.
const ServerKeySize = 32

// A sealed value names the key that sealed it, so opening picks the right
// one: sealedMagic, the key's id, then the nonce and the ciphertext.
// Values sealed before keys had ids are the nonce and the ciphertext
// alone; they are told apart by trying to open them both ways, since a
// random nonce may start like an id (about once in 2^40).
const (
	sealedMagic = 0xA7
	keyIDSize   = 4
)

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
	k := &ServerKey{codeMAC: derive(root, "otpd code mac v1"), aead: aead}
	copy(k.id[:], derive(root, "otpd key id v1"))
	return k, nil
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

// ID names the key in hex, as sealed values and messages name it. It is
// derived one-way from the key and reveals nothing of it.
func (k *ServerKey) ID() string { return hex.EncodeToString(k.id[:]) }

// WithPrevious returns k carrying prev as the key it replaces; prev's own
// previous key, if any, is dropped: there is one rotation at a time.
func (k *ServerKey) WithPrevious(prev *ServerKey) *ServerKey {
	c := *k
	c.previous = nil
	if prev != nil && prev.id != k.id {
		p := *prev
		p.previous = nil
		c.previous = &p
	}
	return &c
}

// Previous is the key k replaces, or nil.
func (k *ServerKey) Previous() *ServerKey { return k.previous }

func derive(root []byte, label string) []byte {
	m := hmac.New(sha256.New, root)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// codeHash binds a code to its verification so that a hash copied to
// another row never matches. It always uses the current key.
func (k *ServerKey) codeHash(verificationID, code string) []byte {
	m := hmac.New(sha256.New, k.codeMAC)
	m.Write([]byte(verificationID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// codeMatches compares in constant time, with the current key and then
// the previous one: a code HMACed before a rotation still verifies.
func (k *ServerKey) codeMatches(verificationID, code string, want []byte) bool {
	if hmac.Equal(k.codeHash(verificationID, code), want) {
		return true
	}
	return k.previous != nil && hmac.Equal(k.previous.codeHash(verificationID, code), want)
}

// seal encrypts plaintext with the current key and a fresh nonce; ad
// binds it to its owner.
func (k *ServerKey) seal(plaintext, ad string) []byte {
	nonce := randomBytes(k.aead.NonceSize())
	out := make([]byte, 0, 1+keyIDSize+len(nonce)+len(plaintext)+k.aead.Overhead())
	out = append(out, sealedMagic)
	out = append(out, k.id[:]...)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, []byte(plaintext), []byte(ad))
}

// ErrSealedKey is wrapped by every failure to open a sealed value.
var ErrSealedKey = errors.New("sealed value does not open with this server key")

func (k *ServerKey) open(sealed []byte, ad string) (string, error) {
	s, _, err := k.openSealed(sealed, ad)
	return s, err
}

// openSealed opens a sealed value with whichever of k and its previous key
// sealed it, and reports whether that was k in the current format (so
// that re-sealing it would change nothing but the nonce).
func (k *ServerKey) openSealed(sealed []byte, ad string) (plaintext string, current bool, err error) {
	if len(sealed) > 1+keyIDSize && sealed[0] == sealedMagic {
		for _, key := range k.ring() {
			if [keyIDSize]byte(sealed[1:1+keyIDSize]) != key.id {
				continue
			}
			if b, err := key.openRaw(sealed[1+keyIDSize:], ad); err == nil {
				return b, key == k, nil
			}
		}
	}
	for _, key := range k.ring() { // sealed before keys had ids
		if b, err := key.openRaw(sealed, ad); err == nil {
			return b, false, nil
		}
	}
	if id, ok := sealedKeyID(sealed); ok && !k.knows(id) {
		return "", false, fmt.Errorf("%w: it was sealed with key %s, and the configured keys are %s", ErrSealedKey, id, k.ids())
	}
	return "", false, ErrSealedKey
}

func (k *ServerKey) openRaw(sealed []byte, ad string) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed value too short")
	}
	b, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(ad))
	if err != nil {
		return "", ErrSealedKey
	}
	return string(b), nil
}

// ring is k and, during a rotation, its previous key.
func (k *ServerKey) ring() []*ServerKey {
	if k.previous != nil {
		return []*ServerKey{k, k.previous}
	}
	return []*ServerKey{k}
}

func (k *ServerKey) knows(id string) bool {
	for _, key := range k.ring() {
		if key.ID() == id {
			return true
		}
	}
	return false
}

func (k *ServerKey) ids() string {
	s := k.ID() + " (OTPD_SECRET_KEY)"
	if k.previous != nil {
		s += " and " + k.previous.ID() + " (OTPD_SECRET_KEY_PREVIOUS)"
	}
	return s
}

// sealedKeyID is the id of the key that sealed a value in the current
// format; ok is false for a value without one.
func sealedKeyID(sealed []byte) (string, bool) {
	if len(sealed) <= 1+keyIDSize || sealed[0] != sealedMagic {
		return "", false
	}
	return hex.EncodeToString(sealed[1 : 1+keyIDSize]), true
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
