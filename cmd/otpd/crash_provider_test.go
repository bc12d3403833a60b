package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gateway is an SMS gateway reached through the generic HTTP provider: it
// records the delivery id and verification id of every message it gets,
// and answers slowly while slow is set, so messages pile up in the outbox.
type gateway struct {
	slow atomic.Bool
	mu   sync.Mutex
	seen map[string]map[string]int // verification id → delivery id → times received
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m struct{ ID, Verification string }
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.ID == "" {
		http.Error(w, "bad body", 400)
		return
	}
	if g.slow.Load() {
		time.Sleep(200 * time.Millisecond)
	}
	g.mu.Lock()
	if g.seen[m.Verification] == nil {
		g.seen[m.Verification] = map[string]int{}
	}
	g.seen[m.Verification][m.ID]++
	g.mu.Unlock()
	fmt.Fprintf(w, `{"id":"gw-%s"}`, m.ID)
}

// TestKill9WithQueuedProviderMessages kills a real otpd process with
// SIGKILL while messages to a live provider are queued and in flight, and
// checks that after a restart every acknowledged verification reaches the
// provider at least once, always under the same message id, so that the
// provider (or its receiver) can drop duplicates.
func TestKill9WithQueuedProviderMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	g := &gateway{seen: map[string]map[string]int{}}
	g.slow.Store(true)
	srv := httptest.NewServer(g)
	defer srv.Close()

	dir := t.TempDir()
	bin := otpdBinary(t)
	cfg := filepath.Join(dir, "otpd.yaml")
	writeFile(t, cfg, fmt.Sprintf(`
providers:
  gw:
    type: httpapi
    channels: [sms]
    url: %s/send
    body: '{"id": {{json .ID}}, "verification": {{json .VerificationID}}, "to": {{json .To}}, "text": {{json .Body}}}'
    message_id: {json_path: id}
routing:
  channels: {sms: [gw]}
`, srv.URL))
	env := []string{"OTPD_ADDR=127.0.0.1:0", "OTPD_DATA_DIR=" + filepath.Join(dir, "data"), "OTPD_CONFIG=" + cfg,
		"OTPD_ADMIN_TOKEN=" + testAdminToken, "OTPD_API_RATE_LIMIT=1000000", "OTPD_DELIVERY_WORKERS=4"}
	proc, url := startProcess(t, bin, env)
	key := setupLiveApp(t, url)

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				to := fmt.Sprintf("+1415555%d%03d", w, i%1000)
				st, v, err := tryCall(url+"/v1/verifications", key, map[string]any{"to": to, "channel": "sms"})
				if err != nil {
					return
				}
				if st == 201 {
					mu.Lock()
					acked = append(acked, data(v)["id"].(string))
					mu.Unlock()
				}
			}
		})
	}
	// Kill once there is a backlog: 50 sends acknowledged, and at least 20
	// of them not yet at the slow gateway, however slowly the machine runs
	// today.
	waitFor(t, "a backlog of acknowledged sends", func() bool {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		g.mu.Lock()
		defer g.mu.Unlock()
		return n >= 50 && n-len(g.seen) >= 20
	})
	if err := proc.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	close(stop)
	wg.Wait()
	g.mu.Lock()
	before := len(g.seen)
	g.mu.Unlock()

	g.slow.Store(false)
	_, url = startProcess(t, bin, env)
	deadline := time.Now().Add(45 * time.Second) // messages claimed at the kill wait out their lease
	missing := len(acked)
	for missing > 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		g.mu.Lock()
		missing = 0
		for _, id := range acked {
			if len(g.seen[id]) == 0 {
				missing++
			}
		}
		g.mu.Unlock()
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged messages never reached the provider after the restart", missing, len(acked))
	}
	dups := 0
	g.mu.Lock()
	for _, id := range acked {
		if len(g.seen[id]) != 1 {
			t.Errorf("verification %s reached the gateway under %d message ids, want one", id, len(g.seen[id]))
		}
		for _, n := range g.seen[id] {
			dups += n - 1
		}
	}
	g.mu.Unlock()
	// otpd records a message as sent after the gateway has answered, so
	// the last ones may still be on their way to the store.
	for _, id := range acked[:10] {
		waitFor(t, "verification "+id+" recorded as sent", func() bool {
			st, v := call(t, "GET", url+"/v1/verifications/"+id, key, nil)
			return st == 200 && data(v)["deliveryStatus"] == "sent"
		})
	}
	t.Logf("%d acknowledged, %d at the gateway before the kill, all delivered after; %d duplicate receipts (same id)", len(acked), before, dups)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
