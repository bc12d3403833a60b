package kookoo_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// logBuffer is an io.Writer the server's goroutines write while the test
// reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsNeverCarryTheAPIKey: while KooKoo requests succeed and fail in
// every way, internal errors of a closed store among them, the log names
// the failing path and never the api_key (the query string), the number
// or the sender.
func TestLogsNeverCarryTheAPIKey(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		logs := &logBuffer{}
		h := newHarnessWith(t, dialecttest.Options{Engine: engine}, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		app := h.CreateApp("test", `{"sendsPerMinute":2}`)
		key, wrongKey := app.APIKey, "KKwrongSECRETkey0001"
		requests := []dialecttest.Request{
			{Method: "GET", Path: fromSeed(seedSMSOTP, key, "")},
			{Method: "GET", Path: fromSeed(seedCallOTP, key, "")},
			{Method: "GET", Path: fromSeed(seedSMSOTP, key, "")}, // over the destination's limit
			{Method: "GET", Path: fromSeed(seedVerifyOTP, key, "000000")},
			{Method: "GET", Path: fromSeed(seedVerifyOTP, wrongKey, "000000")},
			{Method: "GET", Path: pathSMS + query("api_key", key)},
			{Method: "GET", Path: pathSMS + query("phone_no", "98123", "api_key", key)},
			{Method: "GET", Path: pathCall + query("phone_no", "9812345678", "api_key", key, "caller_id", "<9812345678>")},
			{Method: "POST", Path: pathVerify, Form: values("phone_no", "9812345678", "otp", "1", "api_key", wrongKey)},
			{Method: "PUT", Path: fromSeed(seedSMSOTP, key, "")},
			{Method: "POST", Path: pathSMS + query("api_key", key), Body: `{"phone_no":"9812345678"}`},
			{Method: "POST", Path: pathSMS, Form: values("api_key", key, "phone_no", "9812345678", "pad", strings.Repeat("x", 17<<10))},
			{Method: "GET", Path: pathSMS + "?phone_no=%zz9812345678&api_key=" + key},
		}
		for _, req := range requests {
			h.Do(req)
		}
		// Internal errors: the store is gone, with the key's application
		// still in the read cache and without.
		h.Store.Close()
		for _, req := range []dialecttest.Request{
			{Method: "GET", Path: pathSMS + query("phone_no", "+919876543210", "api_key", key, "sender_id", "OZONTL")},
			{Method: "GET", Path: pathCall + query("api_key", key, "caller_id", callerID, "phone_no", "09876543210")},
			{Method: "POST", Path: pathVerify, Form: values("phone_no", "9876543210", "otp", "240326", "api_key", key)},
			{Method: "GET", Path: fromSeed(seedVerifyOTP, wrongKey, "240326")},
		} {
			r := h.Do(req)
			if r.Status != http.StatusInternalServerError || r.Body["status"] != "Error" {
				t.Errorf("%s %s on a closed store: %d %s, want 500 with status Error", req.Method, req.Path, r.Status, r.Raw)
			}
			if strings.Contains(string(r.Raw), "sqlstore") || strings.Contains(string(r.Raw), "closed") {
				t.Errorf("internal answer %s shows the internal error", r.Raw)
			}
		}

		out := logs.String()
		for _, want := range []string{`"msg":"internal error"`, `"path":"/api/v1/TwoFactor/smsotp"`, `"path":"/api/v1/TwoFactor/callotp"`, `"path":"/api/v1/TwoFactor/verifyotp"`} {
			if !strings.Contains(out, want) {
				t.Errorf("log has no %s: the test does not see what it checks\n%s", want, out)
			}
		}
		for _, secret := range []string{key, wrongKey, "api_key", "9812345678", "9612345678", "9876543210", "OZONTL", callerID} {
			if strings.Contains(out, secret) {
				t.Errorf("log contains %q:\n%s", secret, out)
			}
		}
	})
}
