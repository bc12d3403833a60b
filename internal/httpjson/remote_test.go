package httpjson_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/otpd/otpd/internal/httpjson"
)

func TestRemoteIPThroughTrustedProxies(t *testing.T) {
	trusted, err := httpjson.ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		peer      string
		forwarded []string // X-Forwarded-For headers, in order
		want      string
	}{
		{"no proxy", "198.51.100.1:4000", nil, "198.51.100.1"},
		{"untrusted peer: its X-Forwarded-For is ignored", "198.51.100.1:4000", []string{"203.0.113.9"}, "198.51.100.1"},
		{"trusted proxy", "10.1.2.3:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"trusted single address", "192.0.2.7:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a neighbour of the trusted address is not trusted", "192.0.2.8:4000", []string{"203.0.113.9"}, "192.0.2.8"},
		{"client-written hops left of the client are ignored", "10.1.2.3:4000", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"chain of trusted proxies", "10.1.2.3:4000", []string{"1.1.1.1, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"several headers are one list", "10.1.2.3:4000", []string{"1.1.1.1, 203.0.113.9", "10.9.9.9"}, "203.0.113.9"},
		{"all hops trusted: the leftmost", "10.1.2.3:4000", []string{"10.4.4.4, 10.9.9.9"}, "10.4.4.4"},
		{"trusted proxy without the header", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"garbage hop stops at the proxy that wrote it", "10.1.2.3:4000", []string{"203.0.113.9, not-an-ip"}, "10.1.2.3"},
		{"hop with a port", "10.1.2.3:4000", []string{"203.0.113.9:5555"}, "203.0.113.9"},
		{"IPv6 proxy and client", "[fd00::1]:4000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:4000", []string{"203.0.113.9"}, "203.0.113.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got netip.Addr
			h := httpjson.WithClientIP(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = httpjson.RemoteIP(r)
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.forwarded {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got.String() != tc.want {
				t.Errorf("RemoteIP = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRemoteIPWithoutProxiesIgnoresForwardedFor(t *testing.T) {
	var got netip.Addr
	h := httpjson.WithClientIP(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = httpjson.RemoteIP(r)
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:4000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got.String() != "127.0.0.1" {
		t.Errorf("RemoteIP = %s, want 127.0.0.1: no proxy is trusted by default", got)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	for _, v := range []string{"", " ", ","} {
		if p, err := httpjson.ParseTrustedProxies(v); err != nil || len(p) != 0 {
			t.Errorf("ParseTrustedProxies(%q) = %v, %v; want none", v, p, err)
		}
	}
	for _, v := range []string{"10.0.0.0/33", "proxy.example.com", "10.0.0.1,nope"} {
		if _, err := httpjson.ParseTrustedProxies(v); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", v)
		}
	}
	p, err := httpjson.ParseTrustedProxies("10.0.0.1/8")
	if err != nil || len(p) != 1 || p[0].String() != "10.0.0.0/8" {
		t.Errorf("ParseTrustedProxies(10.0.0.1/8) = %v, %v; want [10.0.0.0/8]", p, err)
	}
}
