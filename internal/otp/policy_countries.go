package otp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// MaxPolicyCountries bounds a project's country allow-list.
const MaxPolicyCountries = 250

// validateCountries checks a project's country allow-list: ISO 3166
// regions that have phone numbers, in upper case, without duplicates.
func validateCountries(cs []string) error {
	if len(cs) > MaxPolicyCountries {
		return invalidField("policy.countries", "too_many", fmt.Sprintf("countries lists at most %d regions", MaxPolicyCountries))
	}
	for i, c := range cs {
		if !validRegion(c) {
			return invalidField(fmt.Sprintf("policy.countries[%d]", i), "invalid_country", "countries are ISO 3166 regions in upper case, such as GB or RU")
		}
		if slices.Contains(cs[:i], c) {
			return invalidField(fmt.Sprintf("policy.countries[%d]", i), "duplicate_country", "a country is listed twice")
		}
	}
	return nil
}

// validRegion reports whether c is an ISO 3166 region that has phone
// numbers, in upper case.
func validRegion(c string) bool {
	return c == strings.ToUpper(c) && phonenumbers.GetCountryCodeForRegion(c) != 0
}

// allowsCountry refuses a phone destination outside the project's
// country allow-list, so that a project serving some countries cannot be
// made to pay for messages to others (SMS pumping). Email destinations
// have no country and always pass. The list predates geo permissions
// (GeoPermissions), the finer tool: it is one allow-list for every
// channel, kept for the clients that set it, and refuses with the same
// error. c is the channel of the send, "" when none is chosen yet.
// Errors: GEO_NOT_ALLOWED (country_not_allowed).
func (p Policy) allowsCountry(c Channel, d Destination) error {
	if !d.IsPhone || len(p.Countries) == 0 || slices.Contains(p.Countries, d.Country) {
		return nil
	}
	params := map[string]any{"country": d.Country, "rules": "policy.countries"}
	if c != "" {
		params["channel"] = string(c)
	}
	return &Error{Code: CodeGeoNotAllowed, Key: "country_not_allowed", Field: "to", Params: params,
		Message: "The project does not send codes to phone numbers of " + d.Country + " (its policy's countries do not list it)"}
}
