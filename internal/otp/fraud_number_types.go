package otp

import (
	"fmt"
	"slices"

	"github.com/nyaruka/phonenumbers"
)

// NumberType is a kind of phone number as libphonenumber classifies it
// from the number's range: "mobile", "premium_rate", …
type NumberType string

// The number types libphonenumber tells apart. A valid number always has
// one of them; NumberUnknown is left for numbers it cannot place.
const (
	NumberMobile            NumberType = "mobile"
	NumberFixedLine         NumberType = "fixed_line"
	NumberFixedLineOrMobile NumberType = "fixed_line_or_mobile"
	NumberVoIP              NumberType = "voip"
	NumberPersonal          NumberType = "personal_number"
	NumberPager             NumberType = "pager"
	NumberTollFree          NumberType = "toll_free"
	NumberPremiumRate       NumberType = "premium_rate"
	NumberSharedCost        NumberType = "shared_cost"
	NumberUAN               NumberType = "uan"
	NumberVoicemail         NumberType = "voicemail"
	NumberUnknown           NumberType = "unknown"
)

// NumberTypes lists every number type, in the order the console shows them.
var NumberTypes = []NumberType{NumberMobile, NumberFixedLine, NumberFixedLineOrMobile, NumberVoIP,
	NumberPersonal, NumberPager, NumberTollFree, NumberPremiumRate, NumberSharedCost, NumberUAN,
	NumberVoicemail, NumberUnknown}

// DefaultNumberTypes are the types a project sends to until it says
// otherwise: the numbers a person answers. VoIP numbers are people's too
// (and numbers ported to VoIP keep their old type anyway). Refused are
// the numbers that earn their owner money or reach no person: premium
// rate, shared cost, UAN and toll free (businesses' numbers, and the
// revenue-sharing ranges SMS pumping rents), personal numbers (in the UK
// the +4470 forwarding range, a classic of toll fraud), pagers (one-way
// devices nobody reads a code on any more) and voicemail access numbers.
// "unknown" is refused too: a valid number always has a type, so an
// unknown one is a range libphonenumber cannot vouch for.
var DefaultNumberTypes = []NumberType{NumberMobile, NumberFixedLine, NumberFixedLineOrMobile, NumberVoIP}

// NumberTypePolicy says which kinds of phone numbers a project sends to.
type NumberTypePolicy struct {
	// Allowed lists the types sends may go to; empty means
	// DefaultNumberTypes, so that projects from before it (whose stored
	// settings have none) are protected too.
	Allowed []NumberType `json:"allowed,omitempty"`
}

// Effective is the list in force: Allowed, or DefaultNumberTypes.
func (n NumberTypePolicy) Effective() []NumberType {
	if len(n.Allowed) == 0 {
		return DefaultNumberTypes
	}
	return n.Allowed
}

func (n NumberTypePolicy) validate() error {
	for i, t := range n.Allowed {
		f := fmt.Sprintf("numberTypes.allowed[%d]", i)
		if !slices.Contains(NumberTypes, t) {
			return invalidField(f, "invalid_number_type", "number types are mobile, fixed_line, fixed_line_or_mobile, voip, personal_number, pager, toll_free, premium_rate, shared_cost, uan, voicemail or unknown")
		}
		if slices.Contains(n.Allowed[:i], t) {
			return invalidField(f, "duplicate_number_type", "a number type is listed twice")
		}
	}
	return nil
}

// allows refuses a phone number of a type the project does not send to.
// t is "" when the type was not looked up: for an email, and for a test
// application's fictional number, which has no range to classify and
// never leaves otpd. Errors: NUMBER_TYPE_NOT_ALLOWED.
func (n NumberTypePolicy) allows(t NumberType) error {
	if t == "" || slices.Contains(n.Effective(), t) {
		return nil
	}
	return &Error{Code: CodeNumberTypeNotAllowed, Key: "number_type_not_allowed", Field: "to",
		Params:  map[string]any{"numberType": string(t)},
		Message: fmt.Sprintf("The project does not send codes to %s numbers", humanNumberType[t])}
}

// humanNumberType names each type in a message.
var humanNumberType = map[NumberType]string{
	NumberMobile: "mobile", NumberFixedLine: "fixed-line", NumberFixedLineOrMobile: "fixed-line or mobile",
	NumberVoIP: "VoIP", NumberPersonal: "personal (forwarding)", NumberPager: "pager", NumberTollFree: "toll-free",
	NumberPremiumRate: "premium-rate", NumberSharedCost: "shared-cost", NumberUAN: "UAN (universal access)",
	NumberVoicemail: "voicemail access", NumberUnknown: "unclassified",
}

// numberType is the type of a parsed phone number; "" for none (an email
// or a fictional number).
func (p *parsedPhone) numberType() NumberType {
	if p == nil {
		return ""
	}
	return p.typ
}

// numberTypeOf names libphonenumber's type of a number.
func numberTypeOf(t phonenumbers.PhoneNumberType) NumberType {
	switch t {
	case phonenumbers.MOBILE:
		return NumberMobile
	case phonenumbers.FIXED_LINE:
		return NumberFixedLine
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		return NumberFixedLineOrMobile
	case phonenumbers.VOIP:
		return NumberVoIP
	case phonenumbers.PERSONAL_NUMBER:
		return NumberPersonal
	case phonenumbers.PAGER:
		return NumberPager
	case phonenumbers.TOLL_FREE:
		return NumberTollFree
	case phonenumbers.PREMIUM_RATE:
		return NumberPremiumRate
	case phonenumbers.SHARED_COST:
		return NumberSharedCost
	case phonenumbers.UAN:
		return NumberUAN
	case phonenumbers.VOICEMAIL:
		return NumberVoicemail
	}
	return NumberUnknown
}
