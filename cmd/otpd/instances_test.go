package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/otpd/otpd/client"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/postgres/pgtest"
)

// The tests below run two otpd instances on one PostgreSQL schema and one
// Redis, as a deployment behind a load balancer does, and check what must
// hold whichever instance a request reaches: a code is accepted once,
// limits are shared, every message and every webhook event goes out once.

// testRedisURL returns OTPD_TEST_REDIS_URL, or skips the test when it is
// not set; under CI it fails instead, because CI always sets it.
func testRedisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("OTPD_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OTPD_TEST_REDIS_URL is not set under CI")
		}
		t.Skip("OTPD_TEST_REDIS_URL is not set; skipping the two-instance test (e.g. redis://127.0.0.1:6379/0)")
	}
	return u
}

// clusterEnv is the environment every instance of one deployment shares:
// a fresh PostgreSQL schema, the test Redis, one server key (each
// instance must open what another sealed) and the admin token. Each
// instance still needs its own OTPD_DATA_DIR.
func clusterEnv(t *testing.T) map[string]string {
	t.Helper()
	redisURL := testRedisURL(t)
	return map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_DATABASE_URL": pgtest.NewSchema(t), "OTPD_REDIS_URL": redisURL, "OTPD_SECRET_KEY": otp.GenerateServerKey(),
		"OTPD_WEBHOOK_ALLOW_PRIVATE": "1", "OTPD_API_RATE_LIMIT": "1000000", "OTPD_DELIVERY_WORKERS": "4"}
}

// startInstance runs one in-process instance of the deployment env
// describes, with extra settings of its own.
func startInstance(t *testing.T, env map[string]string, extra map[string]string) string {
	t.Helper()
	own := map[string]string{"OTPD_DATA_DIR": t.TempDir()}
	for k, v := range env {
		own[k] = v
	}
	for k, v := range extra {
		own[k] = v
	}
	base, _, _ := startServe(t, own)
	return base
}

// eventCounter is a webhook endpoint that counts the events it accepts by
// their id, the one a receiver deduplicates on.
type eventCounter struct {
	mu       sync.Mutex
	accepted map[string]int // event id → times received
	requests int
}

func (c *eventCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct{ ID string }
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.requests++
	c.accepted[p.ID]++
	c.mu.Unlock()
}

// list reads every page of a list endpoint.
func list(t *testing.T, url, token string) []map[string]any {
	t.Helper()
	var all []map[string]any
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	for cursor := ""; ; {
		u := url + sep + "limit=200"
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		st, res := call(t, "GET", u, token, nil)
		if st != 200 {
			t.Fatalf("GET %s: %d %v", u, st, res)
		}
		for _, x := range res["data"].([]any) {
			all = append(all, x.(map[string]any))
		}
		page, _ := res["pagination"].(map[string]any)
		if page["hasMore"] != true {
			return all
		}
		cursor = page["nextCursor"].(string)
	}
}

