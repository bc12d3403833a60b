package sqlite_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// A full disk (simulated with max_page_count on the one write
// connection) is 503 UNAVAILABLE with Retry-After, not 500; once there is
// room again otpd serves by itself, and the file is intact.
func TestDiskFullIsUnavailableAndRecovers(t *testing.T) {
	store, write, err := sqlite.OpenWithWriter(t.Context(), filepath.Join(t.TempDir(), "otpd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := dialecttest.New(t, dialecttest.Options{Store: store})
	app := h.CreateApp("test", "")
	create := func(i int) dialecttest.Response {
		return h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications",
			Header: http.Header{"Authorization": {"Bearer " + app.APIKey}},
			Body:   fmt.Sprintf(`{"to":"+1415555%04d","channel":"sms"}`, i)})
	}
	if r := create(0); r.Status != 201 {
		t.Fatalf("create before the disk fills: %d %s", r.Status, r.Raw)
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
		r := create(i)
		switch r.Status {
		case 201:
		case 503:
			full++
			if e, _ := r.Body["error"].(map[string]any); e["code"] != otp.CodeUnavailable || r.Header.Get("Retry-After") != "5" {
				t.Fatalf("disk full: %s, Retry-After %q; want UNAVAILABLE and 5", r.Raw, r.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("disk full: create %d answered %d %s; want 201 or 503", i, r.Status, r.Raw)
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
		if r := create(i); r.Status != 201 {
			t.Fatalf("after room came back: %d %s", r.Status, r.Raw)
		}
	}
	var check string
	if err := write.QueryRowContext(t.Context(), `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
}
