package otp

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// WebhookURLPolicy is what a URL otpd posts to (a webhook endpoint, a
// send's callback) may name. Application owners choose these URLs, so by
// default they are https, on a web port, and not on this machine or its
// private network; the operator relaxes the rules for development.
type WebhookURLPolicy struct {
	// AllowPrivate lets URLs name loopback, private and link-local hosts
	// (OTPD_WEBHOOK_ALLOW_PRIVATE), for development against local
	// receivers; it lifts the scheme and port rules too.
	AllowPrivate bool
	// AllowHTTP lets URLs be plain http (OTPD_WEBHOOK_ALLOW_HTTP).
	AllowHTTP bool
	// Ports are the ports a URL may name, explicitly or by its scheme's
	// default; empty means DefaultWebhookPorts
	// (OTPD_WEBHOOK_ALLOWED_PORTS).
	Ports []int
}

// DefaultWebhookPorts are the ports webhooks may go to unless the
// operator says otherwise: the web's and their usual alternatives. Other
// ports are more often an internal service's than a receiver's.
var DefaultWebhookPorts = []int{80, 443, 8080, 8443}

// maxWebhookURL bounds an endpoint's URL.
const maxWebhookURL = 2048

// Error keys (and details.reason) of a URL the policy refuses; stable,
// for clients to switch on.
const (
	ReasonWebhookURLInvalid = "invalid_url"
	ReasonWebhookURLHTTP    = "webhook_url_http"
	ReasonWebhookURLPort    = "webhook_url_port"
	ReasonWebhookURLPrivate = "webhook_url_private"
)

// AllowedPorts are the ports p allows.
func (p WebhookURLPolicy) AllowedPorts() []int {
	if len(p.Ports) == 0 {
		return DefaultWebhookPorts
	}
	return p.Ports
}

// Check refuses raw, with an *Error on field "url" whose Key (and
// details.reason) is one of the Reason constants, unless it is an
// absolute http(s) URL without credentials or fragment that the policy
// allows: a host that is neither "localhost" nor a literal private,
// loopback or link-local address, https (or http when allowed), and an
// allowed port, checked in that order. Names that resolve to such addresses are refused when a
// delivery dials them (package webhook), which applies this same check
// before every request.
func (p WebhookURLPolicy) Check(raw string) error {
	bad := func(msg string) error {
		return &Error{Code: CodeInvalidParameter, Key: ReasonWebhookURLInvalid, Field: "url", Message: msg,
			Params: map[string]any{"reason": ReasonWebhookURLInvalid}}
	}
	if raw == "" {
		return invalidField("url", "required", "url is required")
	}
	if len(raw) > maxWebhookURL {
		return bad("url must be at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return bad("url must be an absolute http or https URL")
	}
	if u.User != nil {
		return bad("url must not carry a user name or password")
	}
	if u.Fragment != "" {
		return bad("url must not have a fragment")
	}
	if p.AllowPrivate {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	private := func(msg string) error {
		return &Error{Code: CodeInvalidParameter, Key: ReasonWebhookURLPrivate, Field: "url", Message: msg,
			Params: map[string]any{"reason": ReasonWebhookURLPrivate}}
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return private("url points at this machine; private and loopback targets need OTPD_WEBHOOK_ALLOW_PRIVATE=1")
	}
	if ip := net.ParseIP(host); ip != nil && !publicIP(ip) {
		return private("url points at a private, loopback or link-local address; they need OTPD_WEBHOOK_ALLOW_PRIVATE=1")
	}
	if u.Scheme == "http" && !p.AllowHTTP {
		return &Error{Code: CodeInvalidParameter, Key: ReasonWebhookURLHTTP, Field: "url",
			Params:  map[string]any{"reason": ReasonWebhookURLHTTP},
			Message: "url must be https: this server does not post to plain http URLs (the operator allows them with OTPD_WEBHOOK_ALLOW_HTTP=1)"}
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if ps := u.Port(); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > 65535 {
			return bad("url has an invalid port")
		}
		port = n
	}
	if allowed := p.AllowedPorts(); !slices.Contains(allowed, port) {
		names := make([]string, len(allowed))
		for i, n := range allowed {
			names[i] = strconv.Itoa(n)
		}
		return &Error{Code: CodeInvalidParameter, Key: ReasonWebhookURLPort, Field: "url",
			Params: map[string]any{"reason": ReasonWebhookURLPort, "port": port, "ports": strings.Join(names, ", ")},
			Message: fmt.Sprintf("url's port %d is not allowed: this server posts only to ports %s (the operator sets them with OTPD_WEBHOOK_ALLOWED_PORTS)",
				port, strings.Join(names, ", "))}
	}
	return nil
}

// publicIP reports whether ip is a globally routable unicast address.
func publicIP(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	if v4 := ip.To4(); v4 != nil && v4[0] == 100 && v4[1]&0xc0 == 64 { // 100.64.0.0/10, carrier-grade NAT
		return false
	}
	return true
}
