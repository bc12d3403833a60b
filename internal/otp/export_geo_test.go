package otp

// CheckGeoRules validates one rule set as geo.default, for the fuzz test.
func CheckGeoRules(r GeoRules) error { return r.validate("geo.default") }

// GeoDecision is a rule set's decision on a send, for the fuzz test.
func GeoDecision(r GeoRules, c Channel, d Destination) error { return r.allows(c, "default", d) }
