package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/client"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

// testAdminToken passes the start-up rule for a hand-set admin token (43
// characters or more, not hex only, 10 different characters or more).
const testAdminToken = "otpd-test-admin-token-0123456789abcdefghijklmnopqrstuvwxyz"

// syncBuffer is an io.Writer that several goroutines may write while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envFunc(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// startServe runs `otpd serve` in-process and returns its base URL and a
// function that stops it and returns run's error.
//
// A data directory that exists without a database gets a copy of one
// migrated once per test process (sqlitetest): serve would otherwise run
// every migration, a second under the race detector, in each of this
// package's many servers. TestMigrate and the first-start tests cover
// migrating itself.
func startServe(t testing.TB, env map[string]string) (string, *syncBuffer, func() error) {
	t.Helper()
	if dir := env["OTPD_DATA_DIR"]; dir != "" && env["OTPD_DATABASE_URL"] == "" {
		db := filepath.Join(dir, "otpd.db")
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
				sqlitetest.WriteTo(t, db)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, envFunc(env), pw, stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	url := ""
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			url = u
			break
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("serve did not start: %v\n%s", <-done, stderr)
	}
	go io.Copy(io.Discard, pr)
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not stop within 20 s of cancel")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return url, stderr, stop
}

// call sends a JSON request and decodes the answer's data.
func call(t testing.TB, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// tryCall is call without failing the test when the server is unreachable.
func tryCall(url, token string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return 0, nil, err
	}
	return res.StatusCode, out, nil
}

func data(m map[string]any) map[string]any { d, _ := m["data"].(map[string]any); return d }

// setupApp creates a project and a test application and returns its API key.
func setupApp(t *testing.T, url string) string {
	t.Helper()
	st, p := call(t, "POST", url+"/v1/projects", testAdminToken, map[string]any{"name": "e2e"})
	if st != 201 {
		t.Fatalf("create project: %d %v", st, p)
	}
	st, a := call(t, "POST", url+"/v1/applications", testAdminToken, map[string]any{"name": "e2e", "projectId": data(p)["id"], "environment": "test"})
	if st != 201 {
		t.Fatalf("create application: %d %v", st, a)
	}
	return data(a)["apiKey"].(string)
}

// waitCode polls the test inbox until the code for to arrives; the 60 s
// bound only ends a broken run.
func waitCode(t *testing.T, url, key, to string) string {
	t.Helper()
	c := client.New(url, key)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		inbox, err := c.TestMessages(t.Context(), to)
		if err != nil {
			t.Fatalf("test inbox of %s: %v", to, err)
		}
		if len(inbox) > 0 {
			return inbox[0].Code
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no message for %s within 60 s", to)
	return ""
}

func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": dir, "OTPD_ADMIN_TOKEN": testAdminToken}
	url, stderr, stop := startServe(t, env)

	if !strings.Contains(stderr.String(), "codes are logged") && !strings.Contains(strings.ToLower(stderr.String()), "code") {
		t.Errorf("no start-up warning about logged codes in:\n%s", stderr)
	}
	fi, err := os.Stat(filepath.Join(dir, "server.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("server key file: %v, mode %v; want 0600", err, fi)
	}

	key := setupApp(t, url)
	otpd := client.New(url, key)
	v, err := otpd.CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+1 415 555 2671", Channel: client.SMS})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	code := waitCode(t, url, key, "+14155552671")
	if c, err := otpd.Check(t.Context(), v.ID, code); err != nil || !c.Valid {
		t.Fatalf("check: %+v, %v", c, err)
	}

	// A restart keeps every verification.
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after shutdown", err)
	}
	url, _, _ = startServe(t, env)
	got, err := client.New(url, key).GetVerification(t.Context(), v.ID)
	if err != nil || got.Status != "verified" {
		t.Errorf("after restart: %+v, %v", got, err)
	}
}

func TestGeneratedAdminTokenIsPrintedOnce(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": dir}
	url, stderr, stop := startServe(t, env)
	var token string
	for _, f := range strings.Fields(stderr.String()) {
		if strings.HasPrefix(f, "otpd_admin_") {
			token = f
		}
	}
	if token == "" {
		t.Fatalf("no admin token printed:\n%s", stderr)
	}
	if random := strings.TrimPrefix(token, "otpd_admin_"); len(random) != 64 || checkAdminToken(token) != nil {
		t.Errorf("generated token %q: want 32 random bytes in hex, passing the rule for tokens set by hand", token)
	}
	if st, _ := call(t, "GET", url+"/v1/projects", token, nil); st != 200 {
		t.Errorf("generated token refused: %d", st)
	}
	stop()
	url, stderr, _ = startServe(t, env)
	if strings.Contains(stderr.String(), "otpd_admin_") {
		t.Error("the admin token was printed again on the second start")
	}
	if st, _ := call(t, "GET", url+"/v1/projects", token, nil); st != 200 {
		t.Errorf("token refused after restart: %d", st)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "admin-token.sha256")); strings.Contains(string(b), token) {
		t.Error("the admin token is stored in plaintext")
	}
}

func TestCLICreatesProjectAndApplication(t *testing.T) {
	dir := t.TempDir()
	env := envFunc(map[string]string{"OTPD_DATA_DIR": dir})
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"project", "create", "-name", "CLI"}, env, &out, &errOut); err != nil {
		t.Fatalf("project create: %v\n%s", err, errOut.String())
	}
	var p map[string]any
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || p["name"] != "CLI" {
		t.Fatalf("project JSON %q: %v", out.String(), err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"app", "create", "-project", p["id"].(string), "-name", "cli", "-env", "test"}, env, &out, &errOut); err != nil {
		t.Fatalf("app create: %v\n%s", err, errOut.String())
	}
	var a map[string]any
	if err := json.Unmarshal(out.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"apiKey", "clientSecret", "clientId", "webhookSecret"} {
		if s, _ := a[f].(string); s == "" {
			t.Errorf("%s missing from %s", f, out.String())
		}
	}
	if !strings.HasPrefix(a["apiKey"].(string), "otpd_test_api_") {
		t.Errorf("apiKey %v", a["apiKey"])
	}
	err := run(t.Context(), []string{"app", "create", "-project", "prj_nope", "-name", "x"}, env, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "project not found") {
		t.Errorf("unknown project: %v", err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"migrate"}, env, &out, &errOut); err != nil {
		t.Errorf("migrate: %v", err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"version"}, env, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "otpd ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
	if err := run(t.Context(), []string{"frobnicate"}, env, &out, &errOut); err == nil {
		t.Error("unknown command accepted")
	}
}

func TestBadConfigFailsWithTheVariableName(t *testing.T) {
	for name, value := range map[string]string{
		"OTPD_SECRET_KEY":     "short",
		"OTPD_API_RATE_LIMIT": "many",
		"OTPD_LOG_FORMAT":     "xml",
		"OTPD_REDIS_URL":      "nonsense://",
	} {
		env := envFunc(map[string]string{"OTPD_DATA_DIR": t.TempDir(), "OTPD_ADDR": "127.0.0.1:0", name: value})
		err := run(t.Context(), []string{"serve"}, env, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v, want one naming %s", name, value, err, name)
		}
	}
}
