package otp

import (
	"fmt"
	"slices"

	"github.com/otpd/otpd/internal/templates"
)

// MessagePolicy is how a project's messages read.
type MessagePolicy struct {
	NoShareLine  bool   // leave out the built-in "do not share this code" line
	SMSAppHash   string // Android SMS Retriever app hash, appended to SMS texts
	WebOTPDomain string // adds the WebOTP "@domain #code" line to SMS texts
	// Templates replace built-in texts for a channel, purpose and locale.
	Templates []TemplateOverride
}

// TemplateOverride is a project's own text for one channel, purpose and
// locale, a Go template over the message variables (templates.Vars).
type TemplateOverride struct {
	Channel Channel
	Purpose Purpose
	Locale  string
	Body    string
	Subject string // email only
}

// MaxTemplateOverrides bounds a project's overrides.
const MaxTemplateOverrides = 100

func (m MessagePolicy) validate() error {
	opts := templates.Options{SMSAppHash: m.SMSAppHash, WebOTPDomain: m.WebOTPDomain}
	if err := opts.Validate(); err != nil {
		return invalidField("policy.messages", "invalid_autofill", err.Error())
	}
	if len(m.Templates) > MaxTemplateOverrides {
		return invalidField("policy.messages.templates", "out_of_range", fmt.Sprintf("at most %d templates", MaxTemplateOverrides))
	}
	seen := map[[3]string]bool{}
	for i, t := range m.Templates {
		field := fmt.Sprintf("policy.messages.templates[%d]", i)
		if !slices.Contains(Channels, t.Channel) {
			return invalidField(field+".channel", "invalid_channel", "channel must be one of sms, voice, email, telegram, whatsapp")
		}
		if !validPurpose(t.Purpose) {
			return invalidField(field+".purpose", "invalid_purpose", "purpose must be one of verification, two_factor, password_reset, transaction")
		}
		if t.Locale != "" && !validLocale(t.Locale) {
			return invalidField(field+".locale", "invalid_locale", "locale must be a language tag such as en or pt-BR, or empty for every locale")
		}
		if t.Subject != "" && t.Channel != Email {
			return invalidField(field+".subject", "subject_not_email", "only email templates have a subject")
		}
		key := [3]string{string(t.Channel), string(t.Purpose), t.Locale}
		if seen[key] {
			return invalidField(field, "duplicate_template", "two templates for the same channel, purpose and locale")
		}
		seen[key] = true
		if err := templates.ValidateOverride(string(t.Channel), string(t.Purpose), templates.Override{Body: t.Body, Subject: t.Subject}); err != nil {
			return &Error{Code: CodeInvalidParameter, Key: "invalid_template", Field: field, Message: err.Error()}
		}
	}
	return nil
}

// override returns the project's template for a message, preferring an
// exact locale over one for every locale.
func (m MessagePolicy) override(c Channel, p Purpose, locale string) *TemplateOverride {
	var any *TemplateOverride
	for i, t := range m.Templates {
		if t.Channel != c || t.Purpose != p {
			continue
		}
		if t.Locale == locale {
			return &m.Templates[i]
		}
		if t.Locale == "" {
			any = &m.Templates[i]
		}
	}
	return any
}

func validPurpose(p Purpose) bool {
	switch p {
	case PurposeVerification, PurposeTwoFactor, PurposePasswordReset, PurposeTransaction:
		return true
	}
	return false
}

func validateChannelList(cs []Channel) error {
	for i, c := range cs {
		if !slices.Contains(Channels, c) {
			return invalidField(fmt.Sprintf("policy.channels[%d]", i), "invalid_channel", "channels must be among sms, voice, email, telegram, whatsapp")
		}
		if slices.Contains(cs[:i], c) {
			return invalidField(fmt.Sprintf("policy.channels[%d]", i), "duplicate_channel", "a channel is listed twice")
		}
	}
	return nil
}

// channelSet is the channels a request may use: the project's, in its
// order of preference, that this deployment has a provider for.
type channelSet struct {
	project     []Channel
	deliverable map[Channel]bool // nil: every channel (test applications, the console)
}

// channels returns the channel set of an application of project p.
func (s *Service) channels(a *Application, p Policy) channelSet {
	set := channelSet{project: p.Channels}
	if len(set.project) == 0 {
		set.project = Channels
	}
	if a.Environment == Live {
		set.deliverable = s.deliverable
	}
	return set
}

// check reports CHANNEL_DISABLED-style errors: the project did not enable
// the channel, or no provider can deliver it.
func (cs channelSet) check(c Channel, field string) error {
	if !slices.Contains(cs.project, c) {
		return &Error{Code: CodeInvalidParameter, Key: "channel_disabled", Field: field,
			Message: "channel " + string(c) + " is not enabled for this project", Params: map[string]any{"channel": string(c)}}
	}
	if cs.deliverable != nil && !cs.deliverable[c] {
		return &Error{Code: CodeInvalidParameter, Key: "channel_unavailable", Field: field,
			Message: "no provider is configured for channel " + string(c), Params: map[string]any{"channel": string(c)}}
	}
	return nil
}

// first is the first usable channel that reaches d.
func (cs channelSet) first(d Destination) (Channel, bool) {
	for _, c := range cs.project {
		if d.fits(c) && cs.check(c, "") == nil {
			return c, true
		}
	}
	return "", false
}
