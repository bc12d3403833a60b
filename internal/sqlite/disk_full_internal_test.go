package sqlite

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
)

// A full disk (simulated with max_page_count on the one write
// connection) is 503 UNAVAILABLE with Retry-After, not 500; once there is
// room again otpd serves by itself, and the file is intact.
func TestDiskFullIsUnavailableAndRecovers(t *testing.T) {
	store, write, err := open(t.Context(), filepath.Join(t.TempDir(), "otpd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := otp.NewService(otp.Config{Store: store, Limiter: ratelimit.NewMemory(nil), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	const admin = "admin-token"
	h, err := api.New(api.Config{Service: svc, AdminTokenHash: sha256.Sum256([]byte(admin)), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	call := func(method, path, token string, body any) (*http.Response, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res, out
	}
	data := func(m map[string]any) map[string]any { d, _ := m["data"].(map[string]any); return d }
	_, p := call("POST", "/v1/projects", admin, map[string]any{"name": "disk"})
	_, a := call("POST", "/v1/applications", admin, map[string]any{"name": "disk", "projectId": data(p)["id"], "environment": "test"})
	key, _ := data(a)["apiKey"].(string)
	if key == "" {
		t.Fatalf("no application: %v", a)
	}
	create := func(i int) (*http.Response, map[string]any) {
		return call("POST", "/v1/verifications", key, map[string]any{"to": fmt.Sprintf("+1415555%04d", i), "channel": "sms"})
	}
	if res, body := create(0); res.StatusCode != 201 {
		t.Fatalf("create before the disk fills: %d %v", res.StatusCode, body)
	}

	// The file may grow by no page: the next write that needs one fails
	// with SQLITE_FULL, as on a full disk.
	var pages int
	if err := write.QueryRowContext(t.Context(), `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := write.ExecContext(t.Context(), fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)); err != nil {
		t.Fatal(err)
	}
	full := 0
	for i := 1; i <= 2000 && full < 5; i++ {
		res, body := create(i)
		switch res.StatusCode {
		case 201:
		case 503:
			full++
			e, _ := body["error"].(map[string]any)
			if e["code"] != otp.CodeUnavailable || res.Header.Get("Retry-After") != "5" {
				t.Fatalf("disk full: %v, Retry-After %q; want UNAVAILABLE and 5", body, res.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("disk full: create %d answered %d %v; want 201 or 503", i, res.StatusCode, body)
		}
	}
	if full == 0 {
		t.Fatal("2000 creates fitted in the file's pages: the disk never filled")
	}

	// Room again: the next requests succeed without a restart.
	if _, err := write.ExecContext(t.Context(), `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	for i := 3000; i < 3010; i++ {
		if res, body := create(i); res.StatusCode != 201 {
			t.Fatalf("after room came back: %d %v", res.StatusCode, body)
		}
	}
	var check string
	if err := write.QueryRowContext(t.Context(), `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
}
