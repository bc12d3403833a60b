package otp

import (
	"fmt"
	"slices"
	"strings"
)

// GeoPermissions are the countries and number prefixes each channel of a
// project may send to: a channel with rules of its own follows them, the
// others follow Default. Email has no country and is never refused here.
//
// Within one rule set the longest prefix rule that matches the number
// decides, allow or deny; without one the country list does. So a
// country list says the broad intent ("only GB and IE") and prefix rules
// carve exceptions out of it ("but not +4470", "and +3531 too"), which is
// how SMS pumping is fought: by the ranges the attacks use, not whole
// countries.
//
// The zero value sends everywhere; a project created while the operator
// sets OTPD_DEFAULT_COUNTRIES starts with Default allowing only those.
type GeoPermissions struct {
	Default  GeoRules  `json:"default"`
	SMS      *GeoRules `json:"sms,omitempty"`
	Voice    *GeoRules `json:"voice,omitempty"`
	WhatsApp *GeoRules `json:"whatsapp,omitempty"`
	Telegram *GeoRules `json:"telegram,omitempty"`
}

// GeoRules are one rule set: a country list read by Mode, and prefix
// rules that take precedence over it.
type GeoRules struct {
	// Mode says how Countries reads: GeoAll (every country; Countries is
	// empty), GeoAllow (only those listed) or GeoDeny (all but those).
	// The empty string reads as GeoAll.
	Mode      GeoMode      `json:"mode,omitempty"`
	Countries []string     `json:"countries,omitempty"`
	Prefixes  []PrefixRule `json:"prefixes,omitempty"`
}

// GeoMode is how a rule set reads its country list.
type GeoMode string

// The modes of a country list.
const (
	GeoAll   GeoMode = "all"
	GeoAllow GeoMode = "allow"
	GeoDeny  GeoMode = "deny"
)

// PrefixRule allows or denies the phone numbers that start with Prefix,
// "+" and 3 to 7 digits of E.164 such as "+4470".
type PrefixRule struct {
	Prefix string     `json:"prefix"`
	Action RuleAction `json:"action"`
}

// RuleAction is what a prefix rule does to the numbers it matches.
type RuleAction string

// The actions of a prefix rule.
const (
	RuleAllow RuleAction = "allow"
	RuleDeny  RuleAction = "deny"
)

// Bounds of a rule set, so that the send path's scan stays short.
const (
	MaxGeoCountries = MaxPolicyCountries
	MaxGeoPrefixes  = 200
)

// GeoChannels are the channels that can have geo rules of their own:
// those that reach phone numbers.
var GeoChannels = []Channel{SMS, Voice, WhatsApp, Telegram}

// rulesFor returns the rule set channel c follows and its name ("sms",
// or "default" when c has none of its own).
func (g *GeoPermissions) rulesFor(c Channel) (*GeoRules, string) {
	if r := g.own(c); r != nil {
		return r, string(c)
	}
	return &g.Default, "default"
}

// own is channel c's own rule set, nil when it follows Default.
func (g *GeoPermissions) own(c Channel) *GeoRules {
	switch c {
	case SMS:
		return g.SMS
	case Voice:
		return g.Voice
	case WhatsApp:
		return g.WhatsApp
	case Telegram:
		return g.Telegram
	}
	return nil
}

func (g GeoPermissions) validate() error {
	if err := g.Default.validate("geo.default"); err != nil {
		return err
	}
	for _, c := range GeoChannels {
		if r := g.own(c); r != nil {
			if err := r.validate("geo." + string(c)); err != nil {
				return err
			}
		}
	}
	return nil
}

