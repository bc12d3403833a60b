package main

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/oidc/oidctest"
)

// TestOIDCEndToEnd: with OTPD_OIDC_ISSUER and OTPD_OIDC_AUDIENCE set to a
// Firebase-shaped issuer, `otpd serve` signs a developer in with an ID token.
func TestOIDCEndToEnd(t *testing.T) {
	iss := oidctest.New(t)
	url, stderr, _ := startServe(t, map[string]string{
		"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_OIDC_ISSUER": iss.URL, "OTPD_OIDC_AUDIENCE": oidctest.ProjectID, "OTPD_OPEN_SIGNUP": "1",
	})
	if !strings.Contains(stderr.String(), "console accepts ID tokens") {
		t.Errorf("no start-up line about ID tokens in:\n%s", stderr)
	}
	// serve checks expiry against the real time; the token is valid for an hour around it.
	token := iss.Token(iss.Claims("ada@example.com", time.Now().Add(-time.Minute)))
	st, me := call(t, "GET", url+"/v1/developer/me", token, nil)
	if st != 200 || data(me)["email"] != "ada@example.com" {
		t.Fatalf("GET /v1/developer/me: %d %v", st, me)
	}
	if got := iss.DiscoveryRequests(); got != 1 {
		t.Errorf("discovery requests = %d, want 1 (at start-up)", got)
	}
}

// TestOIDCIssuerUnreachableAtStartup: otpd starts when the issuer cannot
// be reached, says so, and answers ID tokens 503 meanwhile.
func TestOIDCIssuerUnreachableAtStartup(t *testing.T) {
	gone := httptest.NewServer(nil)
	gone.Close()
	url, stderr, _ := startServe(t, map[string]string{
		"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_OIDC_ISSUER": gone.URL + "/" + oidctest.ProjectID, "OTPD_OIDC_AUDIENCE": oidctest.ProjectID,
	})
	if !strings.Contains(stderr.String(), "issuer unreachable at startup") {
		t.Errorf("no start-up warning in:\n%s", stderr)
	}
	iss := oidctest.New(t)
	st, body := call(t, "GET", url+"/v1/developer/me", iss.Token(iss.Claims("ada@example.com", time.Now())), nil)
	if e, _ := body["error"].(map[string]any); st != 503 || e["code"] != "IDENTITY_PROVIDER_UNAVAILABLE" {
		t.Errorf("ID token while the issuer is unreachable: %d %v, want 503 IDENTITY_PROVIDER_UNAVAILABLE", st, body)
	}
	if st, _ := call(t, "GET", url+"/v1/projects", testAdminToken, nil); st != 200 {
		t.Errorf("admin token: %d, want 200", st)
	}
}

func TestOIDCConfigErrors(t *testing.T) {
	mismatched := oidctest.New(t)
	mismatched.NameIssuer("https://securetoken.google.com/another-project")
	tests := []struct {
		name      string
		env       map[string]string
		wantInErr string
	}{
		{"issuer without audience", map[string]string{"OTPD_OIDC_ISSUER": "https://securetoken.google.com/p"}, "OTPD_OIDC_AUDIENCE"},
		{"audience without issuer", map[string]string{"OTPD_OIDC_AUDIENCE": "p"}, "OTPD_OIDC_ISSUER"},
		{"http issuer off loopback", map[string]string{"OTPD_OIDC_ISSUER": "http://securetoken.google.com/p", "OTPD_OIDC_AUDIENCE": "p"}, "OTPD_OIDC_ISSUER"},
		{"not a URL", map[string]string{"OTPD_OIDC_ISSUER": "securetoken.google.com/p", "OTPD_OIDC_AUDIENCE": "p"}, "OTPD_OIDC_ISSUER"},
		{"discovery names another issuer", map[string]string{"OTPD_OIDC_ISSUER": mismatched.URL, "OTPD_OIDC_AUDIENCE": oidctest.ProjectID}, "another issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"OTPD_DATA_DIR": t.TempDir(), "OTPD_ADDR": "127.0.0.1:0", "OTPD_ADMIN_TOKEN": testAdminToken}
			for k, v := range tt.env {
				env[k] = v
			}
			err := run(t.Context(), []string{"serve"}, envFunc(env), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantInErr)
			}
		})
	}
}
