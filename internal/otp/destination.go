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
}

// carrierOf is the phone number's original carrier in English, "" for
// an email (nil) or when libphonenumber does not know it (numbers can be
// ported since).
func carrierOf(num *phonenumbers.PhoneNumber) string {
	if num == nil {
		return ""
	}
	name, err := phonenumbers.GetCarrierForNumber(num, "en")
	if err != nil {
		return ""
	}
	return name
}

// maxDestinationLen bounds the input before any parsing work is done.
const maxDestinationLen = 254

// ParseDestination reads a phone number as people type it (spaces, dashes,
// dots, brackets, a missing "+" or a leading "00") or an email address.
// field names the request field in errors.
func ParseDestination(raw, field string) (Destination, error) {
	d, _, err := parseDestination(raw, field)
	return d, err
}

// parseDestination is ParseDestination that also returns the parsed
// phone number (nil for an email), for what else is looked up in it.
func parseDestination(raw, field string) (Destination, *phonenumbers.PhoneNumber, error) {
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
	return parsePhone(s, field)
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

func parsePhone(s, field string) (Destination, *phonenumbers.PhoneNumber, error) {
	bad := &Error{Code: CodeInvalidPhone, Key: "invalid_phone", Message: "The phone number format is invalid", Field: field}
	var digits strings.Builder
	plus := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && !plus && digits.Len() == 0:
			plus = true // "+44 20 ..." and "(+44) 20 ..." alike
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return Destination{}, nil, bad
		}
	}
	d := digits.String()
	if !plus && strings.HasPrefix(d, "00") {
		d = d[2:] // international call prefix typed instead of "+"
	}
	if len(d) < 7 || len(d) > 15 {
		return Destination{}, nil, bad
	}
	num, err := phonenumbers.Parse("+"+d, "")
	if err != nil {
		return Destination{}, nil, bad
	}
	// phonenumbers.IsValidNumber is exactly this, but looks the region up
	// itself: looking it up once saves a third of the parsing, which
	// matches the number against the region's patterns each time.
	region := phonenumbers.GetRegionCodeForNumber(num)
	if !phonenumbers.IsValidNumberForRegion(num, region) {
		return Destination{}, nil, bad
	}
	return Destination{
		Value:   phonenumbers.Format(num, phonenumbers.E164),
		IsPhone: true,
		Country: region,
	}, num, nil
}

// fits reports whether a channel can reach the destination.
func (d Destination) fits(c Channel) bool {
	if c == Email {
		return !d.IsPhone
	}
	return d.IsPhone
}
