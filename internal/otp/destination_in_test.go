package otp_test

import (
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

var (
	inMobile   = otp.Destination{Value: "+919812345678", IsPhone: true, Country: "IN"}
	inLandline = otp.Destination{Value: "+914030123456", IsPhone: true, Country: "IN"}
)

// TestParseDestinationIn: numbers as people in India type them, the four
// forms of one mobile number among them, read with region "IN".
func TestParseDestinationIn(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		region   string
		want     otp.Destination
		wantCode string // error code; empty when the input is valid
	}{
		// The four forms of +91 98123 45678.
		{name: "ten digits", in: "9812345678", region: "IN", want: inMobile},
		{name: "trunk prefix 0", in: "09812345678", region: "IN", want: inMobile},
		{name: "calling code without plus", in: "919812345678", region: "IN", want: inMobile},
		{name: "E.164", in: "+919812345678", region: "IN", want: inMobile},

		// The same, as they arrive or are written otherwise.
		{name: "plus decoded as a space", in: " 919812345678", region: "IN", want: inMobile},
		{name: "grouped", in: "+91 98123 45678", region: "IN", want: inMobile},
		{name: "trunk prefix and dash", in: "098123-45678", region: "IN", want: inMobile},
		{name: "00 prefix", in: "0091 98123 45678", region: "IN", want: inMobile},
		{name: "bracketed plus", in: "(+91) 98123 45678", region: "IN", want: inMobile},
		{name: "lower-case region", in: "9812345678", region: "in", want: inMobile},
		{name: "landline with trunk prefix", in: "040 3012 3456", region: "IN", want: inLandline},
		{name: "landline with calling code", in: "914030123456", region: "IN", want: inLandline},
		{name: "landline national", in: "4030123456", region: "IN", want: inLandline},

		// Not a number of the region: read as ParseDestination reads it.
		{name: "other country with plus", in: "+44 20 7946 0958", region: "IN", want: gb},
		{name: "other country, plus lost", in: "14155552671", region: "IN", want: us},
		{name: "other country, plus decoded as a space", in: " 442079460958", region: "IN", want: gb},
		{name: "email", in: "User@Example.COM", region: "IN", want: otp.Destination{Value: "user@example.com"}},
		{name: "no region", in: "+919812345678", region: "", want: inMobile},
		{name: "unknown region", in: "+14155552671", region: "ZZ", want: us},
		{name: "national in another region", in: "020 7946 0958", region: "GB", want: gb},

		// Not numbers.
		{name: "nine digits", in: "981234567", region: "IN", wantCode: otp.CodeInvalidPhone},
		{name: "eleven digits without trunk prefix", in: "98123456789", region: "IN", wantCode: otp.CodeInvalidPhone},
		{name: "trunk prefix and calling code", in: "0919812345678", region: "IN", wantCode: otp.CodeInvalidPhone},
		{name: "letter", in: "98123 4567a", region: "IN", wantCode: otp.CodeInvalidPhone},
		{name: "two pluses", in: "++919812345678", region: "IN", wantCode: otp.CodeInvalidPhone},
		{name: "sixteen digits", in: "9198123456789012", region: "IN", wantCode: otp.CodeInvalidPhone},
		{name: "short code", in: "12345", region: "IN", wantCode: otp.CodeInvalidPhone},
		{name: "national without region", in: "9812345678", region: "", wantCode: otp.CodeInvalidPhone},
		{name: "national of an unknown region", in: "09812345678", region: "ZZ", wantCode: otp.CodeInvalidPhone},
		{name: "empty", in: "", region: "IN", wantCode: otp.CodeInvalidParameter},
		{name: "only spaces", in: "   ", region: "IN", wantCode: otp.CodeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := otp.ParseDestinationIn(tt.in, tt.region, "phone_no")
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("ParseDestinationIn(%q, %q) error: %v", tt.in, tt.region, err)
				}
				if got != tt.want {
					t.Errorf("ParseDestinationIn(%q, %q) = %+v, want %+v", tt.in, tt.region, got, tt.want)
				}
				return
			}
			e := otp.ErrorOf(err)
			if e == nil {
				t.Fatalf("ParseDestinationIn(%q, %q) = %+v, %v; want error %s", tt.in, tt.region, got, err, tt.wantCode)
			}
			if e.Code != tt.wantCode || e.Field != "phone_no" {
				t.Errorf("ParseDestinationIn(%q, %q) error code, field = %s, %q; want %s, %q", tt.in, tt.region, e.Code, e.Field, tt.wantCode, "phone_no")
			}
			if got != (otp.Destination{}) {
				t.Errorf("ParseDestinationIn(%q, %q) returned %+v with its error, want the zero Destination", tt.in, tt.region, got)
			}
		})
	}
}

// FuzzParseDestinationIn: whatever the input and region, an accepted
// phone number is E.164 with a country and reads back the same through
// ParseDestination; an input ParseDestination reads with its "+" or "00"
// (or an email) reads the same with a region; a failure is an *otp.Error.
func FuzzParseDestinationIn(f *testing.F) {
	for _, s := range []string{
		"9812345678", "09812345678", "919812345678", "+919812345678", " 919812345678", "0091 98123 45678",
		"040 3012 3456", "14155552671", "+44 20 7946 0958", "0919812345678", "98123456789", "12345",
		"User@Example.COM", "", "00", "+", "0",
	} {
		for _, region := range []string{"IN", "in", "GB", "US", "", "ZZ", "001"} {
			f.Add(s, region)
		}
	}
	f.Fuzz(func(t *testing.T, in, region string) {
		d, err := otp.ParseDestinationIn(in, region, "phone_no")
		if err != nil {
			if otp.ErrorOf(err) == nil {
				t.Fatalf("ParseDestinationIn(%q, %q) error %v is not an *otp.Error", in, region, err)
			}
		} else if d.IsPhone {
			if !isE164(d.Value) || d.Country == "" {
				t.Errorf("ParseDestinationIn(%q, %q) = %+v, want E.164 with a country", in, region, d)
			}
			again, err := otp.ParseDestination(d.Value, "to")
			if err != nil || again != d {
				t.Errorf("ParseDestination(%q) (from %q, %q) = %+v, %v; want %+v", d.Value, in, region, again, err, d)
			}
		}
		s := strings.TrimLeft(in, " ()\u00a0")
		if !strings.HasPrefix(s, "+") && !strings.HasPrefix(s, "00") && !strings.Contains(in, "@") && region != "" {
			return
		}
		want, wantErr := otp.ParseDestination(in, "phone_no")
		if want != d || (err == nil) != (wantErr == nil) {
			t.Errorf("ParseDestinationIn(%q, %q) = %+v, %v; ParseDestination reads it as %+v, %v", in, region, d, err, want, wantErr)
		}
	})
}
