package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// A hand-set admin token must hold 32 random bytes: 64 hex digits, or 43
// characters otherwise, of at least 10 different characters.
func TestAdminTokenStrength(t *testing.T) {
	for _, tc := range []struct {
		token string
		ok    bool
	}{
		{"bench", false},
		{"otpd-test-admin-token", false},
		{strings.Repeat("ab12", 15), false}, // 60 hex digits
		{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true},            // openssl rand -hex 32
		{"n4bQgYhMdWnOjwb8Bk0ArbU+wXe6c5FmqGCfIYXjMuk=", true},                                // openssl rand -base64 32
		{"n4bQgYhMdWnOjwb8Bk0ArbU-wXe6c5FmqGCfIYXjMuk", true},                                 // base64url, 43
		{"n4bQgYhMdWnOjwb8Bk0ArbU-wXe6c5FmqGCfIYXjMu", false},                                 // 42
		{"otpd_admin_9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true}, // as otpd generates
		{strings.Repeat("a", 80), false},
		{strings.Repeat("password", 6), false}, // 48 characters, 7 different
		{testAdminToken, true},
	} {
		err := checkAdminToken(tc.token)
		if (err == nil) != tc.ok {
			t.Errorf("checkAdminToken(%q) = %v, want ok %v", tc.token, err, tc.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "OTPD_ADMIN_TOKEN") || !strings.Contains(err.Error(), "openssl rand -hex 32")) {
			t.Errorf("error %q, want it to name OTPD_ADMIN_TOKEN and how to make one", err)
		}
	}
}

// otpd refuses to start with a weak OTPD_ADMIN_TOKEN, before it opens
// its database or listens.
func TestServeRefusesWeakAdminToken(t *testing.T) {
	dir := t.TempDir()
	err := run(context.Background(), []string{"serve"}, envFunc(map[string]string{
		"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": dir, "OTPD_ADMIN_TOKEN": "bench",
	}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "OTPD_ADMIN_TOKEN") {
		t.Fatalf("serve with OTPD_ADMIN_TOKEN=bench: %v, want a refusal naming OTPD_ADMIN_TOKEN", err)
	}
}

// otpd bench takes the admin token from OTPD_ADMIN_TOKEN when no flag
// names one: here it reaches the (absent) server, rather than asking for a token.
func TestBenchUsesAdminTokenFromEnvironment(t *testing.T) {
	err := run(context.Background(), []string{"bench", "-url", "http://127.0.0.1:1", "-n", "1"},
		envFunc(map[string]string{"OTPD_ADMIN_TOKEN": testAdminToken}), io.Discard, io.Discard)
	if err == nil || strings.Contains(err.Error(), "admin token to create one, is needed") {
		t.Errorf("bench with OTPD_ADMIN_TOKEN set: %v, want it to try the server", err)
	}
	err = run(context.Background(), []string{"bench", "-url", "http://127.0.0.1:1", "-n", "1"}, envFunc(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "admin token to create one, is needed") {
		t.Errorf("bench without a token: %v, want the missing token named", err)
	}
}

// otpd bench -floor -compare-floor has no server to compare with the floor.
func TestBenchRejectsFloorWithCompareFloor(t *testing.T) {
	err := run(context.Background(), []string{"bench", "-floor", "-compare-floor", "-n", "1"}, envFunc(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-compare-floor") {
		t.Errorf("bench -floor -compare-floor: %v, want -compare-floor refused", err)
	}
}
