package otp

import "time"

// PumpingDetector holds a project's settings of the detector that blocks
// prefixes whose conversion collapses while their volume rises.
// (Issue 16: filled in by the detector work.)
type PumpingDetector struct{}

func (d PumpingDetector) validate() error { return nil }

// PrefixBlock is a number prefix a project's sends may not go to until
// Until (the detector's cooling period) or a release. Active blocks live
// in the project's fraud settings, read with the project on every send;
// their history is in the events (fraud.blocked, fraud.released).
type PrefixBlock struct {
	// Prefix is an E.164 prefix of 3–7 digits ("+88216").
	Prefix  string `json:"prefix"`
	Country string `json:"country,omitempty"`
	// Reason explains the block in words a console user reads.
	Reason string    `json:"reason"`
	Auto   bool      `json:"auto,omitempty"` // set by the detector, not by hand
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
}
