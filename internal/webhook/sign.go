package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Scheme is how a webhook is signed. Each application endpoint picks one so
// that receivers written for K-OTP or Cobinar keep working unchanged.
type Scheme string

// Signing schemes.
const (
	// Standard is Standard Webhooks v1 (standardwebhooks.com): headers
	// webhook-id, webhook-timestamp (unix seconds) and webhook-signature
	// "v1,<base64 HMAC-SHA256 of id.timestamp.body>", keyed with the
	// base64-decoded part of the secret after "whsec_". It is the default.
	Standard Scheme = "standard"
	// KOTP is K-OTP's scheme: x-kotp-signature, the hex HMAC-SHA256 of
	// timestamp.body keyed with the secret string as shown, and
	// x-kotp-timestamp. K-OTP does not document the timestamp's format;
	// otpd writes unix seconds, like Standard Webhooks.
	KOTP Scheme = "kotp"
	// Cobinar is Cobinar's scheme: x-cobinar-signature "sha256=<hex
	// HMAC-SHA256 of the body>" keyed with the secret string as shown, plus
	// x-cobinar-event, x-cobinar-event-id and x-cobinar-timestamp (ISO 8601,
	// UTC, milliseconds). The timestamp is not signed.
	Cobinar Scheme = "cobinar"
)

// Valid reports whether s is a known scheme; the empty scheme means Standard.
func (s Scheme) Valid() bool {
	switch s {
	case "", Standard, KOTP, Cobinar:
		return true
	}
	return false
}

// Tolerance is how far a signed timestamp may be from the receiver's clock
// before Verify rejects the request as a possible replay. Five minutes is
// what Standard Webhooks libraries use.
const Tolerance = 5 * time.Minute

// minStandardKey is the shortest key Standard Webhooks allows (192 bits).
const minStandardKey = 24

// cobinarTime is the layout of x-cobinar-timestamp, as in Cobinar's example
// 2026-07-03T14:22:10.000Z.
const cobinarTime = "2006-01-02T15:04:05.000Z07:00"

// Errors returned by Sign and Verify.
var (
	ErrUnknownScheme    = errors.New("webhook: unknown signing scheme")
	ErrInvalidSecret    = errors.New("webhook: invalid secret")
	ErrInvalidEvent     = errors.New("webhook: invalid event id or type")
	ErrMissingHeader    = errors.New("webhook: missing signature header")
	ErrInvalidSignature = errors.New("webhook: signature does not match")
	ErrStaleTimestamp   = errors.New("webhook: timestamp outside tolerance")
)

// Sign returns the headers that authenticate body under scheme. eventID is
// the event's id, the same on every retry; ts is the time of this attempt,
// which Standard and K-OTP sign so that receivers can refuse replays.
// eventID may hold only letters, digits, '_' and '-': Standard Webhooks
// forbids '.' in it because it delimits the signed content.
func Sign(scheme Scheme, secret string, eventID, eventType string, ts time.Time, body []byte) (http.Header, error) {
	return SignRotating(scheme, secret, "", eventID, eventType, ts, body)
}

// SignRotating is Sign while a rotated secret's grace period runs: previous
// is the secret the rotation replaced, which receivers not yet switched
// still verify with. Under Standard, webhook-signature carries two
// signatures, space-separated, the new secret's first ("v1,<new>
// v1,<old>"): Standard Webhooks allows several for exactly this, and a
// receiver holding either secret accepts. The K-OTP and Cobinar headers
// hold one signature, so under those schemes only secret signs and
// previous is not used: their receivers must switch at the rotation. An
// empty previous makes SignRotating the same as Sign.
func SignRotating(scheme Scheme, secret, previous string, eventID, eventType string, ts time.Time, body []byte) (http.Header, error) {
	if !validID(eventID) {
		return nil, fmt.Errorf("%w: id %q", ErrInvalidEvent, eventID)
	}
	if ts.IsZero() {
		return nil, fmt.Errorf("%w: zero timestamp", ErrInvalidEvent)
	}
	if secret == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidSecret)
	}
	unix := strconv.FormatInt(ts.Unix(), 10)
	h := make(http.Header)
	switch scheme {
	case Standard, "":
		key, err := standardKey(secret)
		if err != nil {
			return nil, err
		}
		h.Set("webhook-id", eventID)
		h.Set("webhook-timestamp", unix)
		sig := "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, eventID, unix, body))
		if previous != "" {
			prevKey, err := standardKey(previous)
			if err != nil {
				return nil, fmt.Errorf("previous secret: %w", err)
			}
			sig += " v1," + base64.StdEncoding.EncodeToString(standardMAC(prevKey, eventID, unix, body))
		}
		h.Set("webhook-signature", sig)
	case KOTP:
		h.Set("x-kotp-signature", hex.EncodeToString(mac([]byte(secret), []byte(unix), []byte("."), body)))
		h.Set("x-kotp-timestamp", unix)
	case Cobinar:
		if !validType(eventType) {
			return nil, fmt.Errorf("%w: type %q", ErrInvalidEvent, eventType)
		}
		h.Set("x-cobinar-signature", "sha256="+hex.EncodeToString(mac([]byte(secret), body)))
		h.Set("x-cobinar-event", eventType)
		h.Set("x-cobinar-event-id", eventID)
		h.Set("x-cobinar-timestamp", ts.UTC().Format(cobinarTime))
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownScheme, scheme)
	}
	return h, nil
}

