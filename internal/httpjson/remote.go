package httpjson

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// RemoteIP is the address of the client that sent r: the one WithClientIP
// found (the connection's peer, or the address a trusted proxy forwarded),
// or, for a request that did not pass through WithClientIP, the peer
// (r.RemoteAddr). The zero address when it cannot be read. Every use of a
// client's address (rate limits, API key allow-lists, CAPTCHA checks, the
// audit log) reads it here, so all agree.
func RemoteIP(r *http.Request) netip.Addr {
	if ip, ok := r.Context().Value(clientIPKey{}).(netip.Addr); ok {
		return ip
	}
	return peerIP(r)
}

type clientIPKey struct{}

// WithClientIP finds each request's client address once, for RemoteIP.
// It is the connection's peer unless the peer is one of trusted (the
// operator's proxies, OTPD_TRUSTED_PROXIES): then X-Forwarded-For is read
// from its right end, each hop a trusted proxy added, and the client is
// the first hop that is not itself a trusted proxy. Hops left of it were
// written by the client and are ignored, so a client cannot choose its
// address; with no proxies trusted X-Forwarded-For is never read.
func WithClientIP(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(trusted, peerIP(r), r.Header.Values("X-Forwarded-For"))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip)))
	})
}

// clientIP walks the forwarded hops from the peer leftwards while the
// address at hand is a trusted proxy. A hop that is not an address stops
// the walk at the proxy that wrote it.
func clientIP(trusted []netip.Prefix, peer netip.Addr, forwarded []string) netip.Addr {
	var hops []string
	for _, v := range forwarded {
		hops = append(hops, strings.Split(v, ",")...)
	}
	ip := peer
	for i := len(hops) - 1; i >= 0 && isTrusted(trusted, ip); i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		ip = hop
	}
	return ip
}

func isTrusted(trusted []netip.Prefix, ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, or an address
// with a port as some proxies write it ("192.0.2.1:5000", "[2001:db8::1]:5000").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// ParseTrustedProxies reads OTPD_TRUSTED_PROXIES: comma-separated
// addresses ("10.0.0.5") and networks ("10.0.0.0/8", "fd00::/8"). Empty
// is none.
func ParseTrustedProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a network such as 10.0.0.0/8", f)
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}

// peerIP is the address of the connection's peer (r.RemoteAddr).
func peerIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}
