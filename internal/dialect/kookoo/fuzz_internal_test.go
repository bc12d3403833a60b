package kookoo

import (
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// FuzzPhoneNumber: caller_id and sender_id are read as checkCallerID
// says; phone_no is either a phone number, in E.164 as
// ParseDestinationIn reads it for India, or KooKoo's one invalid-number
// answer, whatever else it looks like (an email address, well formed or
// not, letters, a value too long); and the four forms Indian users type
// of one ten-digit national number (9812345678, 09812345678, 919812345678,
// +919812345678) all mean the same number.
func FuzzPhoneNumber(f *testing.F) {
	for _, s := range []string{
		"9812345678", "09812345678", "919812345678", "+919812345678", " 919812345678", "+91 98123 45678", "098123-45678",
		"96XXXXXXX", "+919XXXXXX", "9140XXXXXXX", "914030123456", "04030123456", // seed 003's placeholders and a landline
		"981234567", "98123abcde", "0919812345678", "98123456789", "user@example.com", "user@", "a@b@example.com", "@", "+", "",
		"+14155552671", "14155552671", strings.Repeat("9", 300),
		"OZONTL", "OZONETELSENDER", "<caller>", "+91 40 3012 3456", "0091 40 3012 3456", "56789", "9140123",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, phone string) {
		checkCallerID(t, phone)
		got, err := phoneNumber(phone)
		if err != nil {
			e := otp.ErrorOf(err)
			if e == nil || e.Code != otp.CodeInvalidPhone || message(e) != msgInvalidPhone || got != "" {
				t.Fatalf("phoneNumber(%q) = %q, %v; want KooKoo's %q", phone, got, err, msgInvalidPhone)
			}
			return
		}
		d, err := otp.ParseDestinationIn(phone, Region, "phone_no")
		if err != nil || !d.IsPhone || d.Value != got {
			t.Fatalf("phoneNumber(%q) = %q; ParseDestinationIn reads %+v, %v", phone, got, d, err)
		}
		// A ten-digit national number of India (every mobile number): its
		// other three forms are the same number. A shorter one is not
		// tested: 91 and its digits can be another national number
		// (9118000000), which is read first.
		national, ok := strings.CutPrefix(got, "+91")
		if !ok || national != strings.TrimSpace(phone) || len(national) != 10 {
			return
		}
		for _, form := range []string{"0" + national, "91" + national, "+91" + national} {
			if other, err := phoneNumber(form); err != nil || other != got {
				t.Errorf("phoneNumber(%q) = %q but phoneNumber(%q) = %q, %v", phone, got, form, other, err)
			}
		}
	})
}

// checkCallerID: a caller_id or sender_id is either left as given, for
// CreateVerification to judge, or becomes a phone number in E.164 that
// reads back as itself, and reading it again changes nothing.
func checkCallerID(t *testing.T, id string) {
	got := otp.CallerIDIn(id, Region)
	if got == id {
		return
	}
	d, err := otp.ParseDestination(got, "callerId")
	if err != nil || !d.IsPhone || d.Value != got {
		t.Fatalf("CallerIDIn(%q) = %q, which ParseDestination reads as %+v, %v", id, got, d, err)
	}
	if again := otp.CallerIDIn(got, Region); again != got {
		t.Errorf("CallerIDIn(%q) = %q, but CallerIDIn(%q) = %q", id, got, got, again)
	}
}
