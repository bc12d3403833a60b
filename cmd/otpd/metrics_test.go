package main

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// get answers a GET of url with its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func wantLines(t *testing.T, text string, want ...string) {
	t.Helper()
	lines := strings.Split(text, "\n")
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("/metrics has no line %s", w)
		}
	}
}

// Without OTPD_METRICS_ADDR the main port serves /metrics: the real
// server's requests by route pattern and dialect, the queue gauges read
// from the store, and the Go runtime and process collectors.
func TestMetricsOnTheMainPort(t *testing.T) {
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken}
	url, _, _ := startServe(t, env)
	if st, _ := get(t, url+"/openapi/kotp.json"); st != 200 {
		t.Fatalf("GET /openapi/kotp.json: %d", st)
	}
	if st, _ := get(t, url+"/v1/health"); st != 200 {
		t.Fatalf("GET /v1/health: %d", st)
	}
	st, text := get(t, url+"/metrics")
	if st != 200 {
		t.Fatalf("GET /metrics: %d\n%s", st, text)
	}
	wantLines(t, text,
		`otpd_http_requests_total{code="200",dialect="kotp",method="GET",route="/openapi/kotp.json"} 1`,
		`otpd_http_requests_total{code="200",dialect="native",method="GET",route="GET /v1/health"} 1`,
		`otpd_outbox_messages 0`,
		`otpd_webhook_queue_deliveries 0`,
	)
	for _, family := range []string{"go_goroutines ", "process_resident_memory_bytes ", "otpd_store_commit_duration_seconds_count "} {
		if !strings.Contains(text, "\n"+family) {
			t.Errorf("/metrics has no %s", family)
		}
	}
}

// With OTPD_METRICS_ADDR, /metrics is served there and not on the main
// port, which answers it as any unknown path.
func TestMetricsAddrSeparatesTheListener(t *testing.T) {
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_METRICS_ADDR": "127.0.0.1:0"}
	url, stderr, _ := startServe(t, env)
	if st, body := get(t, url+"/metrics"); st != 404 || strings.Contains(body, "otpd_") {
		t.Errorf("GET /metrics on the main port: %d %.200s; want 404", st, body)
	}
	m := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", stderr)
	}
	st, text := get(t, m[1])
	if st != 200 {
		t.Fatalf("GET %s: %d\n%s", m[1], st, text)
	}
	wantLines(t, text, `otpd_http_requests_total{code="404",dialect="native",method="GET",route="/"} 1`)
	if st, _ := get(t, strings.TrimSuffix(m[1], "/metrics")+"/v1/health"); st != 404 {
		t.Errorf("the metrics listener answers /v1/health with %d; want 404", st)
	}
}
