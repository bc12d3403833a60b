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
	"time"
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

// The primary's circuit breaker in TestProviderFaultsFailOver, and the
// delivery workers, which bound the requests in flight when it opens.
const (
	faultBreakerFailures = 3
	faultBreakerCoolDown = 2 * time.Second
	faultDeliveryWorkers = 4
)

// wantEachOnce checks that the gateways accepted one message for each of
// the sends, and each once.
func (g *twoGateways) wantEachOnce(t *testing.T, sends []string) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.accepted) != len(sends) {
		t.Errorf("the gateways accepted %d messages, %d sends were acknowledged", len(g.accepted), len(sends))
	}
	for id, n := range g.accepted {
		if n != 1 {
			t.Errorf("message %s accepted %d times, want once", id, n)
		}
	}
}

// TestProviderFaultsFailOver sends SMS under load while the first of two
// providers answers 500s, then times out, then closes its connections,
// and once more after it recovers. Every acknowledged send ends sent,
// each message reaches a gateway once, every send during a fault fails
// over to the second provider at once (attempt 1 on the primary retrying
// with its error, attempt 2 sent by the backup, both in the message log,
// no attempt missing), and after the fault every send goes through the
// primary again.
//
// The primary's circuit breaker opens after 3 failures in a row: from
// then on the primary is skipped without a request ("provider circuit
// open" in the log) but for one trial every 2 s cool-down, so during each
// fault it gets at most the 3 failures, the requests already in flight
// (one per delivery worker) and the trials, however many sends there are.
// Each phase begins once a send went through the primary again, so that
// its breaker opens on that phase's kind of failure.
func TestProviderFaultsFailOver(t *testing.T) {
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
	breaker := fmt.Sprintf("\n    circuit_breaker: {failures: %d, cool_down: %s}", faultBreakerFailures, faultBreakerCoolDown)
	// The primary's timeout is short so that its hangs cost the test
	// little; the backup keeps the default (10 s), so that a loaded
	// machine cannot make it fail too.
	cfg := writeConfig(t, "providers:"+fmt.Sprintf(provider, "primary", srv.URL, "primary", "1s")+breaker+
		fmt.Sprintf(provider, "backup", srv.URL, "backup", "10s")+`
routing:
  channels: {sms: [primary, backup]}
`)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(),
		"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_CONFIG": cfg, "OTPD_API_RATE_LIMIT": "1000000",
		"OTPD_DELIVERY_WORKERS": fmt.Sprint(faultDeliveryWorkers)})
	key := setupLiveApp(t, base)

	const perPhase = 40
	var all []string
	for _, f := range []fault{answer500, hang, closeConns, healthy} {
		// Each phase starts with the primary's breaker closed: after a
		// fault it closes on the first trial, and until then sends go
		// to the backup.
		all = append(all, waitForPrimary(t, base, key)...)
		g.mu.Lock()
		requestsBefore := g.requests["primary"]
		g.mu.Unlock()
		begin := time.Now()
		g.fault.Store(int32(f))
		load := startLoad(t, []string{base}, key)
		waitFor(t, fmt.Sprintf("%d sends during %s", perPhase, f), func() bool { return len(load.sofar()) >= perPhase })
		sent := load.end()
		all = append(all, sent...)
		skipped := 0
		for _, id := range sent {
			wantSent(t, base, key, id, f)
			skipped += wantMessages(t, base, key, id, f)
		}
		g.mu.Lock()
		requests := g.requests["primary"] - requestsBefore
		g.mu.Unlock()
		elapsed := time.Since(begin) // covers every request of the phase
		g.fault.Store(int32(healthy))
		t.Logf("%s: %d sends, %d primary requests, %d attempts skipped by the open breaker, every send delivered", f, len(sent), requests, skipped)
		if f == healthy {
			continue
		}
		// Time only loosens the bound (one trial per cool-down); the
		// count is of the requests the failing primary really got.
		if most := faultBreakerFailures + faultDeliveryWorkers + 1 + int(elapsed/faultBreakerCoolDown); requests > most {
			t.Errorf("during %s the failing primary got %d requests in %s, want at most %d: %d failures open its breaker, "+
				"then only the %d in flight and a trial every %s reach it", f, requests, elapsed.Round(time.Millisecond), most,
				faultBreakerFailures, faultDeliveryWorkers, faultBreakerCoolDown)
		}
		if skipped == 0 {
			t.Errorf("during %s no attempt was skipped by the primary's open breaker: every send waited for the primary", f)
		}
	}
	g.wantEachOnce(t, all)
	g.mu.Lock()
	defer g.mu.Unlock()
	t.Logf("%d sends in all: primary %d requests, backup %d", len(all), g.requests["primary"], g.requests["backup"])
}

// wantSent waits until verification id is no longer queued, and checks
// that it ended sent, although its first provider failed with f.
func wantSent(t *testing.T, base, key, id string, f fault) {
	t.Helper()
	var v map[string]any
	waitFor(t, "verification "+id+" sent", func() bool {
		_, res := call(t, "GET", base+"/v1/verifications/"+id, key, nil)
		v = data(res)
		return v["deliveryStatus"] != "queued"
	})
	if v["deliveryStatus"] != "sent" {
		t.Errorf("during %s, verification %s ended %v (%v), want sent", f, id, v["deliveryStatus"], v["lastError"])
	}
}

