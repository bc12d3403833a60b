package otp

import (
	"fmt"
	"testing"
	"time"
)

// Every map of the read cache stays within its bound however many
// distinct rows are read, so a flood of keys cannot grow the process.
func TestReadCacheBounded(t *testing.T) {
	const bound = 3
	c := newReadCache(time.Minute, bound)
	for i := range 10 {
		id := fmt.Sprint(i)
		c.putApp([]byte("key"+id), &Application{ID: "app_" + id}, c.generation(), epoch)
		c.putProject(&Project{ID: "prj_" + id}, c.generation(), epoch)
		c.putDeveloperStatus("dev_"+id, DeveloperActive, c.generation(), epoch)
	}
	for _, m := range []struct {
		name string
		len  int
	}{{"applications", len(c.apps)}, {"application ids", len(c.keys)}, {"projects", len(c.prjs)}, {"developers", len(c.devs)}} {
		if m.len > bound {
			t.Errorf("%s: %d entries, want at most %d", m.name, m.len, bound)
		}
	}
	// The newest row is the one being read: it is always kept.
	if _, ok := c.app([]byte("key9"), epoch); !ok {
		t.Error("the application put last is not cached")
	}
	if _, ok := c.appByID("app_9", epoch); !ok {
		t.Error("the application put last is not cached by id")
	}
	// An application evicted by key is not found by id either.
	for i := range 9 {
		_, byKey := c.app([]byte(fmt.Sprint("key", i)), epoch)
		_, byID := c.appByID(fmt.Sprint("app_", i), epoch)
		if byKey != byID {
			t.Errorf("app_%d: cached by key %t, by id %t", i, byKey, byID)
		}
	}
}

func TestUsageCacheBounded(t *testing.T) {
	const bound = 3
	c := newUsageCache(bound)
	for i := range 10 {
		c.put(fmt.Sprint("dev_", i), usageEntry{sent: i, expires: epoch.Add(usageTTL)}, epoch)
		if len(c.m) > bound {
			t.Fatalf("after %d developers: %d entries, want at most %d", i+1, len(c.m), bound)
		}
	}
	if e, ok := c.get("dev_9"); !ok || e.sent != 9 {
		t.Errorf("the developer put last: got %+v, %t; want sent 9, cached", e, ok)
	}
	// Updating a cached developer at the bound evicts no one.
	before := len(c.m)
	c.put("dev_9", usageEntry{sent: 10, expires: epoch.Add(usageTTL)}, epoch)
	if len(c.m) != before {
		t.Errorf("updating a cached developer: %d entries, want %d", len(c.m), before)
	}
}

// Expired entries go before fresh ones when the cache is full.
func TestUsageCacheDropsExpiredFirst(t *testing.T) {
	// A full cache of fresh entries and one expired, at every place in
	// the order of insertion: each time a new entry must push out the
	// expired one and no other (an arbitrary victim would be one of the
	// 64 fresh entries 64 times in 65).
	const size = 64
	for expired := range size + 1 {
		c := newUsageCache(size + 1)
		for i := range size + 1 {
			e := usageEntry{expires: epoch.Add(time.Minute)}
			if i == expired {
				e.expires = epoch
			}
			c.put(fmt.Sprint(i), e, epoch.Add(-time.Second))
		}
		c.put("new", usageEntry{expires: epoch.Add(time.Minute)}, epoch)
		if _, ok := c.get(fmt.Sprint(expired)); ok {
			t.Errorf("expired entry %d of %d was kept", expired, size+1)
		}
		for i := range size + 1 {
			if _, ok := c.get(fmt.Sprint(i)); !ok && i != expired {
				t.Errorf("fresh entry %d was dropped while entry %d had expired", i, expired)
			}
		}
		if _, ok := c.get("new"); !ok {
			t.Error("the new entry is missing")
		}
	}
}
