package otp

import (
	"fmt"
	"testing"
	"time"
)

var epoch = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func TestReadCacheExpires(t *testing.T) {
	c := newReadCache(2*time.Second, 10)
	c.putApp([]byte("k"), &Application{ID: "app_1"}, c.generation(), epoch)
	c.putProject(&Project{ID: "prj_1"}, c.generation(), epoch)
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{{0, true}, {2*time.Second - time.Nanosecond, true}, {2 * time.Second, false}} {
		if _, got := c.app([]byte("k"), epoch.Add(tc.after)); got != tc.want {
			t.Errorf("app after %s: cached %t, want %t", tc.after, got, tc.want)
		}
		if _, got := c.project("prj_1", epoch.Add(tc.after)); got != tc.want {
			t.Errorf("project after %s: cached %t, want %t", tc.after, got, tc.want)
		}
	}
}

func TestReadCacheOff(t *testing.T) {
	for _, ttl := range []time.Duration{0, -time.Second} {
		c := newReadCache(ttl, 10)
		c.putApp([]byte("k"), &Application{ID: "app_1"}, c.generation(), epoch)
		c.putProject(&Project{ID: "prj_1"}, c.generation(), epoch)
		if _, ok := c.app([]byte("k"), epoch); ok {
			t.Errorf("TTL %s: an application was cached", ttl)
		}
		if _, ok := c.project("prj_1", epoch); ok {
			t.Errorf("TTL %s: a project was cached", ttl)
		}
	}
}

// A read that began before a change must not put the old row back after
// the change forgot it.
func TestReadCacheDropsFillsThatRacedAChange(t *testing.T) {
	c := newReadCache(time.Minute, 10)
	gen := c.generation()
	c.forgetApp("app_other") // any change in between, even to another row
	c.putApp([]byte("k"), &Application{ID: "app_1"}, gen, epoch)
	if _, ok := c.app([]byte("k"), epoch); ok {
		t.Error("an application read before a change was cached after it")
	}
	gen = c.generation()
	c.forgetProject("prj_other")
	c.putProject(&Project{ID: "prj_1"}, gen, epoch)
	if _, ok := c.project("prj_1", epoch); ok {
		t.Error("a project read before a change was cached after it")
	}
}

func TestReadCacheForgetsAnApplicationByID(t *testing.T) {
	c := newReadCache(time.Minute, 10)
	c.putApp([]byte("old"), &Application{ID: "app_1", APIKeyHash: []byte("old")}, c.generation(), epoch)
	c.forgetApp("app_1")
	if _, ok := c.app([]byte("old"), epoch); ok {
		t.Error("the old key of a forgotten application is still cached")
	}
}

// Another instance rotated the key: the first request with the new key
// here must end the old one too.
func TestReadCacheNewKeyDropsOldKeyOfSameApplication(t *testing.T) {
	c := newReadCache(time.Minute, 10)
	c.putApp([]byte("old"), &Application{ID: "app_1"}, c.generation(), epoch)
	c.putApp([]byte("new"), &Application{ID: "app_1"}, c.generation(), epoch)
	if _, ok := c.app([]byte("old"), epoch); ok {
		t.Error("the old key still works once the new key was read")
	}
	if _, ok := c.app([]byte("new"), epoch); !ok {
		t.Error("the new key is not cached")
	}
}

func TestReadCacheIsBounded(t *testing.T) {
	c := newReadCache(time.Minute, 5)
	for i := range 50 {
		c.putApp(fmt.Appendf(nil, "k%d", i), &Application{ID: fmt.Sprintf("app_%d", i)}, c.generation(), epoch)
		c.putProject(&Project{ID: fmt.Sprintf("prj_%d", i)}, c.generation(), epoch)
	}
	if len(c.apps) != 5 || len(c.prjs) != 5 {
		t.Errorf("%d applications and %d projects cached, want 5 each", len(c.apps), len(c.prjs))
	}
	// The index by application id follows evictions, or forgetting an
	// application could miss its entry.
	if len(c.keys) != len(c.apps) {
		t.Errorf("%d application ids indexed for %d entries", len(c.keys), len(c.apps))
	}
	for id, k := range c.keys {
		if e, ok := c.apps[k]; !ok || e.app.ID != id {
			t.Errorf("index maps %s to a key of %+v", id, e.app)
		}
	}
	// The newest entry survives: eviction makes room before adding.
	if _, ok := c.app([]byte("k49"), epoch); !ok {
		t.Error("the entry just added was evicted")
	}
}

func TestReadCacheHandsOutCopies(t *testing.T) {
	c := newReadCache(time.Minute, 10)
	a := &Application{ID: "app_1", Status: AppActive}
	c.putApp([]byte("k"), a, c.generation(), epoch)
	a.Status = AppDisabled // the caller's value is not the cache's
	got, _ := c.app([]byte("k"), epoch)
	got.Name = "changed"
	again, _ := c.app([]byte("k"), epoch)
	if again.Status != AppActive || again.Name != "" {
		t.Errorf("cached application = %+v, want it untouched by callers", again)
	}
}

// markSent runs in the write that records a delivery, whatever the
// verification's state by then: a code checked before the provider
// answered is still a message that was sent.
func TestMarkSentOnFinalVerification(t *testing.T) {
	s := &Service{}
	for _, st := range []Status{StatusVerified, StatusExpired, StatusCanceled, StatusMaxAttempts} {
		v := &Verification{ID: "ver_1", AppID: "app_1", Status: st, DeliveryStatus: DeliveryQueued}
		fx := s.markSent(v, Message{ID: "dlv_1", Channel: SMS, Attempts: 1}, SendResult{Provider: "p"}, Money{}, epoch)
		if v.Status != st || v.DeliveryStatus != DeliverySent || !v.SentAt.Equal(epoch) {
			t.Errorf("%s: verification after markSent = %s/%s sent %s", st, v.Status, v.DeliveryStatus, v.SentAt)
		}
		if len(fx.Events) != 1 || fx.Events[0].Type != EventSent || len(fx.Messages) != 1 || fx.Messages[0].Status != DeliverySent {
			t.Errorf("%s: effects = %+v, want one otp.sent event and one sent message", st, fx)
		}
	}
}
