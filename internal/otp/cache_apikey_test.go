package otp

import (
	"testing"
	"time"
)

func TestReadCacheKeepsExtraAPIKeysForTheTTL(t *testing.T) {
	c := newReadCache(2*time.Second, 10)
	c.putAPIKey(&APIKey{ID: "key_1", AppID: "app_1", Hash: []byte("h")}, c.generation(), epoch)
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{{0, true}, {2*time.Second - time.Nanosecond, true}, {2 * time.Second, false}} {
		if _, got := c.apiKey([]byte("h"), epoch.Add(tc.after)); got != tc.want {
			t.Errorf("key after %s: cached %t, want %t", tc.after, got, tc.want)
		}
	}
	// An extra key is not an application's own key.
	if _, ok := c.app([]byte("h"), epoch); ok {
		t.Error("an extra key's hash finds an application entry")
	}
}

// A read of a key that began before its revocation must not put it back.
func TestReadCacheDropsAKeyFillThatRacedARevocation(t *testing.T) {
	c := newReadCache(time.Minute, 10)
	gen := c.generation()
	c.forgetAPIKey("key_1")
	c.putAPIKey(&APIKey{ID: "key_1", Hash: []byte("h")}, gen, epoch)
	if _, ok := c.apiKey([]byte("h"), epoch); ok {
		t.Error("a key read before its revocation was cached after it")
	}
	c.putAPIKey(&APIKey{ID: "key_1", Hash: []byte("h")}, c.generation(), epoch)
	c.forgetAPIKey("key_1")
	if _, ok := c.apiKey([]byte("h"), epoch); ok {
		t.Error("a revoked key is still cached")
	}
}

func TestReadCacheBoundsExtraAPIKeys(t *testing.T) {
	c := newReadCache(time.Minute, 3)
	for i := range 10 {
		id := string(rune('a' + i))
		c.putAPIKey(&APIKey{ID: "key_" + id, Hash: []byte(id)}, c.generation(), epoch)
	}
	if len(c.extra) != 3 || len(c.extraIDs) != 3 {
		t.Errorf("cache holds %d keys (%d ids), want the bound 3", len(c.extra), len(c.extraIDs))
	}
	if _, ok := c.apiKey([]byte("j"), epoch); !ok {
		t.Error("the newest key is not cached")
	}
}
