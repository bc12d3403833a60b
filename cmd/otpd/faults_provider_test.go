package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A provider fault the gateway can be switched into.
type fault int32

const (
	healthy    fault = iota
	answer500        // every request answered 500
	hang             // no answer: the request waits until the client gives up
	closeConns       // the connection closed without an answer
)

func (f fault) String() string {
	return [...]string{"healthy", "500s", "timeouts", "closed connections"}[f]
}

// twoGateways is two SMS gateways, /primary and /backup, reached through
// the generic HTTP provider. The test switches the primary into a fault
// and back. Both count the messages they accept by id and every request
// they get.
type twoGateways struct {
	fault    atomic.Int32 // of the primary
	mu       sync.Mutex
	accepted map[string]int // delivery id → times accepted by either
	requests map[string]int // "primary" or "backup" → requests
	failed   int            // requests the primary did not accept
}

func (g *twoGateways) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.Trim(r.URL.Path, "/")
	var m struct{ ID string }
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.ID == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.requests[name]++
	f := fault(g.fault.Load())
	if name != "primary" {
		f = healthy
	}
	if f != healthy {
		g.failed++
	}
	g.mu.Unlock()
	switch f {
	case answer500:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case hang:
		<-r.Context().Done() // otpd's timeout closes the connection
		return
	case closeConns:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	g.mu.Lock()
	g.accepted[m.ID]++
	g.mu.Unlock()
	fmt.Fprintf(w, `{"id":"%s-%s"}`, name, m.ID)
}

// TestProviderFaultsFailOver sends SMS under load while the first of two
// providers answers 500s, then times out, then closes its connections,
// and once more after it recovers. Every acknowledged send ends sent,
// each message reaches a gateway once, every send during a fault fails
// over to the second provider at once (attempt 1 on the primary retrying
// with its error, attempt 2 sent by the backup, both in the message log),
// and after the fault every send goes through the primary again.
func TestProviderFaultsFailOver(t *testing.T) {
	// Parallel: it spends most of its time waiting out a 15 s delivery
	// lease, as the other test that does may at the same time.
	t.Parallel()
	g := &twoGateways{accepted: map[string]int{}, requests: map[string]int{}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	provider := `
  %s:
    type: httpapi
    channels: [sms]
    url: %s/%s
    timeout: %s
    body: '{"id": {{json .ID}}, "to": {{json .To}}, "text": {{json .Body}}}'
    message_id: {json_path: id}`
	// The primary's timeout is short so that its hangs cost the test
	// little; the backup keeps the default (10 s), so that a loaded
	// machine cannot make it fail too.
	cfg := writeConfig(t, "providers:"+fmt.Sprintf(provider, "primary", srv.URL, "primary", "1s")+fmt.Sprintf(provider, "backup", srv.URL, "backup", "10s")+`
routing:
  channels: {sms: [primary, backup]}
`)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(),
		"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_CONFIG": cfg, "OTPD_API_RATE_LIMIT": "1000000"})
	key := setupLiveApp(t, base)

	const perPhase = 40
	var all []string
	for _, f := range []fault{answer500, hang, closeConns, healthy} {
		g.fault.Store(int32(f))
		g.mu.Lock()
		failedBefore := g.failed
		g.mu.Unlock()
		load := startLoad(t, []string{base}, key)
		waitFor(t, fmt.Sprintf("%d sends during %s", perPhase, f), func() bool { return len(load.sofar()) >= perPhase })
		sent := load.end()
		leased := 0
		all = append(all, sent...)
		for _, id := range sent {
			var v map[string]any
			waitFor(t, "verification "+id+" sent", func() bool {
				_, res := call(t, "GET", base+"/v1/verifications/"+id, key, nil)
				v = data(res)
				return v["deliveryStatus"] != "queued"
			})
			if v["deliveryStatus"] != "sent" {
				t.Errorf("during %s, verification %s ended %v (%v), want sent", f, id, v["deliveryStatus"], v["lastError"])
			}
			if wantMessages(t, base, key, id, f) {
				leased++
			}
		}
		g.fault.Store(int32(healthy))
		g.mu.Lock()
		t.Logf("%s: %d sends, %d primary requests failed, every send delivered, %d after waiting out a lease", f, len(sent), g.failed-failedBefore, leased)
		g.mu.Unlock()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.accepted) != len(all) {
		t.Errorf("the gateways accepted %d messages, %d sends were acknowledged", len(g.accepted), len(all))
	}
	for id, n := range g.accepted {
		if n != 1 {
			t.Errorf("message %s accepted %d times, want once", id, n)
		}
	}
	t.Logf("%d sends in all: primary %d requests, backup %d", len(all), g.requests["primary"], g.requests["backup"])
}

// wantMessages checks a verification's message log and reports whether
// an attempt is missing from it. During a fault: the primary's failed
// attempts (retrying, with their error), then the backup's, sent; without
// one, a single attempt, sent. All under one message id; attempt 1 is
// always the primary's (attempt n goes to provider (n−1) mod 2).
//
// An attempt is missing when the worker claimed the message (the claim
// counts the attempt) but it waited in the worker's queue longer than
// MaxQueueWait (2 s) and was left to its 15 s lease: that happens when a
// provider turns slow at once, as a hanging one does, while the queue was
// sized for a fast one. The next claim is the next attempt.
func wantMessages(t *testing.T, base, key, id string, f fault) (skipped bool) {
	t.Helper()
	ms := list(t, base+"/v1/verifications/"+id+"/messages", key)
	slices.SortFunc(ms, func(a, b map[string]any) int { return cmp.Compare(a["attempt"].(float64), b["attempt"].(float64)) })
	if len(ms) == 0 {
		t.Errorf("during %s, %s has no message", f, id)
		return false
	}
	last := ms[len(ms)-1]
	for i, m := range ms {
		a := int(m["attempt"].(float64))
		wantProvider := "primary"
		if a%2 == 0 {
			wantProvider = "backup"
		}
		ok := m["provider"] == wantProvider && m["id"] == ms[0]["id"]
		if i < len(ms)-1 {
			ok = ok && f != healthy && m["status"] == "retrying" && m["error"] != ""
		} else {
			ok = ok && m["status"] == "sent" && (f == healthy || m["provider"] == "backup")
		}
		if !ok {
			t.Errorf("during %s, messages of %s = %v; want the primary's attempts retrying with their error, "+
				"the last sent (by the backup during a fault), one message id", f, id, ms)
			return false
		}
	}
	return int(last["attempt"].(float64)) != len(ms)
}
