package otp

import (
	"fmt"
	"strings"
	"unicode"
)

// The text a tenant sets (names, descriptions, template overrides) reaches
// messages sent to people and the console. Control characters can break
// a message into lines that look like otpd's own, and bidirectional
// formatting characters can make "evil.example" read as another text
// (a phishing vector in SMS). Values given through an API are refused
// (checkText); values stored before this rule, and variables put into a
// message, are stripped when used (SafeText).

// ReasonUnsafeCharacters is details.reason of the error refusing a text
// with control or bidirectional formatting characters: stable, for
// clients to switch on.
const ReasonUnsafeCharacters = "unsafe_characters"

// isBidiControl reports whether r is a bidirectional formatting
// character: the embeddings and overrides U+202A–U+202E, the isolates
// U+2066–U+2069, the marks U+200E, U+200F and the Arabic letter mark
// U+061C.
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C
}

// unsafeRune reports whether r may not appear in a tenant's text: a
// control character (a newline only where lines are allowed), the
// Unicode line and paragraph separators, or a bidirectional formatting
// character.
func unsafeRune(r rune, newlines bool) bool {
	if r == '\n' && newlines {
		return false
	}
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || isBidiControl(r)
}

// checkText refuses s, the value of field, if it holds a character
// unsafeRune refuses. newlines allows line breaks (\n), as multi-line
// texts have.
func checkText(field, s string, newlines bool) error {
	i := strings.IndexFunc(s, func(r rune) bool { return unsafeRune(r, newlines) })
	if i < 0 {
		return nil
	}
	r := []rune(s[i:])[0]
	what := "control characters or bidirectional formatting characters"
	if newlines {
		what = "control characters other than line breaks, or bidirectional formatting characters"
	}
	return &Error{Code: CodeInvalidParameter, Key: ReasonUnsafeCharacters, Field: field,
		Message: fmt.Sprintf("%s must not contain %s (found U+%04X)", field, what, r),
		Params:  map[string]any{"reason": ReasonUnsafeCharacters, "character": fmt.Sprintf("U+%04X", r)}}
}

// SafeText is s without control and bidirectional formatting characters,
// for a stored name or a variable put into a message or a page.
func SafeText(s string) string {
	return stripUnsafe(s, false)
}

// stripUnsafe drops from s what unsafeRune refuses.
func stripUnsafe(s string, newlines bool) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unsafeRune(r, newlines) }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeRune(r, newlines) {
			return -1
		}
		return r
	}, s)
}

// stripBidi drops bidirectional formatting characters from s, an HTML
// text whose line breaks and tabs are layout.
func stripBidi(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isBidiControl(r) {
			return -1
		}
		return r
	}, s)
}
