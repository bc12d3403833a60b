package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthCommand runs `otpd health` against a real server, one that
// answers 503, and an address nobody listens on.
func TestHealthCommand(t *testing.T) {
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	addr := strings.TrimPrefix(base, "http://")

	var out bytes.Buffer
	if err := run(t.Context(), []string{"health"}, envOf(map[string]string{"OTPD_ADDR": addr}), &out, &out); err != nil {
		t.Fatalf("otpd health against a running otpd on %s: %v\n%s", addr, err, out.String())
	}
	if want := "ok: http://" + addr + "/v1/health answered 200 OK"; !strings.Contains(out.String(), want) {
		t.Errorf("otpd health printed %q, want %q", out.String(), want)
	}

	unhealthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "draining", http.StatusServiceUnavailable)
	}))
	defer unhealthy.Close()
	out.Reset()
	err := run(t.Context(), []string{"health", "-url", unhealthy.URL + "/v1/health"}, envOf(nil), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("otpd health against a 503 = %v, want an error naming the 503", err)
	}

	// A listener that hangs up on every connection: no answer at all.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	out.Reset()
	if err := run(t.Context(), []string{"health"}, envOf(map[string]string{"OTPD_ADDR": ln.Addr().String()}), &out, &out); err == nil {
		t.Errorf("otpd health against a listener that hangs up succeeded, want an error")
	}
}

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct{ addr, want, err string }{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/v1/health", ""},
		{":8080", "http://127.0.0.1:8080/v1/health", ""},
		{"0.0.0.0:9000", "http://127.0.0.1:9000/v1/health", ""},
		{"[::]:9000", "http://127.0.0.1:9000/v1/health", ""},
		{"[::1]:8080", "http://[::1]:8080/v1/health", ""},
		{"10.0.0.5:8080", "http://10.0.0.5:8080/v1/health", ""},
		{"localhost:8080", "http://localhost:8080/v1/health", ""},
		{"127.0.0.1:0", "", "names no port"},
		{"127.0.0.1", "", "missing port"},
	} {
		got, err := healthURL(tc.addr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("healthURL(%q) = %q, %v; want an error with %q", tc.addr, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
}

func TestHealthCommandUsage(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), []string{"health", "extra"}, envOf(nil), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "usage: otpd health") {
		t.Errorf("otpd health extra = %v, want the usage", err)
	}
}
