package webhook

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Values computed outside Go, with Python's hmac module and checked with
// `openssl dgst -sha256 -hmac`:
//
//	key = base64.b64decode(secret[6:])
//	std  = b64(HMAC(key, b"evt_1.1700000000." + body))
//	kotp = hex(HMAC(secret.encode(), b"1700000000." + body))
//	cob  = hex(HMAC(secret.encode(), body))
const (
	vecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecBody   = `{"id":"evt_1","type":"otp.verified"}`
	vecID     = "evt_1"
	vecUnix   = 1700000000
)

func TestSignStandardSpecVector(t *testing.T) {
	// The vector published with the Standard Webhooks reference library
	// (libraries/go/webhook_test.go, TestWebhookSign in
	// github.com/standard-webhooks/standard-webhooks).
	h, err := Sign(Standard, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get("webhook-signature"), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("webhook-signature = %q, want %q", got, want)
	}
}

func TestSign(t *testing.T) {
	ts := time.Unix(vecUnix, 123_000_000).In(time.FixedZone("X", -5*3600))
	tests := []struct {
		scheme Scheme
		want   http.Header
	}{
		{Standard, http.Header{
			"Webhook-Id":        {"evt_1"},
			"Webhook-Timestamp": {"1700000000"},
			"Webhook-Signature": {"v1,RHnKuOFPURTzRgR9ei00m62j4XX94pW0Jq5rMEuQvD4="},
		}},
		{"", http.Header{ // the default is Standard
			"Webhook-Id":        {"evt_1"},
			"Webhook-Timestamp": {"1700000000"},
			"Webhook-Signature": {"v1,RHnKuOFPURTzRgR9ei00m62j4XX94pW0Jq5rMEuQvD4="},
		}},
		{KOTP, http.Header{
			"X-Kotp-Signature": {"a9b9944c5a0dfa639ca4ea335df6ae8c3e239bca581d0e795fb02bb50efa7ae6"},
			"X-Kotp-Timestamp": {"1700000000"},
		}},
		{Cobinar, http.Header{
			"X-Cobinar-Signature": {"sha256=42a6d8692d9a72bf522558a8b1d77171d4cf17f9a086e5fd87cd3ed5249c965c"},
			"X-Cobinar-Event":     {"otp.verified"},
			"X-Cobinar-Event-Id":  {"evt_1"},
			"X-Cobinar-Timestamp": {"2023-11-14T22:13:20.123Z"},
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.scheme), func(t *testing.T) {
			got, err := Sign(tt.scheme, vecSecret, vecID, "otp.verified", ts, []byte(vecBody))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Sign headers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSignRejects(t *testing.T) {
	ts := time.Unix(vecUnix, 0)
	tests := []struct {
		name    string
		scheme  Scheme
		secret  string
		id, typ string
		ts      time.Time
		want    error
	}{
		{"standard secret without whsec_", Standard, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", vecID, "", ts, ErrInvalidSecret},
		{"standard secret not base64", Standard, "whsec_not*base64!", vecID, "", ts, ErrInvalidSecret},
		{"standard key too short", Standard, "whsec_c2hvcnQ=", vecID, "", ts, ErrInvalidSecret},
		{"empty secret", KOTP, "", vecID, "", ts, ErrInvalidSecret},
		{"id with a dot", Standard, vecSecret, "evt.1", "", ts, ErrInvalidEvent},
		{"id with a newline", Cobinar, vecSecret, "evt\r\nX-Evil: 1", "otp.sent", ts, ErrInvalidEvent},
		{"empty id", KOTP, vecSecret, "", "", ts, ErrInvalidEvent},
		{"zero time", Standard, vecSecret, vecID, "", time.Time{}, ErrInvalidEvent},
		{"cobinar type unsafe", Cobinar, vecSecret, vecID, "otp.sent\nx", ts, ErrInvalidEvent},
		{"unknown scheme", "svix", vecSecret, vecID, "", ts, ErrUnknownScheme},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Sign(tt.scheme, tt.secret, tt.id, tt.typ, tt.ts, []byte(vecBody))
			if !errors.Is(err, tt.want) {
				t.Errorf("Sign error = %v, want %v", err, tt.want)
			}
			if h != nil {
				t.Errorf("Sign headers = %v, want nil on error", h)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	signedAt := time.Unix(vecUnix, 0)
	body := []byte(vecBody)
	const otherSecret = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	sign := func(t *testing.T, s Scheme) http.Header {
		t.Helper()
		h, err := Sign(s, vecSecret, vecID, "otp.verified", signedAt, body)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	tampered := []byte(`{"id":"evt_1","type":"otp.verified "}`)
	tests := []struct {
		name   string
		scheme Scheme
		secret string
		edit   func(h http.Header)
		body   []byte
		now    time.Time
		want   error
	}{
		{"standard ok", Standard, vecSecret, nil, body, signedAt, nil},
		{"standard ok at +5m", Standard, vecSecret, nil, body, signedAt.Add(Tolerance), nil},
		{"standard ok at -5m", Standard, vecSecret, nil, body, signedAt.Add(-Tolerance), nil},
		{"standard tampered body", Standard, vecSecret, nil, tampered, signedAt, ErrInvalidSignature},
		{"standard wrong secret", Standard, otherSecret, nil, body, signedAt, ErrInvalidSignature},
		{"standard stale", Standard, vecSecret, nil, body, signedAt.Add(Tolerance + time.Second), ErrStaleTimestamp},
		{"standard from the future", Standard, vecSecret, nil, body, signedAt.Add(-Tolerance - time.Second), ErrStaleTimestamp},
		{"standard timestamp edited", Standard, vecSecret, func(h http.Header) { h.Set("webhook-timestamp", "1700000001") }, body, signedAt, ErrInvalidSignature},
		{"standard id edited", Standard, vecSecret, func(h http.Header) { h.Set("webhook-id", "evt_2") }, body, signedAt, ErrInvalidSignature},
		{"standard rotation list", Standard, vecSecret, func(h http.Header) {
			h.Set("webhook-signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,AAAA "+h.Get("webhook-signature"))
		}, body, signedAt, nil},
		{"standard wrong version", Standard, vecSecret, func(h http.Header) {
			h.Set("webhook-signature", "v2,"+h.Get("webhook-signature")[3:])
		}, body, signedAt, ErrInvalidSignature},
		{"standard missing signature", Standard, vecSecret, func(h http.Header) { h.Del("webhook-signature") }, body, signedAt, ErrMissingHeader},
		{"standard missing id", Standard, vecSecret, func(h http.Header) { h.Del("webhook-id") }, body, signedAt, ErrMissingHeader},
		{"standard bad secret", Standard, "plain", nil, body, signedAt, ErrInvalidSecret},
		{"kotp ok", KOTP, vecSecret, nil, body, signedAt, nil},
		{"kotp tampered body", KOTP, vecSecret, nil, tampered, signedAt, ErrInvalidSignature},
		{"kotp wrong secret", KOTP, otherSecret, nil, body, signedAt, ErrInvalidSignature},
		{"kotp stale", KOTP, vecSecret, nil, body, signedAt.Add(Tolerance + time.Second), ErrStaleTimestamp},
		{"kotp timestamp edited", KOTP, vecSecret, func(h http.Header) { h.Set("x-kotp-timestamp", "1700000001") }, body, signedAt, ErrInvalidSignature},
		{"kotp not hex", KOTP, vecSecret, func(h http.Header) { h.Set("x-kotp-signature", "zz") }, body, signedAt, ErrInvalidSignature},
		{"kotp missing timestamp", KOTP, vecSecret, func(h http.Header) { h.Del("x-kotp-timestamp") }, body, signedAt, ErrMissingHeader},
		{"cobinar ok", Cobinar, vecSecret, nil, body, signedAt, nil},
		{"cobinar ok long after (timestamp unsigned)", Cobinar, vecSecret, nil, body, signedAt.Add(24 * time.Hour), nil},
		{"cobinar tampered body", Cobinar, vecSecret, nil, tampered, signedAt, ErrInvalidSignature},
		{"cobinar wrong secret", Cobinar, otherSecret, nil, body, signedAt, ErrInvalidSignature},
		{"cobinar without sha256= prefix", Cobinar, vecSecret, func(h http.Header) {
			h.Set("x-cobinar-signature", h.Get("x-cobinar-signature")[len("sha256="):])
		}, body, signedAt, ErrInvalidSignature},
		{"cobinar missing signature", Cobinar, vecSecret, func(h http.Header) { h.Del("x-cobinar-signature") }, body, signedAt, ErrMissingHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sign(t, tt.scheme)
			if tt.edit != nil {
				tt.edit(h)
			}
			err := Verify(tt.scheme, tt.secret, h, tt.body, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyUnknownScheme(t *testing.T) {
	if err := Verify("svix", vecSecret, http.Header{}, nil, time.Now()); !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("Verify(svix) = %v, want ErrUnknownScheme", err)
	}
}

func TestSchemeValid(t *testing.T) {
	for s, want := range map[Scheme]bool{"": true, Standard: true, KOTP: true, Cobinar: true, "Standard": false, "svix": false} {
		if got := s.Valid(); got != want {
			t.Errorf("Scheme(%q).Valid() = %v, want %v", s, got, want)
		}
	}
}

// Rotation vectors, computed like the ones above (Python's hmac, checked
// with openssl): the new secret's key is the 24 bytes
// "rotated otpd webhook key", the previous secret is vecSecret.
const (
	vecNewSecret  = "whsec_cm90YXRlZCBvdHBkIHdlYmhvb2sga2V5"
	vecNewStd     = "z66OKwAqE8zY74sDasK5iH69r5GGw7zfFhghhWdoyQc="
	vecOldStd     = "RHnKuOFPURTzRgR9ei00m62j4XX94pW0Jq5rMEuQvD4="
	vecNewKOTP    = "4641688bff1bdbdfcda13968b9e1df52958b001980303833110d5ff7f7dfb8d8"
	vecNewCobinar = "sha256=e0b97afd042d3fd63885b2bff1609a78b319803d08a6213ea3f7d6366a80708f"
)

// TestSignRotatingStandard: during a rotation's grace period the Standard
// header carries the new secret's signature, then the previous one's, and
// a receiver holding either secret accepts; afterwards (no previous) it
// carries one signature, which the previous secret no longer verifies.
func TestSignRotatingStandard(t *testing.T) {
	at := time.Unix(vecUnix, 0)
	body := []byte(vecBody)
	const unrelated = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

	h, err := SignRotating(Standard, vecNewSecret, vecSecret, vecID, "otp.verified", at, body)
	if err != nil {
		t.Fatal(err)
	}
	// The independently computed signatures, new first, space-separated.
	if got, want := h.Get("webhook-signature"), "v1,"+vecNewStd+" v1,"+vecOldStd; got != want {
		t.Errorf("webhook-signature during grace = %q, want %q", got, want)
	}
	for _, secret := range []string{vecNewSecret, vecSecret} {
		if err := VerifyStandard(secret, h, body, at); err != nil {
			t.Errorf("VerifyStandard with %s during grace = %v, want nil", secret, err)
		}
	}
	if err := VerifyStandard(unrelated, h, body, at); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("VerifyStandard with an unrelated secret = %v, want ErrInvalidSignature", err)
	}

	after, err := SignRotating(Standard, vecNewSecret, "", vecID, "otp.verified", at, body)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := after.Get("webhook-signature"), "v1,"+vecNewStd; got != want {
		t.Errorf("webhook-signature after grace = %q, want %q", got, want)
	}
	if err := VerifyStandard(vecNewSecret, after, body, at); err != nil {
		t.Errorf("VerifyStandard with the new secret after grace = %v, want nil", err)
	}
	if err := VerifyStandard(vecSecret, after, body, at); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("VerifyStandard with the previous secret after grace = %v, want ErrInvalidSignature", err)
	}
	plain, err := Sign(Standard, vecNewSecret, vecID, "otp.verified", at, body)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plain, after); diff != "" {
		t.Errorf("SignRotating without a previous secret differs from Sign (-Sign +SignRotating):\n%s", diff)
	}
}

// TestSignRotatingSingleSignatureSchemes: K-OTP and Cobinar headers hold one
// signature, so the new secret alone signs under them.
func TestSignRotatingSingleSignatureSchemes(t *testing.T) {
	at := time.Unix(vecUnix, 0)
	body := []byte(vecBody)
	for _, tt := range []struct {
		scheme Scheme
		header string
		want   string
	}{
		{KOTP, "x-kotp-signature", vecNewKOTP},
		{Cobinar, "x-cobinar-signature", vecNewCobinar},
	} {
		t.Run(string(tt.scheme), func(t *testing.T) {
			h, err := SignRotating(tt.scheme, vecNewSecret, vecSecret, vecID, "otp.verified", at, body)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Values(tt.header); len(got) != 1 || got[0] != tt.want {
				t.Errorf("%s = %q, want only %q", tt.header, got, tt.want)
			}
			if err := Verify(tt.scheme, vecNewSecret, h, body, at); err != nil {
				t.Errorf("Verify with the new secret = %v, want nil", err)
			}
			if err := Verify(tt.scheme, vecSecret, h, body, at); !errors.Is(err, ErrInvalidSignature) {
				t.Errorf("Verify with the previous secret = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

func TestSignRotatingRejectsABadPreviousSecret(t *testing.T) {
	h, err := SignRotating(Standard, vecNewSecret, "not a whsec secret", vecID, "", time.Unix(vecUnix, 0), []byte(vecBody))
	if !errors.Is(err, ErrInvalidSecret) || h != nil {
		t.Errorf("SignRotating = %v, %v; want no headers and ErrInvalidSecret", h, err)
	}
}
