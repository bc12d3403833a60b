package otp

// PumpingDetector holds a project's settings of the detector that blocks
// prefixes whose conversion collapses. (Issue 16: filled in by the detector work.)
type PumpingDetector struct{}

func (d PumpingDetector) validate() error { return nil }
