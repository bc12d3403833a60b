package webhook

import (
	"strings"
	"unicode/utf8"
)

// MaskDestination returns a form of a phone number or email address that
// lets a person recognise it without disclosing it: a phone keeps its
// country calling code and last two to four digits (+44******0958), an
// email its first character and domain (a***@example.com). Anything else
// keeps at most its first and last two characters. A masked phone or email
// is returned unchanged, so masking twice is harmless.
func MaskDestination(to string) string {
	if to == "" {
		return ""
	}
	to = strings.ToValidUTF8(to, "\uFFFD")
	if i := strings.LastIndexByte(to, '@'); i >= 0 && i < len(to)-1 {
		return maskEmail(to[:i], to[i+1:])
	}
	if isPhoneLike(to) {
		return maskPhone(to)
	}
	return maskOther(to)
}

// maskEmail keeps the domain, which identifies only the provider, and the
// first character of the local part. The mask has a fixed width so it does
// not disclose the length of the local part.
func maskEmail(local, domain string) string {
	r, _ := utf8.DecodeRuneInString(local)
	if utf8.RuneCountInString(local) < 2 || r == '*' {
		return "***@" + domain
	}
	return string(r) + "***@" + domain
}

// isPhoneLike reports whether s is digits with an optional leading plus.
// Stars are accepted so that a masked number is recognised as a number.
func isPhoneLike(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && c != '*' {
			return false
		}
	}
	return true
}

// maskPhone keeps the country calling code (only after a plus, where it is
// known to be one) and the last digits of the national number, fewer of
// them for short numbers so that most of the number is always hidden.
func maskPhone(s string) string {
	prefix, digits := "", s
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		prefix, digits = "+", rest
	}
	cc := ""
	if prefix == "+" {
		if n := countryCodeLen(digits); n > 0 && n < len(digits) {
			cc = digits[:n]
		}
	}
	national := digits[len(cc):]
	keep := keptDigits(len(national))
	return prefix + cc + strings.Repeat("*", len(national)-keep) + national[len(national)-keep:]
}

// keptDigits is how many trailing digits of a national number of n digits
// stay visible.
func keptDigits(n int) int {
	switch {
	case n >= 8:
		return 4
	case n >= 6:
		return 3
	case n >= 4:
		return 2
	default:
		return 0
	}
}

// maskOther handles destinations that are neither a phone nor an email,
// such as a chat handle: first and last two characters of a long value,
// nothing of a short one.
func maskOther(s string) string {
	r := []rune(s)
	if len(r) < 7 {
		return "***"
	}
	return string(r[0]) + "***" + string(r[len(r)-2:])
}

// twoDigitCodes are the ITU-T E.164 country calling codes of two digits.
// Codes 1 and 7 have one digit, every other code three; no code begins
// with 0. This prefix rule is complete, so no table of all codes is needed.
var twoDigitCodes = map[string]bool{
	"20": true, "27": true, "30": true, "31": true, "32": true, "33": true,
	"34": true, "36": true, "39": true, "40": true, "41": true, "43": true,
	"44": true, "45": true, "46": true, "47": true, "48": true, "49": true,
	"51": true, "52": true, "53": true, "54": true, "55": true, "56": true,
	"57": true, "58": true, "60": true, "61": true, "62": true, "63": true,
	"64": true, "65": true, "66": true, "81": true, "82": true, "84": true,
	"86": true, "90": true, "91": true, "92": true, "93": true, "94": true,
	"95": true, "98": true,
}

// countryCodeLen returns the length of the country calling code that d
// (the digits after the plus) begins with, or 0 when it cannot tell.
func countryCodeLen(d string) int {
	isDigit := func(i int) bool { return i < len(d) && d[i] >= '0' && d[i] <= '9' }
	switch {
	case !isDigit(0) || d[0] == '0':
		return 0
	case d[0] == '1' || d[0] == '7':
		return 1
	case !isDigit(1):
		return 0
	case twoDigitCodes[d[:2]]:
		return 2
	case !isDigit(2):
		return 0
	default:
		return 3
	}
}
