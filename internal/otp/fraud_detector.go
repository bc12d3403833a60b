package otp

import (
	"fmt"
	"strings"
	"time"
)

// PumpingDetector holds a project's settings of the detector that blocks
// prefixes whose conversion collapses while their volume rises. The zero
// value is the defaults below: the detector is on for every project.
type PumpingDetector struct {
	// Disabled turns the detector off for the project.
	Disabled bool `json:"disabled,omitempty"`
	// MinSends is the sends in the last hour below which a prefix is
	// never blocked (DefaultDetectorMinSends when 0).
	MinSends int `json:"minSends,omitempty"`
	// ConversionRatio: a prefix is suspect when its last hour's
	// conversion is below this share of its baseline's
	// (DefaultDetectorConversionRatio when 0).
	ConversionRatio float64 `json:"conversionRatio,omitempty"`
	// VolumeFactor: and when its last hour's sends are above this many
	// times its baseline's hourly sends (DefaultDetectorVolumeFactor when 0).
	VolumeFactor float64 `json:"volumeFactor,omitempty"`
	// CoolingMinutes is how long a block lasts
	// (DefaultDetectorCoolingMinutes when 0).
	CoolingMinutes int `json:"coolingMinutes,omitempty"`
}

// The detector's defaults: a prefix with at least 50 sends in the last
// hour, at least 3 times its usual hourly volume, converting at less than
// a quarter of its usual rate, is blocked for an hour.
const (
	DefaultDetectorMinSends        = 50
	DefaultDetectorConversionRatio = 0.25
	DefaultDetectorVolumeFactor    = 3
	DefaultDetectorCoolingMinutes  = 60
)

// effective is d with its defaults filled in.
func (d PumpingDetector) effective() PumpingDetector {
	if d.MinSends == 0 {
		d.MinSends = DefaultDetectorMinSends
	}
	if d.ConversionRatio == 0 {
		d.ConversionRatio = DefaultDetectorConversionRatio
	}
	if d.VolumeFactor == 0 {
		d.VolumeFactor = DefaultDetectorVolumeFactor
	}
	if d.CoolingMinutes == 0 {
		d.CoolingMinutes = DefaultDetectorCoolingMinutes
	}
	return d
}

func (d PumpingDetector) validate() error {
	switch {
	case d.MinSends < 0 || d.MinSends > 1_000_000:
		return invalidField("detector.minSends", "out_of_range", "detector.minSends must be between 0 and 1000000")
	case d.ConversionRatio < 0 || d.ConversionRatio > 1:
		return invalidField("detector.conversionRatio", "out_of_range", "detector.conversionRatio must be between 0 and 1")
	case d.VolumeFactor < 0 || d.VolumeFactor > 1000:
		return invalidField("detector.volumeFactor", "out_of_range", "detector.volumeFactor must be between 0 and 1000")
	case d.CoolingMinutes < 0 || d.CoolingMinutes > MaxBlockMinutes:
		return invalidField("detector.coolingMinutes", "out_of_range", fmt.Sprintf("detector.coolingMinutes must be between 0 and %d", MaxBlockMinutes))
	}
	return nil
}

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

// MaxBlockMinutes bounds a block's length (a week): a block is a pause
// while someone looks, a country that is never wanted belongs in the geo
// permissions.
const MaxBlockMinutes = 7 * 24 * 60

// validPrefix says whether p is an E.164 prefix of 3–7 digits.
func validPrefix(p string) bool {
	digits, ok := strings.CutPrefix(p, "+")
	if !ok || len(digits) < 3 || len(digits) > 7 || digits[0] == '0' {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// active says whether the block holds at now.
func (b PrefixBlock) active(now time.Time) bool { return now.Before(b.Until) }

// blockOf returns the active block with the longest prefix that d's
// number starts with, or nil. An email address has no prefix.
func (f *FraudSettings) blockOf(d Destination, now time.Time) *PrefixBlock {
	if !d.IsPhone {
		return nil
	}
	var found *PrefixBlock
	for i := range f.Blocks {
		b := &f.Blocks[i]
		if b.active(now) && strings.HasPrefix(d.Value, b.Prefix) && (found == nil || len(b.Prefix) > len(found.Prefix)) {
			found = b
		}
	}
	return found
}

// blocked refuses a send to a number under an active block: 429
// PREFIX_BLOCKED, retry when the block ends. The reason stays in the
// console: the caller may be the person the attacker pretends to be.
func (f *FraudSettings) blocked(d Destination, now time.Time) error {
	b := f.blockOf(d, now)
	if b == nil {
		return nil
	}
	return &Error{Code: CodePrefixBlocked, Key: "prefix_blocked", Field: "to",
		Message:    fmt.Sprintf("Sends to numbers starting with %s are paused for suspected abuse; try again later", b.Prefix),
		Params:     map[string]any{"prefix": b.Prefix, "until": b.Until.UTC().Format(time.RFC3339)},
		RetryAfter: b.Until.Sub(now)}
}

// pruneBlocks drops the blocks that ended before now and returns them,
// so that the caller, which drops them under the project's row lock,
// records their fraud.released events once.
func (f *FraudSettings) pruneBlocks(now time.Time) (ended []PrefixBlock) {
	kept := f.Blocks[:0]
	for _, b := range f.Blocks {
		if b.active(now) {
			kept = append(kept, b)
		} else {
			ended = append(ended, b)
		}
	}
	f.Blocks = kept
	return ended
}
