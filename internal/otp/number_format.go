package otp

import (
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// formatE164 is phonenumbers.Format(num, phonenumbers.E164), the stored
// form of a phone number, written in one allocation instead of the
// library's seven: "+", the calling code, the national significant
// number. Every send and every wrong check formats one.
func formatE164(num *phonenumbers.PhoneNumber) string {
	if num.GetNationalNumber() == 0 && num.GetRawInput() != "" {
		return phonenumbers.Format(num, phonenumbers.E164) // the library's raw-input case
	}
	var buf [32]byte
	b := append(buf[:0], '+')
	b = strconv.AppendInt(b, int64(num.GetCountryCode()), 10)
	return string(appendNationalSignificantNumber(b, num))
}

// appendNationalSignificantNumber appends
// phonenumbers.GetNationalSignificantNumber(num) to b: the leading zeros
// kept apart (Italy), then the national number.
func appendNationalSignificantNumber(b []byte, num *phonenumbers.PhoneNumber) []byte {
	if num.GetItalianLeadingZero() && num.GetNumberOfLeadingZeros() > 0 {
		for range min(int(num.GetNumberOfLeadingZeros()), phonenumbers.MAX_LENGTH_FOR_NSN) {
			b = append(b, '0')
		}
	}
	return strconv.AppendUint(b, num.GetNationalNumber(), 10)
}
