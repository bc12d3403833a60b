package otp_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func TestNewIDFormat(t *testing.T) {
	before := time.Now().UnixMilli()
	id := otp.NewID("ver")
	after := time.Now().UnixMilli()

	rest, ok := strings.CutPrefix(id, "ver_")
	if !ok {
		t.Fatalf("NewID(%q) = %q, want the prefix ver_", "ver", id)
	}
	b, err := hex.DecodeString(rest)
	if err != nil || len(b) != 16 || rest != strings.ToLower(rest) {
		t.Fatalf("NewID(%q) = %q, want 32 lower-case hex digits after the prefix", "ver", id)
	}
	var ms int64
	for _, x := range b[:6] {
		ms = ms<<8 | int64(x)
	}
	if ms < before || ms > after {
		t.Errorf("NewID(%q) = %q carries time %d ms, want between %d and %d", "ver", id, ms, before, after)
	}
}

func TestNewIDOrdered(t *testing.T) {
	// Many IDs share a millisecond here, so this tests the counter, not
	// only the clock.
	const n = 1000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = otp.NewID("evt")
	}
	seen := make(map[string]bool, n)
	for i, id := range ids {
		if seen[id] {
			t.Fatalf("NewID returned %q twice", id)
		}
		seen[id] = true
		if i > 0 && id <= ids[i-1] {
			t.Fatalf("NewID #%d = %q is not after #%d = %q", i, id, i-1, ids[i-1])
		}
	}
}
