package otp

// screenGeo refuses a send to where the project does not send: outside
// its policy's country list (project-wide, every channel), outside the
// channel's geo rules, or to a kind of number it does not send to. They
// are read from the cached project, and cost no round trip.
// Errors: GEO_NOT_ALLOWED, NUMBER_TYPE_NOT_ALLOWED.
func screenGeo(p *Project, sc sendScreen) error {
	if err := p.Policy.allowsCountry(sc.Channel, sc.Dest); err != nil {
		return err
	}
	if err := p.Fraud.Geo.allows(sc.Channel, sc.Dest); err != nil {
		return err
	}
	return p.Fraud.NumberTypes.allows(sc.Dest.Type)
}
