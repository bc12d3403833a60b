package webhook

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

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

// Without AllowPrivate a private destination is refused before anything
// reaches it: a literal address by the URL rule, a name when it is
// dialled. The server sees nothing, and the error says why without the
// address, which would map the server's network for the endpoint's owner.
func TestSendRefusesPrivateDestinations(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	portNumber, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, url, address string
	}{
		{"loopback literal", srv.URL, "127.0.0.1"},
		{"private", "http://10.0.0.1:" + port + "/hook", "10.0.0.1"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254"},
		{"IPv6 loopback", "http://[::1]:" + port + "/", "::1"},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/", "127.0.0.1"},
		{"localhost", "http://localhost:" + port + "/", "127.0.0.1"},
	}
	// Plain http and the test server's port are allowed, so that only the
	// address is refused.
	s := NewSender(Config{Timeout: 5 * time.Second, AllowHTTP: true, AllowedPorts: []int{80, portNumber}})
	t.Cleanup(s.CloseIdleConnections)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.Send(t.Context(), tt.url, nil, []byte(`{}`))
			if !errors.Is(res.Err, ErrBlockedAddress) && !errors.Is(res.Err, ErrURLNotAllowed) {
				t.Fatalf("Send(%s) Err = %v, want ErrBlockedAddress or ErrURLNotAllowed", tt.url, res.Err)
			}
			msg := res.Err.Error()
			if !strings.Contains(msg, "OTPD_WEBHOOK_ALLOW_PRIVATE") || strings.Contains(msg, tt.address) {
				t.Errorf("Err = %q, want it to name OTPD_WEBHOOK_ALLOW_PRIVATE and not the address %s", msg, tt.address)
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
	// which shows the refusals above came from the address rules.
	open := NewSender(Config{AllowPrivate: true})
	t.Cleanup(open.CloseIdleConnections)
	if res := open.Send(t.Context(), "http://localhost:"+port+"/", nil, []byte(`{}`)); res.Err != nil || hits.Load() != 1 {
		t.Errorf("with AllowPrivate: Err = %v, hits = %d; want nil, 1", res.Err, hits.Load())
	}
}

// The dial check refuses every blocked address, after name resolution,
// without saying which address the name resolved to.
func TestCheckDialHidesTheAddress(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:443", "10.1.2.3:443", "169.254.169.254:80", "[::1]:443", "[fd00::7]:8443"} {
		err := checkDial("tcp", addr, nil)
		host := addr[:strings.LastIndexByte(addr, ':')]
		host = strings.Trim(host, "[]")
		if !errors.Is(err, ErrBlockedAddress) || strings.Contains(err.Error(), host) {
			t.Errorf("checkDial(%s) = %v, want ErrBlockedAddress without the address", addr, err)
		}
	}
	if err := checkDial("tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("checkDial(public) = %v, want nil", err)
	}
}

// By default only https on ports 80, 443, 8080 and 8443 is posted to;
// the operator's options widen that. Refusals are final.
func TestSendURLPolicy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config Config
		url    string
	}{
		{"plain http", Config{}, "http://hooks.example.com/otpd"},
		{"plain http on 443", Config{}, "http://hooks.example.com:443/otpd"},
		{"another port", Config{}, "https://hooks.example.com:9000/otpd"},
		{"SSH port", Config{AllowHTTP: true}, "http://hooks.example.com:22/"},
		{"a port the operator left out", Config{AllowedPorts: []int{443}}, "https://hooks.example.com:8443/"},
	} {
		s := NewSender(tc.config)
		res := s.Send(t.Context(), tc.url, nil, []byte(`{}`))
		if !errors.Is(res.Err, ErrURLNotAllowed) || res.Retryable {
			t.Errorf("%s: Send(%s) = %+v, want ErrURLNotAllowed, not retryable", tc.name, tc.url, res)
		}
		s.CloseIdleConnections()
	}
}
