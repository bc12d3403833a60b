package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// serve finds the client's address through OTPD_TRUSTED_PROXIES for every
// route: the audit log records the forwarded client of a trusted proxy.
func TestServeHonoursTrustedProxies(t *testing.T) {
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_TRUSTED_PROXIES": "127.0.0.1"}
	url, _, _ := startServe(t, env)
	b, _ := json.Marshal(map[string]any{"name": "via proxy"})
	req, _ := http.NewRequest("POST", url+"/v1/projects", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("create project: %d", res.StatusCode)
	}
	st, audit := call(t, "GET", url+"/v1/audit", testAdminToken, nil)
	entries, _ := audit["data"].([]any)
	if st != 200 || len(entries) == 0 {
		t.Fatalf("audit: %d %v", st, audit)
	}
	if got := entries[0].(map[string]any)["remoteAddr"]; got != "203.0.113.7" {
		t.Errorf("audited address = %v, want the forwarded client 203.0.113.7", got)
	}
}
