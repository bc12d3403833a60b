package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/postgres/pgtest"
)

// TestKooKooEndToEnd: otpd serve answers KooKoo's requests as seed 003
// writes them, and its whole output (the logger, and the HTTP server's
// error log, which in Go 1.26 never names a request's URL) never carries
// the api_key of the query string or the number, whether requests
// succeed, fail or are malformed.
func TestKooKooEndToEnd(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_LOG_FORMAT": "json"}
			if engine == "postgres" {
				env["OTPD_DATABASE_URL"] = pgtest.NewSchema(t)
			}
			base, stderr, stop := startServe(t, env)
			key := setupApp(t, base)
			const wrongKey = "KKwrongSECRETkey0001"
			kookoo := func(method, pathAndQuery, contentType, body string) (int, map[string]string) {
				t.Helper()
				req, err := http.NewRequest(method, base+pathAndQuery, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				raw, _ := io.ReadAll(res.Body)
				var out map[string]string
				json.Unmarshal(raw, &out)
				return res.StatusCode, out
			}
			want := func(method, path, contentType, body string, wantStatus int, status, message string) {
				t.Helper()
				st, got := kookoo(method, path, contentType, body)
				if st != wantStatus || got["status"] != status || message != "" && got["message"] != message {
					t.Errorf("%s %s: %d %v, want %d %s %q", method, path, st, got, wantStatus, status, message)
				}
			}

			// The seed's requests, as written there.
			want("GET", "/api/v1/TwoFactor/smsotp?phone_no=+919812345678&api_key="+key+"&sender_id=OZONTL", "", "", 200, "success", "")
			code := waitCode(t, base, key, "+919812345678")
			want("GET", "/api/v1/TwoFactor/verifyotp?phone_no=+919812345678&otp="+code+"&api_key="+key, "", "", 200, "success", "Your Mobile Number OTP code is verified!")
			want("GET", "/api/v1/TwoFactor/callotp?api_key="+key+"&caller_id=914030123456&phone_no=9612345678", "", "", 200, "queued", "919612345678")

			// Failures of every kind.
			want("GET", "/api/v1/TwoFactor/smsotp?phone_no=+919812345678&api_key="+wrongKey, "", "", 200, "Error", "Authentication Error")
			want("GET", "/api/v1/TwoFactor/smsotp?api_key="+key, "", "", 200, "Error", "API key or Phone Number Missing")
			want("GET", "/api/v1/TwoFactor/verifyotp?phone_no=9612345678&otp=wrong&api_key="+key, "", "", 200, "Error", "Your Mobile Number OTP code verification failed")
			want("POST", "/api/v1/TwoFactor/verifyotp", "application/x-www-form-urlencoded", "phone_no=9612345678&otp=1&api_key="+wrongKey, 200, "Error", "Authentication Error")
			want("DELETE", "/api/v1/TwoFactor/callotp?api_key="+key+"&phone_no=9612345678", "", "", 405, "Error", "")
			want("POST", "/api/v1/TwoFactor/smsotp?api_key="+key, "application/json", `{"phone_no":"9812345678"}`, 415, "Error", "")
			want("GET", "/api/v1/TwoFactor/smsotp?phone_no=9812345678;api_key="+key, "", "", 400, "Error", "")

			if err := stop(); err != nil {
				t.Fatalf("serve returned %v", err)
			}
			out := stderr.String()
			if !strings.Contains(out, `"msg":"otpd listening"`) {
				t.Errorf("the logger's lines are not in the output; the test cannot see them:\n%s", out)
			}
			for _, secret := range []string{key, wrongKey, "api_key", "9812345678", "9612345678", "OZONTL"} {
				if strings.Contains(out, secret) {
					t.Errorf("output contains %q:\n%s", secret, out)
				}
			}
		})
	}
}