// waitForPrimary sends one SMS at a time until one goes through the
// primary in one attempt: its breaker, open after a fault, has closed.
// It returns the sends.
func waitForPrimary(t *testing.T, base, key string) []string {
	t.Helper()
	var ids []string
	waitFor(t, "the primary's breaker to close", func() bool {
		to := fmt.Sprintf("+1415555%04d", 1000+loadNumbers.Add(1)%9000)
		st, res := call(t, "POST", base+"/v1/verifications", key, map[string]any{"to": to, "channel": "sms"})
		if st != http.StatusCreated {
			t.Fatalf("create: %d %v", st, res)
		}
		id := data(res)["id"].(string)
		ids = append(ids, id)
		var ms []map[string]any
		waitFor(t, "verification "+id+" sent", func() bool {
			ms = list(t, base+"/v1/verifications/"+id+"/messages", key)
			return slices.ContainsFunc(ms, func(m map[string]any) bool { return m["status"] == "sent" })
		})
		return len(ms) == 1 && ms[0]["provider"] == "primary"
	})
	return ids
}

// wantMessages checks a verification's message log and returns how many
// of its attempts the primary's open breaker skipped. During a fault: the
// primary's failed attempts (retrying, with their error), then the
// backup's, sent; without one, a single attempt, sent. All under one
// message id, and every attempt there: attempt 1 is always the primary's
// (attempt n goes to provider (n−1) mod 2), and no claim of the message
// went unrecorded (a message that waited too long in the worker's queue
// is handed back with its claim's attempt un-counted, not left to its
// lease).
func wantMessages(t *testing.T, base, key, id string, f fault) (skipped int) {
	t.Helper()
	ms := list(t, base+"/v1/verifications/"+id+"/messages", key)
	slices.SortFunc(ms, func(a, b map[string]any) int { return cmp.Compare(a["attempt"].(float64), b["attempt"].(float64)) })
	if len(ms) == 0 {
		t.Errorf("during %s, %s has no message", f, id)
		return 0
	}
	for i, m := range ms {
		a := int(m["attempt"].(float64))
		wantProvider := "primary"
		if a%2 == 0 {
			wantProvider = "backup"
		}
		ok := a == i+1 && m["provider"] == wantProvider && m["id"] == ms[0]["id"]
		if i < len(ms)-1 {
			ok = ok && f != healthy && m["status"] == "retrying" && m["error"] != ""
		} else {
			ok = ok && m["status"] == "sent" && (f == healthy || m["provider"] == "backup")
		}
		if !ok {
			t.Errorf("during %s, messages of %s = %v; want attempts 1, 2, … with none missing, the primary's "+
				"retrying with their error, the last sent (by the backup during a fault), one message id", f, id, ms)
			return 0
		}
		if e, _ := m["error"].(string); strings.Contains(e, "provider circuit open") {
			skipped++
		}
	}
	return skipped
}

// TestSlowProviderClaimsHandedBack: the only provider turns from fast to
// timing out (its breaker set never to open) while one delivery worker
// has claimed ahead for a fast provider. What waits too long in its queue
// is handed back to the outbox, due at once with its claim's attempt
// un-counted, rather than left to its 15 s lease: once the provider is
// back every message is sent once, and every message's log has each of
// its attempts, none missing.
func TestSlowProviderClaimsHandedBack(t *testing.T) {
	t.Parallel()
	g := &twoGateways{accepted: map[string]int{}, requests: map[string]int{}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  primary:
    type: httpapi
    channels: [sms]
    url: %s/primary
    timeout: 1s
    body: '{"id": {{json .ID}}, "to": {{json .To}}, "text": {{json .Body}}}'
    message_id: {json_path: id}
    circuit_breaker: {failures: 1000000}
routing:
  channels: {sms: [primary]}
`, srv.URL))
	base, logs, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(),
		"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_CONFIG": cfg, "OTPD_API_RATE_LIMIT": "1000000",
		"OTPD_DELIVERY_WORKERS": "1"})
	key := setupLiveApp(t, base)

	// Fast first, so that the worker learns to claim ahead.
	fast := startLoad(t, []string{base}, key)
	waitFor(t, "20 sends", func() bool { return len(fast.sofar()) >= 20 })
	all := fast.end()
	waitFor(t, "them delivered", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.accepted) >= len(all)
	})
	g.fault.Store(int32(hang))
	slow := startLoad(t, []string{base}, key)
	waitFor(t, "a claim handed back", func() bool {
		return strings.Contains(logs.String(), "claimed deliveries handed back unsent") &&
			strings.Contains(logs.String(), "waited too long for a sender")
	})
	all = append(all, slow.end()...)
	g.fault.Store(int32(healthy))

	for _, id := range all {
		wantSent(t, base, key, id, hang)
		ms := list(t, base+"/v1/verifications/"+id+"/messages", key)
		slices.SortFunc(ms, func(a, b map[string]any) int { return cmp.Compare(a["attempt"].(float64), b["attempt"].(float64)) })
		for i, m := range ms {
			last := i == len(ms)-1
			if int(m["attempt"].(float64)) != i+1 || last != (m["status"] == "sent") {
				t.Errorf("messages of %s = %v; want attempts 1, 2, … with none missing, the last sent", id, ms)
				break
			}
		}
	}
	g.wantEachOnce(t, all)
	g.mu.Lock()
	defer g.mu.Unlock()
	t.Logf("%d sends, %d requests, %d of them failed", len(all), g.requests["primary"], g.failed)
}
