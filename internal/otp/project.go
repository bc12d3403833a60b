package otp

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Project groups applications under one owner and carries the verification
// policy they share.
type Project struct {
	ID          string
	Name        string
	Description string
	Policy      Policy
	// OwnerID is the developer who owns the project; "" for the operator's.
	OwnerID string
	// Credits is the project's prepaid balance, nil when it has none:
	// then sends are not limited by cost.
	Credits *Money
	// ApprovedSenderIDs are the sender ids (a send's callerId) the
	// operator approved for the project; only the operator sets them
	// (SetApprovedSenderIDs), and the owner's updates leave them as they are.
	ApprovedSenderIDs []string
	// PendingTemplates, when not nil, are template overrides an untrusted
	// owner saved, waiting for the operator's approval; until then
	// Policy.Messages.Templates, the approved ones, stay in use.
	PendingTemplates *PendingTemplates
	// Fraud are the project's defences against abuse; see FraudSettings.
	Fraud     FraudSettings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Policy holds the per-project defaults and bounds of verifications.
type Policy struct {
	CodeLength int // characters in a code, 4–10
	// CodeAlphabet is what codes are made of; "" is CodeDigits.
	CodeAlphabet   CodeAlphabet
	TTL            time.Duration // lifetime of a code, 30 s – 15 min
	MaxAttempts    int           // checks allowed per verification, 1–10
	ResendCooldown time.Duration // wait between two sends of one verification
	MaxResends     int           // resends allowed per verification
	SendsPerMinute int           // sends allowed per destination and minute
	// AppSendsPerMinute and AppChecksPerMinute bound the sends and the
	// checks each application of the project may make a minute; 0 sets
	// no bound of the project's own, and an API with a documented
	// default (Cobinar's 5 and 10) applies that (see LimitApplication).
	AppSendsPerMinute  int
	AppChecksPerMinute int
	DefaultLocale      string
	// Channels are the channels the project's applications may send on,
	// in order of preference: a request without a channel takes the first
	// that can reach its destination. Empty means all, in Channels order.
	Channels []Channel
	Messages MessagePolicy
	// Challenge is the CAPTCHA that protects the project's sends.
	Challenge ChallengePolicy
	// SessionTTL is how long a verification session lives (the session
	// flow); zero is DefaultSessionTTL.
	SessionTTL time.Duration
	// Countries, if not empty, are the ISO 3166 regions whose phone
	// numbers the project sends codes to; others are refused.
	Countries []string
}

// Bounds and default of a verification session's lifetime. Three minutes
// is kod.mobi's session.
const (
	MinSessionTTL     = time.Minute
	MaxSessionTTL     = 15 * time.Minute
	DefaultSessionTTL = 3 * time.Minute
)

// SessionLifetime is how long the project's verification sessions live.
func (p Policy) SessionLifetime() time.Duration {
	if p.SessionTTL == 0 {
		return DefaultSessionTTL
	}
	return p.SessionTTL
}

// Bounds of the policy values; requests outside them are refused, not clamped.
const (
	MinCodeLength = 4
	MaxCodeLength = 10
	MinTTL        = 30 * time.Second
	MaxTTL        = 15 * time.Minute
	MaxAttemptsUp = 10
	maxNameLen    = 100
	maxDescLen    = 280
)

// DefaultPolicy is the policy of a new project.
func DefaultPolicy() Policy {
	return Policy{
		CodeLength:     6,
		TTL:            5 * time.Minute,
		MaxAttempts:    5,
		ResendCooldown: 30 * time.Second,
		MaxResends:     3,
		SendsPerMinute: 10,
		DefaultLocale:  "en",
		CodeAlphabet:   CodeDigits,
		SessionTTL:     DefaultSessionTTL,
	}
}

// Validate reports the first policy value out of bounds.
func (p Policy) Validate() error {
	switch {
	case p.CodeLength < MinCodeLength || p.CodeLength > MaxCodeLength:
		return invalidField("policy.codeLength", "out_of_range", "codeLength must be between 4 and 10")
	case p.TTL < MinTTL || p.TTL > MaxTTL:
		return invalidField("policy.ttl", "out_of_range", "ttl must be between 30 and 900 seconds")
	case p.MaxAttempts < 1 || p.MaxAttempts > MaxAttemptsUp:
		return invalidField("policy.maxAttempts", "out_of_range", "maxAttempts must be between 1 and 10")
	case p.ResendCooldown < 0 || p.ResendCooldown > 10*time.Minute:
		return invalidField("policy.resendCooldown", "out_of_range", "resendCooldown must be between 0 and 600 seconds")
	case p.MaxResends < 0 || p.MaxResends > 10:
		return invalidField("policy.maxResends", "out_of_range", "maxResends must be between 0 and 10")
	case p.SendsPerMinute < 1 || p.SendsPerMinute > 1000:
		return invalidField("policy.sendsPerMinute", "out_of_range", "sendsPerMinute must be between 1 and 1000")
	case p.AppSendsPerMinute < 0 || p.AppSendsPerMinute > MaxAppPerMinute:
		return invalidField("policy.appSendsPerMinute", "out_of_range", "appSendsPerMinute must be between 0 (no limit of the project's own) and 100000")
	case p.AppChecksPerMinute < 0 || p.AppChecksPerMinute > MaxAppPerMinute:
		return invalidField("policy.appChecksPerMinute", "out_of_range", "appChecksPerMinute must be between 0 (no limit of the project's own) and 100000")
	case !validLocale(p.DefaultLocale):
		return invalidField("policy.defaultLocale", "invalid_locale", "defaultLocale must be a language tag such as en or pt-BR")
	case !p.CodeAlphabet.valid():
		return invalidField("policy.codeLetters", "invalid_alphabet", "codes need digits, letters or both: codeDigits and codeLetters cannot both be false")
	case p.SessionTTL != 0 && (p.SessionTTL < MinSessionTTL || p.SessionTTL > MaxSessionTTL):
		return invalidField("policy.sessionTtl", "out_of_range", "sessionTtl must be between 60 and 900 seconds")
	}
	if err := validateChannelList(p.Channels); err != nil {
		return err
	}
	if err := validateCountries(p.Countries); err != nil {
		return err
	}
	if err := p.Challenge.validate(); err != nil {
		return err
	}
	return p.Messages.validate()
}

// ProjectFilter selects projects in a list.
type ProjectFilter struct {
	OwnerID *string // nil: every project; else those of this owner ("" is the operator's)
}

// ProjectInput is what a caller may set on a project; nil fields are left as they are.
type ProjectInput struct {
	Name        *string
	Description *string
	// Policy replaces the policy, except the challenge's secret key:
	// Policy.Challenge's SecretSealed and SecretPreview are ignored.
	Policy *Policy
	// ChallengeSecret, if set and not empty, is a new secret key of the
	// challenge provider. It is sealed before it is stored and never shown.
	ChallengeSecret *string
}

// apply sets the fields of in on p; seal protects a challenge secret.
func (in ProjectInput) apply(p *Project, seal func(plaintext, ad string) []byte) error {
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" {
			return invalidField("name", "required", "name is required")
		}
		if utf8.RuneCountInString(name) > maxNameLen {
			return invalidField("name", "too_long", "name must be at most 100 characters")
		}
		if err := checkText("name", name, false); err != nil {
			return err
		}
		p.Name = name
	}
	if in.Description != nil {
		if utf8.RuneCountInString(*in.Description) > maxDescLen {
			return invalidField("description", "too_long", "description must be at most 280 characters")
		}
		if err := checkText("description", *in.Description, true); err != nil {
			return err
		}
		p.Description = *in.Description
	}
	if in.Policy != nil {
		if err := in.Policy.Validate(); err != nil {
			return err
		}
		prev := p.Policy.Challenge
		p.Policy = *in.Policy
		c := p.Policy.Challenge.normalized()
		// A secret key belongs to one provider's site: it stays while the
		// provider does, and a new provider needs its own.
		c.SecretSealed, c.SecretPreview = nil, ""
		if prev.Provider == c.Provider {
			c.SecretSealed, c.SecretPreview = prev.SecretSealed, prev.SecretPreview
		}
		p.Policy.Challenge = c
	}
	if in.ChallengeSecret != nil && *in.ChallengeSecret != "" {
		secret := *in.ChallengeSecret
		if len(secret) > maxChallengeSecret {
			return invalidField("policy.challenge.secretKey", "too_long", "secretKey must be at most 512 characters")
		}
		if !printable(secret) {
			return invalidField("policy.challenge.secretKey", "invalid_characters", "secretKey must not contain spaces or control characters")
		}
		p.Policy.Challenge.SecretSealed = seal(secret, challengeSecretAD(p.ID))
		p.Policy.Challenge.SecretPreview = maskChallengeSecret(secret)
	}
	if c := p.Policy.Challenge; c.Enabled && !c.SecretSet() {
		return invalidField("policy.challenge.secretKey", "required", "secretKey is required to enable the challenge")
	}
	return nil
}

// validLocale accepts short BCP 47 tags: a 2–3 letter language and an
// optional region or script subtag.
func validLocale(s string) bool {
	if len(s) < 2 || len(s) > 12 {
		return false
	}
	for i, part := range strings.Split(s, "-") {
		if len(part) < 2 || len(part) > 4 || (i == 0 && len(part) > 3) {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}
