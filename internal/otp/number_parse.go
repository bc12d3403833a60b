package otp

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// parseInternational is phonenumbers.Parse("+"+digits, "") for digits
// that are ASCII digits only, as phoneDigits returns them. Parse spends
// most of its time on what such input cannot hold (extensions, letters,
// RFC 3966 parameters, punctuation), matching regular expressions built
// for them: about 40 µs and 24 allocations for a US number. Here the
// common case takes a calling code, the national number after it, and
// nothing else; whatever would take one of Parse's other branches (a
// national prefix to strip, Italian leading zeros, an unknown calling
// code, lengths out of range) is left to Parse itself, so the answer is
// always Parse's (number_parse_test.go compares them over many numbers).
func parseInternational(digits string) (*phonenumbers.PhoneNumber, error) {
	if num, ok := parseInternationalCommon(digits); ok {
		return num, nil
	}
	return phonenumbers.Parse("+"+digits, "")
}

// parseInternationalCommon is parseInternational's common case; ok is
// false for anything else.
func parseInternationalCommon(digits string) (num *phonenumbers.PhoneNumber, ok bool) {
	if len(digits) <= 2 || len(digits) > 20 || digits[0] == '0' {
		return nil, false
	}
	for i := 1; i <= 3; i++ { // calling codes have one to three digits
		cc, err := strconv.Atoi(digits[:i])
		if err != nil {
			return nil, false
		}
		regions := phonenumbers.GetRegionCodesForCountryCode(cc)
		if len(regions) == 0 {
			continue
		}
		nsn := digits[i:]
		// Parse's limits on a national number, and the two cases it
		// rewrites: a leading zero kept apart (Italy), and a national
		// prefix stripped from the number.
		if len(nsn) < 2 || len(nsn) > 17 || nsn[0] == '0' {
			return nil, false
		}
		r := ranges().forNumber(int32(cc), regions[0])
		if r == nil || r.nationalPrefix != nil && r.nationalPrefix.MatchString(nsn) {
			return nil, false
		}
		n, err := strconv.ParseUint(nsn, 10, 64)
		if err != nil {
			return nil, false
		}
		code := int32(cc)
		return &phonenumbers.PhoneNumber{CountryCode: &code, NationalNumber: &n}, true
	}
	return nil, false
}
