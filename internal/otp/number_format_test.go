package otp

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestFormatE164AgreesWithLibrary holds formatE164 and
// appendNationalSignificantNumber to the library functions they stand
// for, over sampleNumbers and numbers with Italian leading zeros.
func TestFormatE164AgreesWithLibrary(t *testing.T) {
	inputs, _ := sampleNumbers(t)
	inputs = append(inputs, "+390212345678", "+3900212345678", "+2250712345678", "+79161234567")
	checked := 0
	for _, in := range inputs {
		for _, region := range []string{"", "IT", "CI"} {
			num, err := phonenumbers.Parse(in, region)
			if err != nil {
				continue
			}
			checked++
			if got, want := formatE164(num), phonenumbers.Format(num, phonenumbers.E164); got != want {
				t.Errorf("%s: formatE164 = %q, want %q", in, got, want)
			}
			if got, want := string(appendNationalSignificantNumber(nil, num)), phonenumbers.GetNationalSignificantNumber(num); got != want {
				t.Errorf("%s: national significant number %q, want %q", in, got, want)
			}
		}
	}
	if checked < len(inputs) {
		t.Errorf("only %d numbers parsed: the test compares little", checked)
	}
}

// TestFormatE164Allocations: one allocation, the string itself.
func TestFormatE164Allocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are counted without the race detector: it moves values to the heap")
	}
	num, err := phonenumbers.Parse("+14155552671", "")
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { formatE164(num) }); n > 1 {
		t.Errorf("formatE164 allocates %v times, want at most 1", n)
	}
}
