package otp

import (
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestParseInternationalAgreesWithLibrary holds parseInternational to
// phonenumbers.Parse over sampleNumbers: the same error, or a number
// equal in every field.
func TestParseInternationalAgreesWithLibrary(t *testing.T) {
	inputs, _ := sampleNumbers(t)
	common := 0
	for _, in := range inputs {
		digits := in[1:]
		got, gotErr := parseInternational(digits)
		want, wantErr := phonenumbers.Parse(in, "")
		if gotErr != wantErr {
			t.Errorf("%s: error %v, want %v", in, gotErr, wantErr)
			continue
		}
		if wantErr != nil {
			continue
		}
		if got.String() != want.String() {
			t.Errorf("%s: %v, want %v", in, got, want)
		}
		if _, ok := parseInternationalCommon(digits); ok {
			common++
		}
	}
	// The common case must be common, or the test compares little of it.
	if common < len(inputs)/2 {
		t.Errorf("%d of %d numbers took the common case, want most", common, len(inputs))
	}
	t.Logf("%d numbers, %d in the common case", len(inputs), common)
}

// BenchmarkParseInternational is a US number, parsed by
// parseInternational and by phonenumbers.Parse.
func BenchmarkParseInternational(b *testing.B) {
	b.Run("parseInternational", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseInternational("14155552671"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := phonenumbers.Parse("+14155552671", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
}
