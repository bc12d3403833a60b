package templates

import (
	"errors"
	"strings"
)

// Validate checks the SMS auto-fill options: the app hash is 11
// characters of the base64 alphabet, as Google's SMS Retriever computes
// it, and the WebOTP domain is a host name without scheme, port or path.
// The domain calls it when a project saves them; Render calls it too.
func (o Options) Validate() error {
	if o.SMSAppHash != "" && !validAppHash(o.SMSAppHash) {
		return errors.New("the SMS app hash must be 11 characters of A-Z, a-z, 0-9, + and /")
	}
	if o.WebOTPDomain != "" && !validHost(o.WebOTPDomain) {
		return errors.New("the WebOTP domain must be a host name such as example.com, without scheme, port or path")
	}
	return nil
}

// validAppHash: the hash is the first 11 characters of a base64-encoded
// SHA-256, so its alphabet is base64's (no padding at that length).
func validAppHash(h string) bool {
	if len(h) != 11 {
		return false
	}
	for _, r := range h {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/') {
			return false
		}
	}
	return true
}

// validHost accepts an ASCII host name (IDNs in their xn-- form): labels
// of letters, digits and inner hyphens, at most 63 bytes each and 253 in
// all, not ending in a numeric label (an IP address is not a WebOTP
// origin's host). A single label is allowed for localhost.
func validHost(h string) bool {
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// autofill is the SMS tail that lets phones fill the code in: after a
// blank line, the SMS Retriever hash on a line of its own, then the WebOTP
// line, which the W3C format requires to be the message's last. Google's
// and the W3C's own examples separate these lines from the text by a
// blank line.
func autofill(o Options, code string) string {
	var lines []string
	if o.SMSAppHash != "" {
		lines = append(lines, o.SMSAppHash)
	}
	if o.WebOTPDomain != "" {
		// Hosts are case-insensitive; browsers compare them lowercased.
		lines = append(lines, "@"+strings.ToLower(o.WebOTPDomain)+" #"+code)
	}
	if len(lines) == 0 {
		return ""
	}
	return "\n\n" + strings.Join(lines, "\n")
}
