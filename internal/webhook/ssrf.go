package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// ErrBlockedAddress is wrapped by the error of a delivery refused because
// the endpoint's address is not a public unicast address.
var ErrBlockedAddress = errors.New("webhook: destination address not allowed")

// blockedPrefixes are the ranges a webhook may not reach unless private
// destinations are allowed: anything that is not globally routable unicast.
// Webhook URLs come from application owners, so without this list anyone
// with a console account could make otpd call its own admin ports, other
// services on its network, or a cloud metadata endpoint (169.254.169.254).
var blockedPrefixes = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified (\"this network\")"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT, RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (includes cloud metadata)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved or broadcast"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (deprecated)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (private)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// Prefixes whose IPv6 addresses carry an IPv4 address that the network
// may translate to; the embedded address is checked as if dialled directly.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052, IPv4 in the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056, IPv4 in bits 16-47
)

// blockedReason says why addr may not be dialled, or "" if it may.
func blockedReason(addr netip.Addr) string {
	addr = addr.WithZone("").Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if !addr.IsValid() {
		return "invalid"
	}
	for _, b := range blockedPrefixes {
		if b.prefix.Contains(addr) {
			return b.reason
		}
	}
	if addr.Is6() {
		a := addr.As16()
		var v4 [4]byte
		switch {
		case nat64.Contains(addr):
			copy(v4[:], a[12:16])
		case sixToFour.Contains(addr):
			copy(v4[:], a[2:6])
		default:
			return ""
		}
		if r := blockedReason(netip.AddrFrom4(v4)); r != "" {
			return r + " (embedded in IPv6)"
		}
	}
	return ""
}

// checkDial is a net.Dialer Control function. It runs after name resolution,
// on the very address being connected to, so a name that resolves to a
// public address when checked and a private one when used (DNS rebinding)
// cannot get through: there is no second lookup.
func checkDial(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Fail closed: the dialer always passes ip:port here.
		return fmt.Errorf("%w: cannot parse %q", ErrBlockedAddress, address)
	}
	// The message reaches the application owner's delivery log: it names
	// neither the address nor its kind, which would map the server's
	// network for whoever registers names that resolve inside it.
	if blockedReason(ap.Addr()) != "" {
		return fmt.Errorf("%w: the endpoint's host resolves to an address that is not public (the operator allows private destinations with OTPD_WEBHOOK_ALLOW_PRIVATE=1)",
			ErrBlockedAddress)
	}
	return nil
}
