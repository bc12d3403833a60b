package otp

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"unicode"
)

// ChallengeProvider names a CAPTCHA service that answers whether a token
// from its browser widget is a fresh, human one.
type ChallengeProvider string

// The CAPTCHA providers a project can use.
const (
	Turnstile    ChallengeProvider = "turnstile"    // Cloudflare Turnstile
	ReCAPTCHA    ChallengeProvider = "recaptcha"    // Google reCAPTCHA v2 or v3
	HCaptcha     ChallengeProvider = "hcaptcha"     // hCaptcha
	SmartCaptcha ChallengeProvider = "smartcaptcha" // Yandex SmartCaptcha
)

// ChallengeProviders lists every provider, in the order the console shows them.
var ChallengeProviders = []ChallengeProvider{Turnstile, ReCAPTCHA, HCaptcha, SmartCaptcha}

// ChallengePolicy is a project's CAPTCHA protection of sends: when it is
// enabled, creating a verification needs a token the provider accepts, so
// that a script cannot make otpd send messages (SMS pumping) at will.
type ChallengePolicy struct {
	Enabled  bool
	Provider ChallengeProvider
	// SiteKey is the public key of the provider's widget; browsers see it.
	SiteKey string
	// SecretSealed is the provider's secret key sealed with the server key
	// and bound to the project; nil when none was given. The plaintext is
	// never part of a Policy, so no view of a project can show it.
	SecretSealed []byte
	// SecretPreview is the masked secret the console shows.
	SecretPreview string
	// MinScore is the lowest reCAPTCHA v3 score accepted, 0 for none.
	MinScore float64
	// Hostnames, if not empty, are the sites a token may come from: the
	// provider reports where the widget was solved. "*.example.com"
	// allows the subdomains of example.com.
	Hostnames []string
}

// SecretSet reports whether the project holds a secret key.
func (c ChallengePolicy) SecretSet() bool { return len(c.SecretSealed) > 0 }

// Bounds of the challenge settings.
const (
	maxSiteKeyLen      = 256
	maxChallengeSecret = 512
	maxHostnames       = 20
	maxHostnameLen     = 253
)

// validate checks the settings that do not depend on the secret key.
func (c ChallengePolicy) validate() error {
	if c.Provider != "" && !slices.Contains(ChallengeProviders, c.Provider) {
		return invalidField("policy.challenge.provider", "invalid_captcha_provider", "provider must be one of turnstile, recaptcha, hcaptcha, smartcaptcha")
	}
	if len(c.SiteKey) > maxSiteKeyLen {
		return invalidField("policy.challenge.siteKey", "too_long", "siteKey must be at most 256 characters")
	}
	if !printable(c.SiteKey) {
		return invalidField("policy.challenge.siteKey", "invalid_characters", "siteKey must not contain spaces or control characters")
	}
	if c.MinScore < 0 || c.MinScore > 1 {
		return invalidField("policy.challenge.minScore", "out_of_range", "minScore must be between 0 and 1")
	}
	// hCaptcha Enterprise scores run the other way (1 is a bot), and the
	// others have no score: a minimum there would refuse everyone or no one.
	if c.MinScore > 0 && c.Provider != ReCAPTCHA {
		return invalidField("policy.challenge.minScore", "score_not_supported", "minScore applies to reCAPTCHA v3 only")
	}
	if len(c.Hostnames) > maxHostnames {
		return invalidField("policy.challenge.hostnames", "too_many", "hostnames lists at most 20 sites")
	}
	for i, h := range c.Hostnames {
		if !validHostnamePattern(h) {
			return invalidField(fmt.Sprintf("policy.challenge.hostnames[%d]", i), "invalid_hostname",
				"hostnames must be host names such as example.com or *.example.com, without scheme, port or path")
		}
	}
	if c.Enabled {
		switch {
		case c.Provider == "":
			return invalidField("policy.challenge.provider", "required", "provider is required to enable the challenge")
		case c.SiteKey == "":
			return invalidField("policy.challenge.siteKey", "required", "siteKey is required to enable the challenge")
		}
	}
	return nil
}

// normalized returns the settings in their stored form: host names in
// lower case, without duplicates.
func (c ChallengePolicy) normalized() ChallengePolicy {
	c.SiteKey = strings.TrimSpace(c.SiteKey)
	var hosts []string
	for _, h := range c.Hostnames {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	c.Hostnames = hosts
	return c
}

// allowsHost reports whether the host the provider reports (which may
// carry a port, as SmartCaptcha's does) is in the allow-list.
func (c ChallengePolicy) allowsHost(reported string) bool {
	if len(c.Hostnames) == 0 {
		return true
	}
	host := strings.ToLower(reported)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return false
	}
	for _, pat := range c.Hostnames {
		if suffix, ok := strings.CutPrefix(pat, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == pat {
			return true
		}
	}
	return false
}

// validHostnamePattern accepts a DNS name or an IP address, optionally
// preceded by "*." for its subdomains.
func validHostnamePattern(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "*.")
	if s == "" || len(s) > maxHostnameLen {
		return false
	}
	if net.ParseIP(s) != nil {
		return true
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// printable reports whether s has no spaces or control characters: keys
// and tokens are opaque ASCII strings, and a stray newline pasted with one
// would make every check fail.
func printable(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// challengeSecretAD binds a sealed challenge secret to its project, so a
// value copied to another project's row does not open.
func challengeSecretAD(projectID string) string { return "challenge secret\x00" + projectID }

// maskChallengeSecret shows the last four characters of a secret long
// enough to keep most of it hidden, and nothing of a short one.
func maskChallengeSecret(secret string) string {
	if len(secret) < 16 {
		return "****"
	}
	return "****" + secret[len(secret)-4:]
}
