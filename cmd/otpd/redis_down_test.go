package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/otpd/otpd/client"
	"github.com/otpd/otpd/internal/ratelimit/redistest"
)

// redisOutageLine is what otpd logs, once, when Redis stops answering.
const redisOutageLine = "redis unreachable: rate limits are per instance until it returns"

// sendAndCheck makes a verification to to, checks its code and reads it,
// failing the test unless all three succeed.
func sendAndCheck(t *testing.T, url, key, to, e164 string) {
	t.Helper()
	otpd := client.New(url, key)
	v, err := otpd.CreateVerification(t.Context(), client.CreateVerificationRequest{To: to, Channel: client.SMS})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	code := waitCode(t, url, key, e164)
	if c, err := otpd.Check(t.Context(), v.ID, code); err != nil || !c.Valid {
		t.Fatalf("check: %+v, %v", c, err)
	}
	if got, err := otpd.GetVerification(t.Context(), v.ID); err != nil || got.Status != "verified" {
		t.Fatalf("read: %+v, %v", got, err)
	}
}

// wantRedisReadiness asks /v1/ready and fails the test unless it is 200
// with the redis check in state want: Redis down degrades otpd, it does
// not take it out of rotation.
func wantRedisReadiness(t *testing.T, url, want string) {
	t.Helper()
	res, err := http.Get(url + "/v1/ready")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Data struct {
			Checks []struct{ Name, Status string }
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("/v1/ready: %d, %v", res.StatusCode, err)
	}
	got := "missing"
	for _, c := range body.Data.Checks {
		if c.Name == "redis" {
			got = c.Status
		}
	}
	if res.StatusCode != http.StatusOK || got != want {
		t.Errorf("/v1/ready: %d with redis %q, want 200 with redis %q (%+v)", res.StatusCode, got, want, body)
	}
}

// TestServeWithRedisDown: otpd starts while the Redis at OTPD_REDIS_URL
// is unreachable, says so once, and serves with per-instance limits.
func TestServeWithRedisDown(t *testing.T) {
	closed := "redis://127.0.0.1:" + strconv.Itoa(redistest.FreePort(t)) + "/0"
	url, stderr, _ := startServe(t, map[string]string{
		"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_REDIS_URL": closed,
	})
	key := setupApp(t, url)
	sendAndCheck(t, url, key, "+1 415 555 2671", "+14155552671")
	if n := strings.Count(stderr.String(), redisOutageLine); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, stderr)
	}
	wantRedisReadiness(t, url, "degraded")
}

// TestServeThroughRedisOutage: Redis dies under a running otpd, which
// goes on answering sends, checks and reads, and says so once.
func TestServeThroughRedisOutage(t *testing.T) {
	r := redistest.Start(t)
	url, stderr, _ := startServe(t, map[string]string{
		"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_REDIS_URL": r.URL(),
	})
	key := setupApp(t, url)
	sendAndCheck(t, url, key, "+1 415 555 2671", "+14155552671")
	if strings.Contains(stderr.String(), redisOutageLine) {
		t.Fatalf("an outage was logged with Redis up:\n%s", stderr)
	}
	wantRedisReadiness(t, url, "ok")
	r.Kill()
	sendAndCheck(t, url, key, "+1 415 555 2672", "+14155552672")
	if n := strings.Count(stderr.String(), redisOutageLine); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, stderr)
	}
	wantRedisReadiness(t, url, "degraded")
}
