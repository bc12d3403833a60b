package otp

// These tests reach the unexported primitives (code generation, code HMAC,
// sealing, previews), so they live inside the package.

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func testKey(t *testing.T) *ServerKey {
	t.Helper()
	k, err := ParseServerKey(GenerateServerKey())
	if err != nil {
		t.Fatalf("ParseServerKey(GenerateServerKey()): %v", err)
	}
	return k
}

func TestGenerateCodeShape(t *testing.T) {
	for length := MinCodeLength; length <= MaxCodeLength; length++ {
		for range 100 {
			code := generateCode(length)
			if len(code) != length {
				t.Fatalf("generateCode(%d) = %q, length %d", length, code, len(code))
			}
			if strings.Trim(code, "0123456789") != "" {
				t.Fatalf("generateCode(%d) = %q, want digits only", length, code)
			}
		}
	}
}

// TestGenerateCodeUniform counts 100,000 characters of each alphabet and
// applies a chi-square test. With 9 degrees of freedom (digits) a
// statistic above 50 happens by chance about once in ten million runs,
// and with 32 (CodeAlphanumeric's 33 characters, whose number does not
// divide 256) one above 100 less than once in a hundred million, so the
// bounds catch a broken or grossly biased generator without flaking.
func TestGenerateCodeUniform(t *testing.T) {
	for _, c := range []struct {
		alphabet CodeAlphabet
		bound    float64
	}{{CodeDigits, 50}, {CodeAlphanumeric, 100}} {
		const codes, length = 10_000, 10
		chars := c.alphabet.chars()
		counts := make([]int, len(chars))
		for range codes {
			for _, r := range generateCodeOf(length, c.alphabet) {
				counts[strings.IndexRune(chars, r)]++
			}
		}
		expected := float64(codes*length) / float64(len(chars))
		chi2 := 0.0
		for _, n := range counts {
			d := float64(n) - expected
			chi2 += d * d / expected
		}
		if chi2 > c.bound {
			t.Errorf("%s: chi-square of character counts %v = %.1f, want at most %v", c.alphabet, counts, chi2, c.bound)
		}
	}
}

func TestCodeHash(t *testing.T) {
	k := testKey(t)
	h := k.codeHash("ver_1", "123456")
	tests := []struct {
		name string
		key  *ServerKey
		id   string
		code string
		want bool
	}{
		{"same id and code", k, "ver_1", "123456", true},
		{"other code", k, "ver_1", "123457", false},
		{"other verification", k, "ver_2", "123456", false},
		{"code moved into the id", k, "ver_11", "23456", false},
		{"other server key", testKey(t), "ver_1", "123456", false},
		{"empty code", k, "ver_1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.key.codeMatches(tt.id, tt.code, h); got != tt.want {
				t.Errorf("codeMatches(%q, %q) = %v, want %v", tt.id, tt.code, got, tt.want)
			}
		})
	}
	if bytes.Contains(h, []byte("123456")) {
		t.Errorf("codeHash contains the code in the clear: %x", h)
	}
}

func TestSealOpen(t *testing.T) {
	k := testKey(t)
	sealed := k.seal("483920", "ver_1")
	got, err := k.open(sealed, "ver_1")
	if err != nil || got != "483920" {
		t.Fatalf("open(seal(%q)) = %q, %v; want the plaintext", "483920", got, err)
	}
	if again := k.seal("483920", "ver_1"); bytes.Equal(again, sealed) {
		t.Errorf("two seals of one plaintext are equal; want a fresh nonce each time")
	}
	if bytes.Contains(sealed, []byte("483920")) {
		t.Errorf("sealed value %x contains the plaintext", sealed)
	}

	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name   string
		key    *ServerKey
		sealed []byte
		ad     string
	}{
		{"wrong associated data", k, sealed, "ver_2"},
		{"other server key", testKey(t), sealed, "ver_1"},
		{"tampered", k, tampered, "ver_1"},
		{"truncated to the nonce", k, sealed[:k.aead.NonceSize()], "ver_1"},
		{"shorter than a nonce", k, sealed[:3], "ver_1"},
		{"empty", k, nil, "ver_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := tt.key.open(tt.sealed, tt.ad); err == nil {
				t.Errorf("open = %q, nil; want an error", got)
			}
		})
	}
}

func TestParseServerKey(t *testing.T) {
	root := bytes.Repeat([]byte{0xab}, ServerKeySize)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"64 hex digits", hex.EncodeToString(root), true},
		{"upper-case hex", strings.ToUpper(hex.EncodeToString(root)), true},
		{"hex with surrounding space", "  " + hex.EncodeToString(root) + "\n", true},
		{"base64", base64.StdEncoding.EncodeToString(root), true},
		{"generated", GenerateServerKey(), true},
		{"62 hex digits", hex.EncodeToString(root[:31]), false},
		{"66 hex digits", hex.EncodeToString(append(root, 1)), false},
		{"64 characters not hex", strings.Repeat("g", 64), false},
		{"base64 of 31 bytes", base64.StdEncoding.EncodeToString(root[:31]), false},
		{"base64 of 33 bytes", base64.StdEncoding.EncodeToString(append(root, 1)), false},
		{"url-safe base64", base64.RawURLEncoding.EncodeToString(root), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseServerKey(tt.in)
			if got := err == nil; got != tt.ok {
				t.Fatalf("ParseServerKey(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			}
			if tt.ok && k == nil {
				t.Fatalf("ParseServerKey(%q) = nil, nil", tt.in)
			}
		})
	}

	// The two spellings of one root must give the same working keys.
	fromHex, _ := ParseServerKey(hex.EncodeToString(root))
	fromB64, _ := ParseServerKey(base64.StdEncoding.EncodeToString(root))
	if !bytes.Equal(fromHex.codeHash("v", "1"), fromB64.codeHash("v", "1")) {
		t.Errorf("hex and base64 of one root give different code keys")
	}
	if got, err := fromB64.open(fromHex.seal("x", "v"), "v"); err != nil || got != "x" {
		t.Errorf("a value sealed with the hex key opens with the base64 key as %q, %v; want %q", got, err, "x")
	}
	if _, err := NewServerKey(root[:16]); err == nil {
		t.Errorf("NewServerKey(16 bytes) succeeded, want an error")
	}
}

