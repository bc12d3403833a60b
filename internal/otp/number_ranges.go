package otp

import (
	"regexp"
	"slices"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// libphonenumber's answers to "which region is this number of", "is it
// valid" and "what type is it" come from matching the national number
// against each region's ranges (general, premium rate, toll free, …,
// mobile). The Go port builds every pattern's text anew for each match
// and looks its compiled form up in a locked cache by that text, twice
// per range: for a US number, region, validity and type cost about
// 23 allocations and a few kilobytes each, and were computed four times
// per send. The functions below give the same answers from the same
// metadata (phonenumbers.MetadataCollection) with each region's patterns
// compiled once, when the region is first met; number_ranges_test.go
// holds them to the library's over many numbers of every region.

// numberRange is one PhoneNumberDesc: the lengths a number of the range
// may have (none listed: any) and its national number pattern, anchored
// at both ends as the library anchors it.
type numberRange struct {
	lengths []int32
	pattern *regexp.Regexp
}

func newNumberRange(d *phonenumbers.PhoneNumberDesc) numberRange {
	return numberRange{lengths: d.GetPossibleLength(), pattern: regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$")}
}

// matches is the library's isNumberMatchingDesc.
func (r numberRange) matches(nsn string) bool {
	if len(r.lengths) > 0 && !slices.Contains(r.lengths, int32(len(nsn))) {
		return false
	}
	return r.pattern.MatchString(nsn)
}

// regionRanges is one region's metadata, compiled.
type regionRanges struct {
	countryCode        int32
	leading            *regexp.Regexp // nil when the region has no leading digits
	nationalPrefix     *regexp.Regexp // nil when it has no national prefix for parsing
	sameMobileAndFixed bool

	general, premiumRate, tollFree, sharedCost, voip, personal, pager, uan, voicemail, fixedLine, mobile numberRange
}

func newRegionRanges(m *phonenumbers.PhoneMetadata) *regionRanges {
	r := &regionRanges{
		countryCode:        m.GetCountryCode(),
		sameMobileAndFixed: m.GetSameMobileAndFixedLinePattern(),
		general:            newNumberRange(m.GetGeneralDesc()),
		premiumRate:        newNumberRange(m.GetPremiumRate()),
		tollFree:           newNumberRange(m.GetTollFree()),
		sharedCost:         newNumberRange(m.GetSharedCost()),
		voip:               newNumberRange(m.GetVoip()),
		personal:           newNumberRange(m.GetPersonalNumber()),
		pager:              newNumberRange(m.GetPager()),
		uan:                newNumberRange(m.GetUan()),
		voicemail:          newNumberRange(m.GetVoicemail()),
		fixedLine:          newNumberRange(m.GetFixedLine()),
		mobile:             newNumberRange(m.GetMobile()),
	}
	if ld := m.GetLeadingDigits(); ld != "" {
		r.leading = regexp.MustCompile("^(?:" + ld + ")")
	}
	if np := m.GetNationalPrefixForParsing(); np != "" {
		r.nationalPrefix = regexp.MustCompile("^(?:" + np + ")")
	}
	return r
}

// numberType is the library's getNumberTypeHelper: the ranges are tried
// in its order, and the first that matches names the type.
func (r *regionRanges) numberType(nsn string) phonenumbers.PhoneNumberType {
	switch {
	case !r.general.matches(nsn):
		return phonenumbers.UNKNOWN
	case r.premiumRate.matches(nsn):
		return phonenumbers.PREMIUM_RATE
	case r.tollFree.matches(nsn):
		return phonenumbers.TOLL_FREE
	case r.sharedCost.matches(nsn):
		return phonenumbers.SHARED_COST
	case r.voip.matches(nsn):
		return phonenumbers.VOIP
	case r.personal.matches(nsn):
		return phonenumbers.PERSONAL_NUMBER
	case r.pager.matches(nsn):
		return phonenumbers.PAGER
	case r.uan.matches(nsn):
		return phonenumbers.UAN
	case r.voicemail.matches(nsn):
		return phonenumbers.VOICEMAIL
	case r.fixedLine.matches(nsn):
		if r.sameMobileAndFixed || r.mobile.matches(nsn) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	case !r.sameMobileAndFixed && r.mobile.matches(nsn):
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}

// numberRanges is every region's metadata, each compiled on first use:
// compiling all of them would take time and memory for regions a
// deployment never sends to.
type numberRanges struct {
	regions map[string]func() *regionRanges // by region code ("GB")
	nonGeo  map[int32]func() *regionRanges  // region "001", by calling code
}

// ranges is read-only once loaded. The collection is the one the library
// decoded at its init and reads itself, so both answer from the same data.
var ranges = sync.OnceValue(func() *numberRanges {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		panic("phonenumbers metadata: " + err.Error()) // embedded in the library: cannot happen
	}
	rs := &numberRanges{regions: map[string]func() *regionRanges{}, nonGeo: map[int32]func() *regionRanges{}}
	for _, m := range coll.GetMetadata() {
		compile := sync.OnceValue(func() *regionRanges { return newRegionRanges(m) })
		if m.GetId() == "001" {
			rs.nonGeo[m.GetCountryCode()] = compile
		} else {
			rs.regions[m.GetId()] = compile
		}
	}
	return rs
})

// region returns a region's compiled ranges, nil for an unknown region.
func (rs *numberRanges) region(code string) *regionRanges {
	if compile := rs.regions[code]; compile != nil {
		return compile()
	}
	return nil
}

// forNumber is the library's getMetadataForRegionOrCallingCode.
func (rs *numberRanges) forNumber(countryCode int32, region string) *regionRanges {
	if region == "001" {
		if compile := rs.nonGeo[countryCode]; compile != nil {
			return compile()
		}
		return nil
	}
	return rs.region(region)
}

// classifyPhone returns what phonenumbers.GetRegionCodeForNumber,
// IsValidNumber and GetNumberType return for num, matching each range
// once.
func classifyPhone(num *phonenumbers.PhoneNumber) (region string, valid bool, t phonenumbers.PhoneNumberType) {
	rs := ranges()
	cc := num.GetCountryCode()
	var buf [24]byte
	nsn := string(appendNationalSignificantNumber(buf[:0], num))
	regions := phonenumbers.GetRegionCodesForCountryCode(int(cc))
	var r *regionRanges
	typed := false // whether t is r's type of the number already
	switch len(regions) {
	case 0:
	case 1:
		region = regions[0]
	default:
		// GetRegionCodeForNumber: the first region whose leading digits
		// match, or, for a region without any, whose ranges hold the
		// number (the type that found is the number's type, too).
		for _, code := range regions {
			rc := rs.region(code)
			if rc == nil {
				continue // every region of a calling code has metadata
			}
			if rc.leading != nil {
				if rc.leading.MatchString(nsn) {
					region, r = code, rc
					break
				}
				continue
			}
			if tc := rc.numberType(nsn); tc != phonenumbers.UNKNOWN {
				region, r, t, typed = code, rc, tc, true
				break
			}
		}
	}
	if r == nil {
		r = rs.forNumber(cc, region)
	}
	if r == nil {
		return region, false, phonenumbers.UNKNOWN
	}
	if !typed {
		t = r.numberType(nsn)
	}
	// IsValidNumberForRegion also asks the region to use the number's
	// calling code, which every region of that code does.
	valid = t != phonenumbers.UNKNOWN && (region == "001" || r.countryCode == cc)
	return region, valid, t
}