// validate checks one rule set; field names it in errors.
func (r GeoRules) validate(field string) error {
	switch r.Mode {
	case "", GeoAll:
		if len(r.Countries) > 0 {
			return invalidField(field+".countries", "countries_without_mode", "countries needs mode allow or deny; mode all sends to every country")
		}
	case GeoAllow, GeoDeny:
	default:
		return invalidField(field+".mode", "invalid_geo_mode", "mode must be all, allow or deny")
	}
	if len(r.Countries) > MaxGeoCountries {
		return invalidField(field+".countries", "too_many", fmt.Sprintf("countries lists at most %d regions", MaxGeoCountries))
	}
	for i, c := range r.Countries {
		if !validRegion(c) {
			return invalidField(fmt.Sprintf("%s.countries[%d]", field, i), "invalid_country", "countries are ISO 3166 regions in upper case, such as GB or RU")
		}
		if slices.Contains(r.Countries[:i], c) {
			return invalidField(fmt.Sprintf("%s.countries[%d]", field, i), "duplicate_country", "a country is listed twice")
		}
	}
	if len(r.Prefixes) > MaxGeoPrefixes {
		return invalidField(field+".prefixes", "too_many", fmt.Sprintf("prefixes lists at most %d rules", MaxGeoPrefixes))
	}
	for i, pr := range r.Prefixes {
		f := fmt.Sprintf("%s.prefixes[%d]", field, i)
		if !ValidPrefix(pr.Prefix) {
			return invalidField(f+".prefix", "invalid_prefix", "a prefix is + and 3 to 7 digits of an international number, such as +4470")
		}
		if pr.Action != RuleAllow && pr.Action != RuleDeny {
			return invalidField(f+".action", "invalid_rule_action", "action must be allow or deny")
		}
		if slices.ContainsFunc(r.Prefixes[:i], func(o PrefixRule) bool { return o.Prefix == pr.Prefix }) {
			return invalidField(f+".prefix", "duplicate_prefix", "a prefix has two rules")
		}
	}
	return nil
}

// ValidPrefix reports whether s is a number prefix of a geo rule: "+"
// and 3 to 7 digits, the first not 0 (no calling code starts with 0).
// Fewer digits are a calling code, which a country list says better;
// more would be a handful of numbers, which the safelist and blocks are for.
func ValidPrefix(s string) bool {
	d, ok := strings.CutPrefix(s, "+")
	if !ok || len(d) < 3 || len(d) > 7 || d[0] == '0' {
		return false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// allows refuses a send to a destination the channel may not reach.
// Errors: GEO_NOT_ALLOWED.
func (g GeoPermissions) allows(c Channel, d Destination) error {
	if !d.IsPhone || c == Email {
		return nil
	}
	r, name := g.rulesFor(c)
	return r.allows(c, name, d)
}

// allows is the rule set's decision: the longest matching prefix rule,
// else the country list. A number without a country (a test
// application's fictional number, which never leaves otpd) is decided by
// prefix rules only.
func (r *GeoRules) allows(c Channel, name string, d Destination) error {
	best := -1
	for i, pr := range r.Prefixes {
		if strings.HasPrefix(d.Value, pr.Prefix) && (best < 0 || len(pr.Prefix) > len(r.Prefixes[best].Prefix)) {
			best = i
		}
	}
	// The error's parameters, made only for a refusal: every send passes
	// here, and a map of them cost five allocations.
	params := func() map[string]any {
		return map[string]any{"country": d.Country, "channel": string(c), "rules": name}
	}
	if best >= 0 {
		pr := r.Prefixes[best]
		if pr.Action == RuleAllow {
			return nil
		}
		p := params()
		p["prefix"] = pr.Prefix
		return &Error{Code: CodeGeoNotAllowed, Key: "geo_prefix_denied", Field: "to", Params: p,
			Message: fmt.Sprintf("The project's %s geo rules deny %s to numbers starting %s", name, c, pr.Prefix)}
	}
	if d.Country == "" {
		return nil
	}
	switch r.Mode {
	case GeoAllow:
		if !slices.Contains(r.Countries, d.Country) {
			return &Error{Code: CodeGeoNotAllowed, Key: "geo_country_not_listed", Field: "to", Params: params(),
				Message: fmt.Sprintf("The project's %s geo rules allow %s only to the countries they list, and %s is not one of them", name, c, d.Country)}
		}
	case GeoDeny:
		if slices.Contains(r.Countries, d.Country) {
			return &Error{Code: CodeGeoNotAllowed, Key: "geo_country_denied", Field: "to", Params: params(),
				Message: fmt.Sprintf("The project's %s geo rules deny %s to %s", name, c, d.Country)}
		}
	}
	return nil
}

// AllowOnly is a rule set that sends only to countries (every country
// when it is empty): a new project's default under OTPD_DEFAULT_COUNTRIES.
func AllowOnly(countries []string) GeoRules {
	if len(countries) == 0 {
		return GeoRules{Mode: GeoAll}
	}
	return GeoRules{Mode: GeoAllow, Countries: slices.Clone(countries)}
}
