package otp

import (
	"fmt"
	"slices"
	"strconv"

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
	// Name is the set of overrides this one belongs to, which a send
	// request picks by name (CreateRequest.Template); "" and "default"
	// are the default set, used when a request names none.
	Name    string
	Channel Channel
	Purpose Purpose
	Locale  string
	Body    string
	Subject string // email only
}

// MaxTemplateOverrides bounds a project's overrides.
const MaxTemplateOverrides = 100

// DefaultTemplate is the name of the template set used when a request
// names none: the project's overrides without a name, else otpd's
// built-in texts.
const DefaultTemplate = "default"

// maxTemplateName bounds a template set's name.
const maxTemplateName = 64

// templateSet returns the canonical form of a template set's name: ""
// for the default set.
func templateSet(name string) string {
	if name == DefaultTemplate {
		return ""
	}
	return name
}

// validTemplateName accepts names of 1 to 64 letters, digits, '_', '-'
// and '.', the characters of an identifier in any client's code.
func validTemplateName(name string) bool {
	if name == "" || len(name) > maxTemplateName {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func (m MessagePolicy) validate() error {
	opts := templates.Options{SMSAppHash: m.SMSAppHash, WebOTPDomain: m.WebOTPDomain}
	if err := opts.Validate(); err != nil {
		return invalidField("policy.messages", "invalid_autofill", err.Error())
	}
	if len(m.Templates) > MaxTemplateOverrides {
		return invalidField("policy.messages.templates", "out_of_range", fmt.Sprintf("at most %d templates", MaxTemplateOverrides))
	}
	seen := map[[4]string]bool{}
	for i, t := range m.Templates {
		field := fmt.Sprintf("policy.messages.templates[%d]", i)
		if t.Name != "" && !validTemplateName(t.Name) {
			return invalidField(field+".name", "invalid_template_name", "name must be 1 to 64 letters, digits, '_', '-' or '.'")
		}
		if !slices.Contains(Channels, t.Channel) {
			return invalidField(field+".channel", "invalid_channel", "channel must be one of sms, voice, email, telegram, whatsapp")
		}
		if !validPurpose(t.Purpose) {
			return invalidField(field+".purpose", "invalid_purpose", "purpose must be one of verification, two_factor, password_reset, transaction")
		}
		if t.Locale != "" && !validLocale(t.Locale) {
			return invalidField(field+".locale", "invalid_locale", "locale must be a language tag such as en or pt-BR, or empty for every locale")
		}
		if err := checkText(field+".body", t.Body, true); err != nil {
			return err
		}
		if err := checkText(field+".subject", t.Subject, false); err != nil {
			return err
		}
		if t.Subject != "" && t.Channel != Email {
			return invalidField(field+".subject", "subject_not_email", "only email templates have a subject")
		}
		key := [4]string{templateSet(t.Name), string(t.Channel), string(t.Purpose), t.Locale}
		if seen[key] {
			return invalidField(field, "duplicate_template", "two templates of the same name for the same channel, purpose and locale")
		}
		seen[key] = true
		if err := templates.ValidateOverride(string(t.Channel), string(t.Purpose), templates.Override{Body: t.Body, Subject: t.Subject}); err != nil {
			return &Error{Code: CodeInvalidParameter, Key: "invalid_template", Field: field, Message: err.Error()}
		}
	}
	return nil
}

// override returns the project's template of set name for a message,
// preferring an exact locale over one for every locale. A named set
// without a text for the message falls back to the default set's, as a
// message without any override falls back to the built-in texts.
func (m MessagePolicy) override(name string, c Channel, p Purpose, locale string) *TemplateOverride {
	if o := m.overrideOfSet(templateSet(name), c, p, locale); o != nil || templateSet(name) == "" {
		return o
	}
	return m.overrideOfSet("", c, p, locale)
}

func (m MessagePolicy) overrideOfSet(set string, c Channel, p Purpose, locale string) *TemplateOverride {
	var any *TemplateOverride
	for i, t := range m.Templates {
		if templateSet(t.Name) != set || t.Channel != c || t.Purpose != p {
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

// checkTemplate reports INVALID_PARAMETER for a template set name the
// project does not define; the default set always exists.
func (m MessagePolicy) checkTemplate(name string) error {
	set := templateSet(name)
	if set == "" {
		return nil
	}
	if !validTemplateName(set) {
		return invalidField("template", "invalid_template_name", "template must be 1 to 64 letters, digits, '_', '-' or '.'")
	}
	for _, t := range m.Templates {
		if templateSet(t.Name) == set {
			return nil
		}
	}
	return &Error{Code: CodeInvalidParameter, Key: "unknown_template", Field: "template",
		Message: "template " + strconv.Quote(name) + " is not a template of this project", Params: map[string]any{"template": name}}
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