// TestTwoInstancesShareCodesLimitsAndWebhooks: verifications created
// through both instances and each checked with its right code many times
// at once through both are accepted exactly once each; a destination's
// limit reached through one instance refuses through the other; and the
// webhook endpoint gets every event of the log exactly once, although
// both instances run the event consumer and the webhook senders.
func TestTwoInstancesShareCodesLimitsAndWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two servers on PostgreSQL and Redis")
	}
	hooks := &eventCounter{accepted: map[string]int{}}
	srv := httptest.NewServer(hooks)
	defer srv.Close()
	env := clusterEnv(t)
	bases := [2]string{startInstance(t, env, nil), startInstance(t, env, nil)}

	st, p := call(t, "POST", bases[0]+"/v1/projects", testAdminToken, map[string]any{"name": "two", "policy": map[string]any{"sendsPerMinute": 1}})
	if st != 201 {
		t.Fatalf("create project: %d %v", st, p)
	}
	st, a := call(t, "POST", bases[1]+"/v1/applications", testAdminToken, map[string]any{"name": "two", "projectId": data(p)["id"], "environment": "test"})
	if st != 201 {
		t.Fatalf("create application: %d %v", st, a)
	}
	appID, key := data(a)["id"].(string), data(a)["apiKey"].(string)
	st, wh := call(t, "POST", bases[0]+"/v1/webhooks", testAdminToken, map[string]any{"appId": appID, "url": srv.URL + "/hooks"})
	if st != 201 {
		t.Fatalf("create webhook: %d %v", st, wh)
	}
	whID := data(wh)["id"].(string)

	// 20 verifications, created through either instance.
	const n, checksEach = 20, 8
	ids, codes := make([]string, n), make([]string, n)
	for i := range n {
		to := fmt.Sprintf("+1415555%04d", 5000+i)
		st, v := call(t, "POST", bases[i%2]+"/v1/verifications", key, map[string]any{"to": to, "channel": "sms"})
		if st != 201 {
			t.Fatalf("create %d: %d %v", i, st, v)
		}
		ids[i], codes[i] = data(v)["id"].(string), waitCode(t, bases[(i+1)%2], key, to)
	}

	// The per-destination limit (1 a minute) is counted in Redis: the
	// first destination's send above refuses a second through either
	// instance. Its period is a minute, so no refill can come between.
	for _, base := range bases {
		_, err := client.New(base, key).CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+14155555000", Channel: client.SMS})
		if !client.IsCode(err, "RATE_LIMITED") {
			t.Errorf("a second send to one destination through %s: %v, want 429 RATE_LIMITED", base, err)
		}
	}

	// Every right check at once, half through each instance.
	valid := make([]atomic.Int32, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		for j := range checksEach {
			wg.Go(func() {
				<-start
				st, res, err := tryCall(bases[j%2]+"/v1/verifications/"+ids[i]+"/check", key, map[string]any{"code": codes[i]})
				switch {
				case err != nil:
					t.Errorf("check %s: %v", ids[i], err)
				case st == 200 && data(res)["valid"] == true:
					valid[i].Add(1)
				case st >= 500:
					t.Errorf("check %s: %d %v", ids[i], st, res)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	for i := range n {
		if got := valid[i].Load(); got != 1 {
			t.Errorf("verification %s: %d of %d concurrent right checks succeeded, want exactly 1", ids[i], got, checksEach)
		}
	}

	// Webhooks: one delivery per event of the log, each accepted once.
	events := list(t, bases[0]+"/v1/logs?appId="+appID, testAdminToken)
	if len(events) != 3*n {
		t.Errorf("%d events in the log, want %d (created, sent, verified each)", len(events), 3*n)
	}
	var deliveries []map[string]any
	waitFor(t, "every event's webhook delivered", func() bool {
		deliveries = list(t, bases[1]+"/v1/webhooks/"+whID+"/deliveries", testAdminToken)
		if len(deliveries) < len(events) {
			return false
		}
		for _, d := range deliveries {
			if d["status"] != "delivered" {
				return false
			}
		}
		return true
	})
	perEvent := map[string]int{}
	attempts := 0
	for _, d := range deliveries {
		perEvent[d["eventId"].(string)]++
		attempts += int(d["attempts"].(float64))
	}
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	for _, e := range events {
		id := e["id"].(string)
		if perEvent[id] != 1 || hooks.accepted[id] != 1 {
			t.Errorf("event %s (%s): %d deliveries, received %d times; want 1 and 1", id, e["type"], perEvent[id], hooks.accepted[id])
		}
	}
	if len(deliveries) != len(events) || len(hooks.accepted) != len(events) || hooks.requests != attempts {
		t.Errorf("%d events, %d deliveries, %d distinct events received in %d requests for %d attempts; want all equal",
			len(events), len(deliveries), len(hooks.accepted), hooks.requests, attempts)
	}
	t.Logf("%d verifications × %d concurrent right checks over 2 instances: %d accepted; %d events, %d webhook requests",
		n, checksEach, n, len(events), hooks.requests)
}