func TestPreview(t *testing.T) {
	tests := []struct {
		secret string
		want   string
	}{
		{"otpd_live_api_0123456789abcdef0123456789abcdef0123456789abcdef", "otpd_live_api_****cdef"},
		{"otpd_test_secret_ffeeddccbbaa99887766554433221100ffeeddccbbaa9988", "otpd_test_secret_****9988"},
		{"nounderscore0123456789", "****"},
		{"key_1234567", "****"}, // too short after the prefix to show four
		{"key_12345678", "key_****5678"},
		{"", "****"},
	}
	for _, tt := range tests {
		if got := preview(tt.secret); got != tt.want {
			t.Errorf("preview(%q) = %q, want %q", tt.secret, got, tt.want)
		}
	}

	// Real tokens: the random middle never shows, whatever the prefix.
	for _, prefix := range []string{credentialPrefix(Live, "api"), credentialPrefix(Test, "secret"), "x_"} {
		for range 100 {
			secret := newToken(prefix)
			got := preview(secret)
			middle := secret[len(prefix) : len(secret)-4]
			for i := 0; i+5 <= len(middle); i++ {
				if strings.Contains(got, middle[i:i+5]) {
					t.Fatalf("preview(%q) = %q shows %q from the middle", secret, got, middle[i:i+5])
				}
			}
			if want := prefix + "****" + secret[len(secret)-4:]; got != want {
				t.Fatalf("preview(%q) = %q, want %q", secret, got, want)
			}
		}
	}
}

// During a rotation the current key seals and HMACs; values of the
// previous key, in the format with a key id or in the older one without,
// still open and match, and openSealed tells which need re-sealing.
func TestServerKeyRotation(t *testing.T) {
	old, cur := testKey(t), testKey(t)
	ring := cur.WithPrevious(old)
	if ring.ID() != cur.ID() || ring.Previous().ID() != old.ID() || cur.ID() == old.ID() || len(cur.ID()) != 2*keyIDSize {
		t.Fatalf("ids: ring %s previous %s, current %s, old %s", ring.ID(), ring.Previous().ID(), cur.ID(), old.ID())
	}
	if k := cur.WithPrevious(cur); k.Previous() != nil {
		t.Errorf("a key as its own previous key is kept as previous")
	}

	legacy := func(k *ServerKey, plain, ad string) []byte { // the format before key ids
		nonce := randomBytes(k.aead.NonceSize())
		return k.aead.Seal(nonce, nonce, []byte(plain), []byte(ad))
	}
	tests := []struct {
		name        string
		sealed      []byte
		wantCurrent bool
	}{
		{"current key", cur.seal("s1", "ad"), true},
		{"previous key", old.seal("s1", "ad"), false},
		{"current key, without key id", legacy(cur, "s1", "ad"), false},
		{"previous key, without key id", legacy(old, "s1", "ad"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, current, err := ring.openSealed(tt.sealed, "ad")
			if err != nil || got != "s1" || current != tt.wantCurrent {
				t.Errorf("openSealed = %q, current %v, %v; want s1, current %v", got, current, err, tt.wantCurrent)
			}
		})
	}

	sealed := ring.seal("s2", "ad")
	if id, ok := sealedKeyID(sealed); !ok || id != cur.ID() {
		t.Errorf("sealed with key %q (%v); want the current key %s", id, ok, cur.ID())
	}
	if _, err := old.open(sealed, "ad"); err == nil {
		t.Errorf("the previous key opens what the ring sealed; want the current key used")
	}

	// Without the previous key, its values do not open, and the error
	// names the key that sealed them.
	_, err := cur.open(old.seal("s3", "ad"), "ad")
	if err == nil || !strings.Contains(err.Error(), old.ID()) || !strings.Contains(err.Error(), "OTPD_SECRET_KEY") {
		t.Errorf("open of a value of another key: %v; want an error naming key %s and OTPD_SECRET_KEY", err, old.ID())
	}

	// Code HMACs made with the previous key still match; new ones use the current key.
	h := old.codeHash("ver_1", "123456")
	if !ring.codeMatches("ver_1", "123456", h) || ring.codeMatches("ver_1", "123457", h) {
		t.Errorf("codeMatches with the previous key's HMAC is wrong")
	}
	if cur.codeMatches("ver_1", "123456", h) {
		t.Errorf("the current key alone matches the previous key's HMAC")
	}
	if !bytes.Equal(ring.codeHash("ver_1", "123456"), cur.codeHash("ver_1", "123456")) {
		t.Errorf("the ring HMACs with another key than the current one")
	}
}

// TestGenerateCodeAllocations: drawing a code allocates only the code.
func TestGenerateCodeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are counted without the race detector: it moves values to the heap")
	}
	if n := testing.AllocsPerRun(100, func() { generateCodeOf(MaxCodeLength, CodeAlphanumeric) }); n > 1 {
		t.Errorf("generateCodeOf allocates %v times, want at most 1", n)
	}
}
