package otp

// GeoPermissions are the countries and number prefixes each channel of a
// project may send to. (Issue 16: filled in by the geo work.)
type GeoPermissions struct{}

func (g GeoPermissions) validate() error { return nil }

// allows refuses a send to a destination the channel may not reach.
// Errors: GEO_NOT_ALLOWED.
func (g GeoPermissions) allows(c Channel, d Destination) error { return nil }
