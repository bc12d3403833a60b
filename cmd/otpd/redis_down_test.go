package main

import (
	"net"
	"strings"
	"testing"
)

// TestServeWithRedisDown: otpd starts while the Redis at OTPD_REDIS_URL
// is unreachable, says so once, and serves a send and its check with
// per-instance limits.
func TestServeWithRedisDown(t *testing.T) {
	// A port that was free a moment ago: nothing answers there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	url, stderr, _ := startServe(t, map[string]string{
		"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_REDIS_URL": "redis://" + closed + "/0",
	})
	key := setupApp(t, url)
	st, v := call(t, "POST", url+"/v1/verifications", key, map[string]any{"to": "+1 415 555 2671", "channel": "sms"})
	if st != 201 {
		t.Fatalf("send with Redis down: %d %v", st, v)
	}
	code := waitCode(t, url, key, "+14155552671")
	st, c := call(t, "POST", url+"/v1/verifications/"+data(v)["id"].(string)+"/check", key, map[string]any{"code": code})
	if st != 200 || data(c)["valid"] != true {
		t.Fatalf("check with Redis down: %d %v", st, c)
	}
	if n := strings.Count(stderr.String(), "redis unreachable: rate limits are per instance until it returns"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, stderr)
	}
}
