package otp

import "strings"

// CallerIDIn reads a caller id or sender id as people of region (an ISO
// 3166 code such as "IN") type it, for CreateRequest.CallerID: a number
// written with "+" or "00", or one that is a phone number of region in
// national form (ParseDestinationIn), becomes that number in E.164, as
// carriers want it. Anything else (an alphanumeric sender id such as
// OZONTL, a short code, digits that are no number of region) is returned
// as given, for CreateVerification to accept or refuse: digits that read
// as a number only of another country are more likely a numeric sender
// id than that number without its "+".
func CallerIDIn(id, region string) string {
	s := strings.TrimSpace(id)
	if s == "" || len(s) > maxDestinationLen || strings.ContainsRune(s, '@') {
		return id
	}
	d, err := ParseDestinationIn(s, region, "callerId")
	if err != nil {
		return id
	}
	// ParseDestinationIn took it, so a "+" can only be the leading one.
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	international := strings.Contains(s, "+") || strings.HasPrefix(digits, "00")
	if !international && d.Country != strings.ToUpper(region) {
		return id
	}
	return d.Value
}
