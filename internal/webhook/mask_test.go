package webhook

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

func TestMaskDestination(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"+447911120958", "+44******0958"}, // UK mobile, two-digit code
		{"+14155550123", "+1******0123"},   // NANP, one-digit code
		{"+79161234567", "+7******4567"},   // Russia, one-digit code
		{"+3545511234", "+354****234"},     // Iceland, three-digit code, 7-digit national keeps 3
		{"+35312345", "+353***45"},         // short national number keeps fewer digits
		{"+6012345", "+60***45"},           // 5-digit national keeps 2
		{"+99912", "+999**"},               // too short to keep any
		{"+44", "+**"},                     // country code alone is hidden too
		{"447911120958", "********0958"},   // no plus: no country code to keep
		{"alice@example.com", "a***@example.com"},
		{"Ω-user@example.org", "Ω***@example.org"},
		{"a@example.com", "***@example.com"}, // one-character local part is hidden whole
		{"@example.com", "***@example.com"},
		{"first.last+tag@sub.example.co.uk", "f***@sub.example.co.uk"},
		{"weird@name@example.com", "w***@example.com"}, // domain is after the last @
		{"trailing@", "t***g@"},                        // no domain: not an email
		{"telegram_handle", "t***le"},
		{"short", "***"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := MaskDestination(tt.in); got != tt.want {
			t.Errorf("MaskDestination(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskDestinationIdempotent(t *testing.T) {
	for _, in := range []string{
		"+447911120958", "+14155550123", "+3545511234", "+99912", "+44",
		"447911120958", "alice@example.com", "a@example.com",
	} {
		once := MaskDestination(in)
		if twice := MaskDestination(once); twice != once {
			t.Errorf("MaskDestination(MaskDestination(%q)) = %q, want %q", in, twice, once)
		}
	}
}

// The two-digit prefix table must agree with libphonenumber's list of
// calling codes, an independent source: for every known code, the masked
// number must keep exactly that code.
func TestCountryCodeLenAgreesWithLibphonenumber(t *testing.T) {
	codes := phonenumbers.GetSupportedCallingCodes()
	if len(codes) < 200 {
		t.Fatalf("libphonenumber lists %d calling codes; expected over 200", len(codes))
	}
	for code := range codes {
		cc := strconv.Itoa(code)
		if got := countryCodeLen(cc + "123456789"); got != len(cc) {
			t.Errorf("countryCodeLen(%s…) = %d, want %d", cc, got, len(cc))
		}
	}
}

func FuzzMaskDestination(f *testing.F) {
	for _, s := range []string{
		"+447911120958", "alice@example.com", "@", "+", "+1", "a@b", "***@x.com",
		"+44******0958", "0000000", "handle_name", "\xff\xfe\xfd\xfc\xfb\xfa\xf9", "a@\xff", "ééééééé",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := MaskDestination(in)
		if !utf8.ValidString(got) {
			t.Fatalf("MaskDestination(%q) = %q, not valid UTF-8", in, got)
		}
		if len(in) <= 6 {
			return
		}
		if !strings.Contains(got, "*") {
			t.Fatalf("MaskDestination(%q) = %q, masks nothing", in, got)
		}
		// An input that already holds stars may be its own mask
		// (a***@example.com); any other input must come out changed.
		if got == in && !strings.Contains(in, "*") {
			t.Fatalf("MaskDestination(%q) returned the input unchanged", in)
		}
	})
}
