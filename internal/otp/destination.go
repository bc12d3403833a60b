package otp

import (
	"net/mail"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Destination is a parsed, normalised address a code can be sent to.
type Destination struct {
	Value   string // E.164 phone or lower-case email
	IsPhone bool
	Country string // ISO 3166 region of a phone, e.g. "GB"
	// Type is a phone number's kind (mobile, premium_rate, …), set only
	// for what a send is screened on (parseDestinationFor), so that a
	// Destination of a lookup or a filter reads as it always has.
	// It is "" otherwise, for an email and for a fictional number.
	Type NumberType
}

// parsedPhone is what parsing a phone number learnt beyond its
// Destination: the number, for its carrier, and its type, which
// deciding its validity found at no extra cost (classifyPhone).
type parsedPhone struct {
	num *phonenumbers.PhoneNumber
	typ NumberType
}

// carrierOf is the phone number's original carrier in English, "" for
// an email (nil) or when libphonenumber does not know it (numbers can be
// ported since).
func carrierOf(p *parsedPhone) string {
	if p == nil {
		return ""
	}
	name, err := phonenumbers.GetCarrierForNumber(p.num, "en")
	if err != nil {
		return ""
	}
	return name
}

// plainDigits is s without its "+" when s is "+" and digits only, as
// E.164 is written: phoneDigits then has nothing to copy.
func plainDigits(s string) (string, bool) {
	if len(s) < 2 || s[0] != '+' {
		return "", false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s[1:], true
}

// maxDestinationLen bounds the input before any parsing work is done.
const maxDestinationLen = 254

// ParseDestination reads a phone number as people type it (spaces, dashes,
// dots, brackets, a missing "+" or a leading "00") or an email address.
// field names the request field in errors.
func ParseDestination(raw, field string) (Destination, error) {
	d, _, err := parseDestination(raw, "", field)
	return d, err
}

// ParseDestinationIn is ParseDestination for people who type phone
// numbers as they dial them in region (an ISO 3166 code such as "IN"):
// a number without "+" or "00" is read first as a national number of
// region, with or without its trunk prefix or its calling code
// (9812345678, 09812345678 and 919812345678 are all +91 98123 45678 in
// "IN"), and only when it is not one as an international number without
// its "+", as ParseDestination reads it. A number with "+" or "00", and an
// email address, read as ParseDestination reads them; so does every input
// when region is "" or unknown.
func ParseDestinationIn(raw, region, field string) (Destination, error) {
	d, _, err := parseDestination(raw, strings.ToUpper(region), field)
	return d, err
}

// parseDestination is ParseDestinationIn that also returns the parsed
// phone number (nil for an email), for what else is looked up in it.
func parseDestination(raw, region, field string) (Destination, *parsedPhone, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Destination{}, nil, invalidField(field, "required", field+" is required")
	}
	if len(s) > maxDestinationLen {
		return Destination{}, nil, &Error{Code: CodeInvalidParameter, Key: "destination_too_long", Message: field + " is too long", Field: field}
	}
	if strings.ContainsRune(s, '@') {
		d, err := parseEmail(s, field)
		return d, nil, err
	}
	return parsePhone(s, region, field)
}

func parseEmail(s, field string) (Destination, error) {
	bad := &Error{Code: CodeInvalidEmail, Key: "invalid_email", Message: "The email address is invalid", Field: field}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return Destination{}, bad
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || strings.ContainsAny(domain, "[]") {
		return Destination{}, bad
	}
	for _, r := range s {
		if r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r) {
			return Destination{}, bad
		}
	}
	return Destination{Value: strings.ToLower(s)}, nil
}

// phoneDigits returns the digits of a phone number as people type it,
// without the international prefix ("+" or a leading "00"), and whether
// one was typed; ok is false for anything but digits and separators.
func phoneDigits(s string) (digits string, international, ok bool) {
	if d, ok := plainDigits(s); ok {
		return d, true, true // as stored, and as most clients send it: nothing to remove
	}
	var b strings.Builder
	plus := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && !plus && b.Len() == 0:
			plus = true // "+44 20 ..." and "(+44) 20 ..." alike
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", false, false
		}
	}
	d := b.String()
	if !plus && strings.HasPrefix(d, "00") {
		return d[2:], true, true // international call prefix typed instead of "+"
	}
	return d, plus, true
}

