package otp

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// APIKeyScope is what calls an API key may make.
type APIKeyScope string

// API key scopes. A read key may only read (HTTP GET or HEAD: a status,
// a list), for dashboards and monitoring that must not send codes.
const (
	ScopeFull APIKeyScope = "full"
	ScopeRead APIKeyScope = "read"
)

// PrimaryAPIKeyID names an application's own API key, the one created
// with it and replaced by rotation, among its API keys. It has scope full
// and no allow-list, and is never revoked, only rotated.
const PrimaryAPIKeyID = "primary"

// Bounds of an application's API keys.
const (
	MaxAPIKeysPerApp  = 20 // extra keys, besides the application's own
	MaxAllowedIPs     = 50 // entries in one key's allow-list
	maxAllowedIPInput = 64 // characters of one entry; the longest IPv6 CIDR has 43
)

// APIKey is one more API key of an application, besides its own: with a
// scope and, optionally, the addresses it may be used from. Its secret is
// held only as a SHA-256 hash; the plaintext is shown once, at creation.
type APIKey struct {
	ID    string // key_<hex>, or PrimaryAPIKeyID for the application's own key in a list
	AppID string
	Name  string // the developer's label, optional
	Scope APIKeyScope
	// AllowedIPs are the networks the key may be used from (a single
	// address is a /32 or /128); empty allows any address.
	AllowedIPs []netip.Prefix
	Hash       []byte // SHA-256 of the key
	Preview    string // masked form
	// Primary marks the application's own key in ListAPIKeys.
	Primary   bool
	CreatedAt time.Time
}

// Allows reports whether a call from ip may use the key. A key without an
// allow-list allows any caller; one with a list refuses an unknown (zero)
// address.
func (k *APIKey) Allows(ip netip.Addr) bool {
	if len(k.AllowedIPs) == 0 {
		return true
	}
	ip = ip.Unmap()
	for _, p := range k.AllowedIPs {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// APIKeyInput is what a caller sets on a new API key.
type APIKeyInput struct {
	Name  string
	Scope APIKeyScope
	// AllowedIPs are addresses and CIDR blocks, IPv4 or IPv6, as written.
	AllowedIPs []string
}

// apiKeyPrefixKind is the kind word of a key's plaintext prefix: a read
// key reads otpd_live_read_…, so a secret scanner (or a person) can tell
// it from a full key, otpd_live_api_… like the application's own.
func apiKeyPrefixKind(s APIKeyScope) string {
	if s == ScopeRead {
		return "read"
	}
	return "api"
}

func validateAPIKeyInput(in APIKeyInput) (name string, scope APIKeyScope, ips []netip.Prefix, err error) {
	switch in.Scope {
	case ScopeFull, ScopeRead:
	case "":
		return "", "", nil, invalidField("scope", "required", "scope is required: full or read")
	default:
		return "", "", nil, invalidField("scope", "invalid_key_scope", "scope must be full or read")
	}
	name = strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(name) > maxNameLen {
		return "", "", nil, invalidField("name", "too_long", "name must be at most 100 characters")
	}
	if err := checkText("name", name, false); err != nil {
		return "", "", nil, err
	}
	ips, err = parseAllowedIPs(in.AllowedIPs)
	return name, in.Scope, ips, err
}

// parseAllowedIPs reads an allow-list: each entry an address or a CIDR
// block, IPv4 or IPv6. Duplicates are dropped; the order is kept.
func parseAllowedIPs(entries []string) ([]netip.Prefix, error) {
	if len(entries) > MaxAllowedIPs {
		return nil, invalidField("allowedIps", "too_many", fmt.Sprintf("allowedIps lists at most %d addresses or networks", MaxAllowedIPs))
	}
	var out []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for i, e := range entries {
		field := fmt.Sprintf("allowedIps[%d]", i)
		p, err := parseAllowedIP(strings.TrimSpace(e), field)
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func parseAllowedIP(s, field string) (netip.Prefix, error) {
	bad := invalidField(field, "invalid_allowed_ip",
		field+" must be an IPv4 or IPv6 address or CIDR block, such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32")
	if s == "" || len(s) > maxAllowedIPInput {
		return netip.Prefix{}, bad
	}
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, bad
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, bad
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	// An IPv4 address written as IPv6 (::ffff:203.0.113.7) means the
	// IPv4 one: callers' addresses are compared in their IPv4 form.
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	// 203.0.113.7/24 is most likely a mistake for one address or for the
	// whole network; say which network it names rather than guess.
	if m := p.Masked(); m != p {
		return netip.Prefix{}, &Error{Code: CodeInvalidParameter, Key: "allowed_ip_host_bits", Field: field,
			Message: fmt.Sprintf("%s has bits set past its prefix length: write the network %s, or the single address without a prefix", field, m),
			Params:  map[string]any{"network": m.String()}}
	}
	return p, nil
}
