package otp

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Bounds of an application's browser settings.
const (
	MaxAllowedOrigins = 20
	MaxReturnURLs     = 20
	maxWebURLLen      = 2048
)

// AllowsOrigin reports whether a browser page at origin may call the
// session flow with the application's keys: any origin when the
// application lists none, else only those it lists. A request without an
// Origin (a server's) is not a browser's and always passes.
func (a *Application) AllowsOrigin(origin string) bool {
	if origin == "" || len(a.AllowedOrigins) == 0 {
		return true
	}
	o, err := normalizeOrigin(origin)
	return err == nil && slices.Contains(a.AllowedOrigins, o)
}

// AllowsReturnURL reports whether u is one of the application's return
// URLs, exactly.
func (a *Application) AllowsReturnURL(u string) bool {
	return u != "" && slices.Contains(a.ReturnURLs, u)
}

// ReturnURL is where the hosted page sends a person back once verified:
// requested when it is exactly one of the application's return URLs (no
// prefix, case or normalisation matching, so that nothing but what the
// application registered can receive a verify token); when none is
// requested, the application's only return URL. Errors:
// INVALID_PARAMETER (return_url_not_allowed, return_url_required when the
// application has several, no_return_urls when it has none).
func (a *Application) ReturnURL(requested string) (string, error) {
	switch {
	case requested != "":
		if a.AllowsReturnURL(requested) {
			return requested, nil
		}
		return "", invalidField("return_url", "return_url_not_allowed",
			"return_url is not one of the application's returnUrls (they are matched exactly)")
	case len(a.ReturnURLs) == 1:
		return a.ReturnURLs[0], nil
	case len(a.ReturnURLs) == 0:
		return "", invalidField("return_url", "no_return_urls",
			"The application has no returnUrls: add the page to send people back to in its settings")
	}
	return "", invalidField("return_url", "return_url_required",
		"The application has several returnUrls: name one in return_url")
}

// CheckOrigin refuses a browser request from a page the application does
// not allow. Errors: FORBIDDEN (origin_not_allowed).
func (s *Service) CheckOrigin(a *Application, origin string) error {
	if a.AllowsOrigin(origin) {
		return nil
	}
	return &Error{Code: CodeForbidden, Key: "origin_not_allowed",
		Message: "This application does not accept requests from this site (Origin); add it to the application's allowedOrigins"}
}

// validateOrigins normalises a list of origins, scheme://host[:port] with
// scheme http or https, refusing anything else (a path, a wildcard).
func validateOrigins(list []string) ([]string, error) {
	if len(list) > MaxAllowedOrigins {
		return nil, invalidField("allowedOrigins", "too_many", fmt.Sprintf("allowedOrigins lists at most %d origins", MaxAllowedOrigins))
	}
	out := []string{}
	for i, o := range list {
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, invalidField(fmt.Sprintf("allowedOrigins[%d]", i), "invalid_origin",
				"an origin is scheme://host[:port] with scheme http or https, without path, such as https://shop.example")
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// normalizeOrigin returns the origin as browsers send it: lower-case
// scheme and host, the port only when it is not the scheme's default.
func normalizeOrigin(s string) (string, error) {
	bad := fmt.Errorf("invalid origin %q", s)
	if len(s) > maxWebURLLen {
		return "", bad
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", bad
	}
	host := strings.ToLower(u.Hostname())
	if host == "" || strings.ContainsAny(host, "*") {
		return "", bad
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", bad
		}
	}
	if port == "80" && u.Scheme == "http" || port == "443" && u.Scheme == "https" {
		port = ""
	}
	if port != "" {
		return u.Scheme + "://" + net.JoinHostPort(host, port), nil
	}
	if strings.Contains(host, ":") { // IPv6
		return u.Scheme + "://[" + host + "]", nil
	}
	return u.Scheme + "://" + host, nil
}

// validateReturnURLs checks a list of return URLs: absolute http or https
// URLs without credentials or fragment. They are kept as given, since a
// return URL is matched exactly.
func validateReturnURLs(list []string) ([]string, error) {
	if len(list) > MaxReturnURLs {
		return nil, invalidField("returnUrls", "too_many", fmt.Sprintf("returnUrls lists at most %d URLs", MaxReturnURLs))
	}
	out := []string{}
	for i, s := range list {
		u, err := url.Parse(s)
		if len(s) > maxWebURLLen || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.Fragment != "" || strings.TrimSpace(s) != s {
			return nil, invalidField(fmt.Sprintf("returnUrls[%d]", i), "invalid_return_url",
				"a return URL is an absolute http or https URL without user name, password or fragment")
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}
