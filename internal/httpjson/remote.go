package httpjson

import (
	"net"
	"net/http"
	"net/netip"
)

// RemoteIP is the address of the peer that sent r (r.RemoteAddr), or the
// zero address when it cannot be read. It is the connection's peer: a
// proxy in front of otpd is what it sees.
func RemoteIP(r *http.Request) netip.Addr {
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
