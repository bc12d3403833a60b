package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/api"
)

// getJSON answers a GET with its status, headers and decoded body.
func getJSON(t *testing.T, url string) (*http.Response, map[string]any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

// While migrations run (held here by the migration lock another instance
// would hold), otpd already listens: /v1/health answers 200, /v1/ready
// and every other route 503 UNAVAILABLE with Retry-After. When they end,
// the real handler takes over and /v1/ready lists its checks.
func TestReadyWaitsForMigrations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a PostgreSQL cluster of its own")
	}
	pg := startPrivatePostgres(t)
	db, err := sql.Open("pgx", pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	const migrationLock = 0x6f747064_6d696772 // internal/postgres's
	if _, err := lock.ExecContext(t.Context(), `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, envFunc(outageEnv(t, pg)), pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	lines := bufio.NewScanner(pr)
	url := ""
	for url == "" && lines.Scan() {
		url, _ = strings.CutPrefix(lines.Text(), "starting on ")
	}
	if url == "" {
		t.Fatal("serve did not start listening")
	}

	if res, _ := getJSON(t, url+"/v1/health"); res.StatusCode != 200 {
		t.Errorf("/v1/health while migrating: %d, want 200", res.StatusCode)
	}
	for _, path := range []string{"/v1/ready", "/v1/verifications"} {
		res, body := getJSON(t, url+path)
		e, _ := body["error"].(map[string]any)
		if res.StatusCode != 503 || e["code"] != "UNAVAILABLE" || res.Header.Get("Retry-After") == "" {
			t.Errorf("%s while migrating: %d %v (Retry-After %q), want 503 UNAVAILABLE with Retry-After",
				path, res.StatusCode, body, res.Header.Get("Retry-After"))
		}
	}

	if _, err := lock.ExecContext(t.Context(), `SELECT pg_advisory_unlock($1)`, int64(migrationLock)); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "listening on ") {
	}
	go io.Copy(io.Discard, pr)
	res, body := getJSON(t, url+"/v1/ready")
	want := `{"data":{"checks":[{"name":"database","status":"ok"},{"name":"shutdown","status":"ok"}],"status":"ready"}}`
	if got, _ := json.Marshal(body); res.StatusCode != 200 || string(got) != want {
		t.Errorf("/v1/ready after migrating: %d %s, want 200 %s", res.StatusCode, got, want)
	}
}

// Once shutdown begins, /v1/ready fails with the shutdown check named,
// and every answer closes its connection so that keep-alive clients
// reconnect elsewhere.
func TestDrainingFailsReadinessAndClosesConnections(t *testing.T) {
	phases := newPhasedHandler()
	h, err := api.New(api.Config{Version: "test", ReadyChecks: []api.ReadyCheck{phases.shutdownCheck()}})
	if err != nil {
		t.Fatal(err)
	}
	phases.set(h)
	srv := httptest.NewServer(phases)
	defer srv.Close()

	if res, body := getJSON(t, srv.URL+"/v1/ready"); res.StatusCode != 200 || res.Close {
		t.Fatalf("/v1/ready before shutdown: %d %v (closes: %v)", res.StatusCode, body, res.Close)
	}
	phases.drain()
	res, body := getJSON(t, srv.URL+"/v1/ready")
	e, _ := body["error"].(map[string]any)
	details, _ := e["details"].(map[string]any)
	checks, _ := json.Marshal(details["checks"])
	if res.StatusCode != 503 || e["code"] != "UNAVAILABLE" || res.Header.Get("Retry-After") == "" ||
		string(checks) != `[{"error":"otpd is shutting down and finishing the requests in flight","name":"shutdown","status":"failed"}]` {
		t.Errorf("/v1/ready while draining: %d %v (Retry-After %q)", res.StatusCode, body, res.Header.Get("Retry-After"))
	}
	if !res.Close {
		t.Error("an answer while draining does not close its connection")
	}
}