func parsePhone(s, region, field string) (Destination, *parsedPhone, error) {
	bad := func() error {
		return &Error{Code: CodeInvalidPhone, Key: "invalid_phone", Message: "The phone number format is invalid", Field: field}
	}
	d, international, ok := phoneDigits(s)
	if !ok {
		return Destination{}, nil, bad()
	}
	if !international && region != "" {
		if p, numRegion, ok := nationalNumber(d, region); ok {
			return phoneDestination(p.num, numRegion), p, nil
		}
	}
	if len(d) < 7 || len(d) > 15 {
		return Destination{}, nil, bad()
	}
	num, err := parseInternational(d)
	if err != nil {
		return Destination{}, nil, bad()
	}
	// phonenumbers.IsValidNumber, with the region and type found on the way.
	numRegion, valid, t := classifyPhone(num)
	if !valid {
		return Destination{}, nil, bad()
	}
	return phoneDestination(num, numRegion), &parsedPhone{num: num, typ: numberTypeOf(t)}, nil
}

// nationalNumber reads digits as a number dialled in region: a national
// number, possibly with the region's trunk prefix or calling code in
// front. It returns the number and its region; ok is false unless that
// makes a valid number of at most 15 digits, E.164's limit.
func nationalNumber(digits, region string) (p *parsedPhone, numRegion string, ok bool) {
	if len(digits) < 2 || len(digits) > 15 {
		return nil, "", false
	}
	num, err := phonenumbers.Parse(digits, region)
	if err != nil {
		return nil, "", false
	}
	numRegion, valid, t := classifyPhone(num)
	if !valid || len(phonenumbers.Format(num, phonenumbers.E164)) > 16 {
		return nil, "", false
	}
	return &parsedPhone{num: num, typ: numberTypeOf(t)}, numRegion, true
}

func phoneDestination(num *phonenumbers.PhoneNumber, region string) Destination {
	return Destination{Value: formatE164(num), IsPhone: true, Country: region}
}

// fits reports whether a channel can reach the destination.
func (d Destination) fits(c Channel) bool {
	if c == Email {
		return !d.IsPhone
	}
	return d.IsPhone
}

// fictionalPhone reads s as a fictional phone number: well-formed E.164
// (7 to 15 digits after a "+" or "00") in a country calling code that no
// country uses, such as +999 482 918 102, the example of Cobinar's
// document. Nobody can own such a number, so a test application, whose
// messages never leave otpd, may send codes to it; a live application
// may not, since no carrier could deliver them.
func fictionalPhone(s string) (Destination, bool) {
	d, international, ok := phoneDigits(strings.TrimSpace(s))
	if !ok || !international || len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return Destination{}, false
	}
	if _, err := phonenumbers.Parse("+"+d, ""); err != phonenumbers.ErrInvalidCountryCode {
		return Destination{}, false
	}
	return Destination{Value: "+" + d, IsPhone: true}, true
}

// parseDestinationFor is parseDestination for a new verification of
// application a: a test application may also use fictional numbers. The
// destination's Type is looked up, for the screening of the send.
func parseDestinationFor(a *Application, raw, field string) (Destination, *parsedPhone, error) {
	d, p, err := parseDestination(raw, "", field)
	if err != nil && a.Environment == Test && isCode(err, CodeInvalidPhone) {
		if f, ok := fictionalPhone(raw); ok {
			return f, nil, nil
		}
	}
	d.Type = p.numberType()
	return d, p, err
}

// parseLookup is ParseDestination for finding what exists (a filter, a
// user, a test inbox): fictional numbers are accepted too, since a test
// application may have sent to one, and a lookup can only find rows that
// were written.
func parseLookup(raw, field string) (Destination, error) {
	d, err := ParseDestination(raw, field)
	if err != nil && isCode(err, CodeInvalidPhone) {
		if f, ok := fictionalPhone(raw); ok {
			return f, nil
		}
	}
	return d, err
}
