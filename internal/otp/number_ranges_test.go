package otp

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// sampleNumbers is "+" and digits: the example number of every type of
// every region and non-geographic code, numbers near each (last digits
// changed, a digit more, a digit less) and random ones. examples is how many
// examples there are.
func sampleNumbers(t *testing.T) (inputs []string, examples int) {
	t.Helper()
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER,
		phonenumbers.PAGER, phonenumbers.UAN, phonenumbers.VOICEMAIL}
	var seeds []*phonenumbers.PhoneNumber
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range types {
			if n := phonenumbers.GetExampleNumberForType(region, typ); n != nil {
				seeds = append(seeds, n)
			}
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		if n := phonenumbers.GetExampleNumberForNonGeoEntity(cc); n != nil {
			seeds = append(seeds, n)
		}
	}
	if len(seeds) < 1000 {
		t.Fatalf("only %d example numbers: the library's examples moved", len(seeds))
	}
	rnd := rand.New(rand.NewPCG(17, 17))
	for _, n := range seeds {
		e164 := phonenumbers.Format(n, phonenumbers.E164)
		inputs = append(inputs, e164, e164+strconv.Itoa(rnd.IntN(10)), e164[:len(e164)-1])
		for range 8 {
			b := []byte(e164)
			for i := len(b) - 1 - rnd.IntN(4); i < len(b); i++ {
				b[i] = byte('0' + rnd.IntN(10))
			}
			inputs = append(inputs, string(b))
		}
	}
	for range 6000 {
		b := []byte{'+'}
		for range 1 + rnd.IntN(20) {
			b = append(b, byte('0'+rnd.IntN(10)))
		}
		inputs = append(inputs, string(b))
	}

	return inputs, len(seeds)
}

// TestClassifyPhoneAgreesWithLibrary holds classifyPhone to the library
// functions it stands for, over sampleNumbers read both as international
// numbers and as national numbers of several regions.
func TestClassifyPhoneAgreesWithLibrary(t *testing.T) {
	inputs, seeds := sampleNumbers(t)
	compare := func(t *testing.T, num *phonenumbers.PhoneNumber, in string) {
		t.Helper()
		region, valid, typ := classifyPhone(num)
		wantRegion := phonenumbers.GetRegionCodeForNumber(num)
		wantValid := phonenumbers.IsValidNumber(num)
		wantType := phonenumbers.GetNumberType(num)
		if region != wantRegion || valid != wantValid || typ != wantType {
			t.Errorf("%s: classifyPhone = %q, %v, %v, want %q, %v, %v", in, region, valid, typ, wantRegion, wantValid, wantType)
		}
	}
	checked, valid := 0, 0
	for _, in := range inputs {
		if num, err := phonenumbers.Parse(in, ""); err == nil {
			compare(t, num, in)
			checked++
			if phonenumbers.IsValidNumber(num) {
				valid++
			}
		}
		// As people dial them at home: without the calling code, in the
		// regions a number of +1, +7, +44 and +262 may belong to, and one
		// of a single region.
		for _, region := range []string{"US", "CA", "JM", "RU", "KZ", "GB", "JE", "RE", "IN"} {
			cc := phonenumbers.GetCountryCodeForRegion(region)
			prefix := "+" + strconv.Itoa(cc)
			if len(in) <= len(prefix) || in[:len(prefix)] != prefix {
				continue
			}
			if num, err := phonenumbers.Parse(in[len(prefix):], region); err == nil {
				compare(t, num, region+" "+in[len(prefix):])
				checked++
			}
		}
	}
	if valid < seeds/2 || checked-valid < seeds/2 {
		t.Errorf("%d numbers checked, %d valid: the test needs many of both", checked, valid)
	}
	t.Logf("%d numbers checked, %d valid", checked, valid)
}

// BenchmarkClassifyPhone is a US number's region, validity and type,
// against the library's three calls that classifyPhone stands for.
func BenchmarkClassifyPhone(b *testing.B) {
	num, err := phonenumbers.Parse("+14155552671", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("classifyPhone", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			classifyPhone(num)
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			region := phonenumbers.GetRegionCodeForNumber(num)
			phonenumbers.IsValidNumberForRegion(num, region)
			phonenumbers.GetNumberType(num)
		}
	})
}
