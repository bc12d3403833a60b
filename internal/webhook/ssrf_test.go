package webhook

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hasIPv6 reports whether this host can open IPv6 sockets; the dial check
// runs on an open socket, so without IPv6 there is nothing to check.
func hasIPv6() bool {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func TestBlockedReason(t *testing.T) {
	tests := []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"10.0.0.1", true},
		{"172.16.0.1", true},
		{"172.31.255.254", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"100.64.0.1", true},      // CGNAT
		{"100.127.255.254", true},
		{"0.0.0.0", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"255.255.255.255", true},
		{"198.18.0.1", true},
		{"::1", true},
		{"::", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped loopback
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"::127.0.0.1", true}, // IPv4-compatible
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"ff02::1", true},
		{"64:ff9b::7f00:1", true},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", true}, // NAT64 of 169.254.169.254
		{"2002:a00:1::1", true},      // 6to4 of 10.0.0.1
		{"2001:db8::1", true},
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"172.32.0.1", false},  // just outside 172.16/12
		{"100.128.0.1", false}, // just outside 100.64/10
		{"169.253.255.255", false},
		{"::ffff:8.8.8.8", false},
		{"2606:4700:4700::1111", false},
		{"64:ff9b::808:808", false}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", false},  // 6to4 of 8.8.8.8
	}
	for _, tt := range tests {
		reason := blockedReason(netip.MustParseAddr(tt.addr))
		if got := reason != ""; got != tt.blocked {
			t.Errorf("blockedReason(%s) = %q, want blocked %v", tt.addr, reason, tt.blocked)
		}
	}
}

// Without AllowPrivate, the refusal must happen when dialling: the server
// must see nothing, and the error must say what was refused and why.
func TestSendRefusesPrivateDestinations(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]

	tests := []struct {
		name, url, wantMsg string
	}{
		{"loopback literal", srv.URL, "127.0.0.1 is loopback"},
		{"private", "http://10.0.0.1:" + port + "/hook", "10.0.0.1 is private"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"},
		{"IPv6 loopback", "http://[::1]:" + port + "/", "::1 is loopback"},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/", "127.0.0.1 is loopback"},
		// A name is resolved first and each resulting address checked.
		{"name resolving to loopback", "http://localhost:" + port + "/", "is loopback"},
	}
	s := NewSender(Config{Timeout: 5 * time.Second})
	t.Cleanup(s.CloseIdleConnections)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.url, "[") && !hasIPv6() {
				t.Skip("no IPv6 sockets on this host")
			}
			res := s.Send(t.Context(), tt.url, nil, []byte(`{}`))
			if !errors.Is(res.Err, ErrBlockedAddress) {
				t.Fatalf("Send(%s) Err = %v, want ErrBlockedAddress", tt.url, res.Err)
			}
			if msg := res.Err.Error(); !strings.Contains(msg, tt.wantMsg) || !strings.Contains(msg, "OTPD_WEBHOOK_ALLOW_PRIVATE") {
				t.Errorf("Err = %q, want it to say %q and name OTPD_WEBHOOK_ALLOW_PRIVATE", msg, tt.wantMsg)
			}
			if res.Retryable || res.StatusCode != 0 {
				t.Errorf("Retryable, StatusCode = %v, %d; want false, 0", res.Retryable, res.StatusCode)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server received %d requests, want 0", n)
	}

	// The same server is reachable once private destinations are allowed,
	// which shows the refusals above came from the address check.
	open := NewSender(Config{AllowPrivate: true})
	t.Cleanup(open.CloseIdleConnections)
	if res := open.Send(t.Context(), "http://localhost:"+port+"/", nil, []byte(`{}`)); res.Err != nil || hits.Load() != 1 {
		t.Errorf("with AllowPrivate: Err = %v, hits = %d; want nil, 1", res.Err, hits.Load())
	}
}
