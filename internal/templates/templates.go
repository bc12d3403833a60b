// Package templates writes the texts of verification messages: the SMS,
// voice, email, Telegram and WhatsApp wording of a code for a purpose
// (verification, two_factor, password_reset, transaction) in one of the
// built-in locales, or a project's own wording (an Override).
//
// The package is pure: no I/O, and its inputs are plain strings, so the
// domain converts its own types at the call. The built-in texts live in
// locales/<tag>.yaml, one file per locale with the same keys; each text is
// a Go text/template over Vars with two functions, {{minutes .Minutes}}
// (the CLDR plural of "N minutes" in the locale) and {{spell .Code}} (the
// code character by character, for text-to-speech).
//
// How a message is put together:
//   - sms, telegram, whatsapp: the purpose's sentence, then the "do not
//     share" line unless Options.NoShareLine. For sms only, the
//     auto-fill lines follow after a blank line: the Android SMS
//     Retriever app hash on its own line, then the WebOTP line
//     "@domain #code", which the W3C format wants last.
//   - voice: the sentence with the code spelled out, the "do not share"
//     line, then "I repeat: <code spelled out>", so the code is the last
//     thing heard.
//   - email: a subject, a text body and an HTML body built from the same
//     sentences, the code on its own line.
//
// An Override replaces the purpose's sentence (and, for email, the subject
// when given). The share line is not added to it, since the project wrote
// the whole text; the SMS auto-fill lines still are, because apps depend on
// them and a project cannot be expected to format them.
package templates

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Vars are the values a message text can use.
type Vars struct {
	Code    string // the one-time code, shown exactly as given
	AppName string
	Minutes int    // whole minutes until the code expires, at least 1
	Amount  string // transaction only, as it should read: "25.00 EUR"
	Payee   string // transaction only
}

// Options change how the built-in texts are put together.
type Options struct {
	// NoShareLine drops the "do not share this code" line.
	NoShareLine bool
	// SMSAppHash is the 11-character Android SMS Retriever hash of the
	// app; it is appended to SMS texts as a line of its own.
	SMSAppHash string
	// WebOTPDomain adds the W3C WebOTP line "@domain #code" as the last
	// line of SMS texts.
	WebOTPDomain string
}

// Override is a project's own text for a channel and purpose: Go
// text/template over Vars, such as "{{.AppName}}: {{.Code}}, valid
// {{minutes .Minutes}}". It may use if, with, variables, the functions
// minutes and spell, and the built-ins and, or, not, eq, ne, lt, le, gt,
// ge, len, index and slice; not range, define, block, template, printf
// or the escapers (see ValidateOverride).
type Override struct {
	Body    string
	Subject string // email only; empty keeps the built-in subject
}

// Request is what Render writes a message for.
type Request struct {
	Channel  string // sms, voice, email, telegram or whatsapp
	Purpose  string // verification, two_factor, password_reset or transaction
	Locale   string // BCP 47 tag, matched against Locales(); "" for English
	Vars     Vars
	Options  Options
	Override *Override // nil for the built-in texts
}

// Content is a rendered message.
type Content struct {
	Locale  string // the supported locale the texts are in
	Body    string // the SMS or chat text, the words to speak, or the email text part
	Subject string // email only
	HTML    string // email only
}

// Channel and purpose names, as the domain spells them.
const (
	channelSMS      = "sms"
	channelVoice    = "voice"
	channelEmail    = "email"
	channelTelegram = "telegram"
	channelWhatsApp = "whatsapp"
)

var (
	channels = []string{channelSMS, channelVoice, channelEmail, channelTelegram, channelWhatsApp}
	purposes = []string{"verification", "two_factor", "password_reset", "transaction"}
)

// maxCodeLen bounds the code: longer is a caller's bug, not a code.
const maxCodeLen = 64

// Render writes the message for r. It fails when the channel or purpose is
// unknown, a variable is missing (the code; the amount or payee of a
// transaction), the options are invalid, or the override cannot be used;
// override failures are *OverrideError, so the caller can fall back to the
// built-in texts. Error messages never contain the code.
//
// The locale is matched like Resolve's requested tag, falling back to
// English; callers normally pass what Resolve chose.
func Render(r Request) (Content, error) {
	cat, err := loadCatalog()
	if err != nil {
		return Content{}, err
	}
	if !slices.Contains(channels, r.Channel) {
		return Content{}, fmt.Errorf("render message: unknown channel %q", r.Channel)
	}
	if !slices.Contains(purposes, r.Purpose) {
		return Content{}, fmt.Errorf("render message: unknown purpose %q", r.Purpose)
	}
	if err := r.Vars.check(r.Purpose); err != nil {
		return Content{}, fmt.Errorf("render message: %w", err)
	}
	if err := r.Options.Validate(); err != nil {
		return Content{}, fmt.Errorf("render message: %w", err)
	}
	loc := cat.locales[cat.match(r.Locale, "en")]
	var c Content
	if r.Override != nil {
		c, err = renderOverride(loc, r.Channel, r.Purpose, r.Vars, *r.Override)
	} else {
		c, err = renderBuiltin(loc, r)
	}
	if err != nil {
		return Content{}, err
	}
	if r.Channel == channelSMS {
		c.Body += autofill(r.Options, r.Vars.Code)
	}
	c.Locale = loc.tag
	c.Subject = oneLine(c.Subject)
	return c, nil
}

func (v Vars) check(purpose string) error {
	switch {
	case v.Code == "":
		return errors.New("code is required")
	case utf8.RuneCountInString(v.Code) > maxCodeLen:
		return fmt.Errorf("code is longer than %d characters", maxCodeLen)
	case strings.IndexFunc(v.Code, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		// A space would split the WebOTP "#code" token; a newline, the SMS.
		return errors.New("code contains a space or a control character")
	case !utf8.ValidString(v.Code):
		return errors.New("code is not valid UTF-8")
	case v.Minutes < 1:
		return errors.New("minutes must be at least 1")
	case purpose == "transaction" && (strings.TrimSpace(v.Amount) == "" || strings.TrimSpace(v.Payee) == ""):
		return errors.New("a transaction needs an amount and a payee")
	}
	return nil
}

// renderBuiltin writes the built-in texts of loc. Telegram and WhatsApp
// read like SMS: short notifications, where the SMS wording works as is.
func renderBuiltin(loc *locale, r Request) (Content, error) {
	if r.Channel == channelEmail {
		return renderEmail(loc, r.Purpose, r.Vars, !r.Options.NoShareLine)
	}
	voice := r.Channel == channelVoice
	var room [3]string // the parts, in one builder: every send renders one
	keys := append(room[:0], "sms."+r.Purpose)
	if voice {
		keys[0] = "voice." + r.Purpose
	}
	if !r.Options.NoShareLine {
		keys = append(keys, "share")
	}
	if voice {
		keys = append(keys, "voice.repeat")
	}
	var body strings.Builder
	body.Grow(160)
	for i, k := range keys {
		if i > 0 {
			body.WriteString(loc.sentenceGap)
		}
		if err := loc.executeTo(&body, k, r.Vars); err != nil {
			return Content{}, err
		}
	}
	return Content{Body: body.String()}, nil
}

// oneLine turns line breaks and other control characters into spaces: a
// subject is a mail header, and an app name with a newline must not add
// headers to it.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