// Verify checks that header authenticates body under scheme, as a receiver
// would, and returns an error wrapping ErrMissingHeader,
// ErrInvalidSignature, ErrStaleTimestamp, ErrInvalidSecret or
// ErrUnknownScheme. now is the receiver's clock.
func Verify(scheme Scheme, secret string, header http.Header, body []byte, now time.Time) error {
	switch scheme {
	case Standard, "":
		return VerifyStandard(secret, header, body, now)
	case KOTP:
		return VerifyKOTP(secret, header, body, now)
	case Cobinar:
		return VerifyCobinar(secret, header, body)
	}
	return fmt.Errorf("%w: %q", ErrUnknownScheme, scheme)
}

// VerifyStandard checks a Standard Webhooks signature: one of the
// space-separated "v1,<base64>" entries of webhook-signature must match
// (several entries let a sender rotate secrets), and webhook-timestamp must
// be within Tolerance of now.
func VerifyStandard(secret string, header http.Header, body []byte, now time.Time) error {
	key, err := standardKey(secret)
	if err != nil {
		return err
	}
	id, unix, sigs, err := need(header, "webhook-id", "webhook-timestamp", "webhook-signature")
	if err != nil {
		return err
	}
	want := standardMAC(key, id, unix, body)
	matched := false
	for _, entry := range strings.Fields(sigs) {
		version, value, _ := strings.Cut(entry, ",")
		if version != "v1" {
			continue // v1a (asymmetric) and future versions are not ours to check
		}
		got, err := base64.StdEncoding.DecodeString(value)
		if err == nil && hmac.Equal(got, want) {
			matched = true
		}
	}
	if !matched {
		return ErrInvalidSignature
	}
	return checkUnix(unix, now)
}

// VerifyKOTP checks a K-OTP signature and that x-kotp-timestamp is within
// Tolerance of now. K-OTP documents no tolerance; five minutes is the
// common choice.
func VerifyKOTP(secret string, header http.Header, body []byte, now time.Time) error {
	sig, unix, _, err := need(header, "x-kotp-signature", "x-kotp-timestamp", "")
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac([]byte(secret), []byte(unix), []byte("."), body)) {
		return ErrInvalidSignature
	}
	return checkUnix(unix, now)
}

// VerifyCobinar checks a Cobinar signature. Cobinar signs the body only, so
// there is no timestamp to check: receivers must deduplicate on
// x-cobinar-event-id instead.
func VerifyCobinar(secret string, header http.Header, body []byte) error {
	sig, _, _, err := need(header, "x-cobinar-signature", "", "")
	if err != nil {
		return err
	}
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil || !hmac.Equal(got, mac([]byte(secret), body)) {
		return ErrInvalidSignature
	}
	return nil
}

// standardKey decodes a whsec_ secret into the HMAC key.
func standardKey(secret string) ([]byte, error) {
	encoded, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, fmt.Errorf("%w: a Standard Webhooks secret is whsec_ followed by base64", ErrInvalidSecret)
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: the part after whsec_ is not base64", ErrInvalidSecret)
	}
	if len(key) < minStandardKey {
		return nil, fmt.Errorf("%w: key is %d bytes, Standard Webhooks requires at least %d", ErrInvalidSecret, len(key), minStandardKey)
	}
	return key, nil
}

func standardMAC(key []byte, id, unix string, body []byte) []byte {
	return mac(key, []byte(id), []byte("."), []byte(unix), []byte("."), body)
}

// mac is HMAC-SHA256 of the concatenated parts.
func mac(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// need returns the named headers, failing on the first missing one; an
// empty name is skipped.
func need(h http.Header, a, b, c string) (string, string, string, error) {
	var vals [3]string
	for i, name := range [3]string{a, b, c} {
		if name == "" {
			continue
		}
		if vals[i] = h.Get(name); vals[i] == "" {
			return "", "", "", fmt.Errorf("%w: %s", ErrMissingHeader, name)
		}
	}
	return vals[0], vals[1], vals[2], nil
}

// checkUnix checks a unix-seconds timestamp against now ± Tolerance, which
// rejects both replays of old requests and requests dated in the future.
func checkUnix(unix string, now time.Time) error {
	sec, err := strconv.ParseInt(unix, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not unix seconds", ErrStaleTimestamp, unix)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("%w: %s off", ErrStaleTimestamp, d.Round(time.Second))
	}
	return nil
}

// validID accepts 1 to 128 letters, digits, '_' and '-', which covers
// UUIDs, ULIDs and prefixed ids and keeps the value safe in a header and
// free of the '.' that delimits the Standard Webhooks signed content.
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validType accepts event type names such as otp.max_attempts.
func validType(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
