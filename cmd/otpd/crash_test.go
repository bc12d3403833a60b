package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// startProcess runs the built otpd binary and returns its URL.
func startProcess(t *testing.T, bin string, env []string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			go func() {
				for lines.Scan() {
				}
			}()
			return cmd, u
		}
	}
	t.Fatal("otpd did not start")
	return nil, ""
}

// TestKill9LosesNoAcknowledgedMessage kills a real otpd process with
// SIGKILL while clients are sending, restarts it on the same data, and
// checks every verification that got a 201 exists and gets delivered.
func TestKill9LosesNoAcknowledgedMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := otpdBinary(t)
	env := []string{"OTPD_ADDR=127.0.0.1:0", "OTPD_DATA_DIR=" + filepath.Join(dir, "data"),
		"OTPD_ADMIN_TOKEN=" + testAdminToken, "OTPD_API_RATE_LIMIT=1000000"}
	proc, url := startProcess(t, bin, env)
	key := setupApp(t, url)

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
				to := fmt.Sprintf("w%d-%d@example.com", w, i)
				st, v, err := tryCall(url+"/v1/verifications", key, map[string]any{"to": to, "channel": "email"})
				if err != nil {
					return // the server is gone
				}
				if st == 201 {
					mu.Lock()
					acked = append(acked, data(v)["id"].(string))
					mu.Unlock()
				}
			}
		})
	}
	// Kill once 50 sends are acknowledged and more are under way, however
	// slowly the machine runs today.
	waitFor(t, "50 acknowledged sends", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 50
	})
	if err := proc.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	proc.Wait()
	close(stop)
	wg.Wait()

	_, url = startProcess(t, bin, env)
	deadline := time.Now().Add(45 * time.Second) // claimed rows wait out their lease
	pending := acked
	for len(pending) > 0 && time.Now().Before(deadline) {
		var next []string
		for _, id := range pending {
			st, v := call(t, "GET", url+"/v1/verifications/"+id, key, nil)
			if st == 404 {
				t.Fatalf("acknowledged verification %s was lost", id)
			}
			if data(v)["deliveryStatus"] != "sent" {
				next = append(next, id)
			}
		}
		pending = next
		if len(pending) > 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(pending) > 0 {
		t.Fatalf("%d of %d acknowledged messages were not delivered after restart", len(pending), len(acked))
	}
	t.Logf("%d acknowledged sends survived SIGKILL and were delivered", len(acked))
}
