package bench

import (
	"net/mail"
	"regexp"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// otpd accepts a phone destination only when libphonenumber says it is
// valid, so every number the generator can produce must be.
func TestPhoneNumbersAreValid(t *testing.T) {
	e164 := regexp.MustCompile(`^\+1[2-9]\d{2}[2-9]\d{6}$`)
	d := newDestinations("sms", 0)
	// Every area code and exchange, each with another line number: the
	// number's validity depends on those, not on the line number.
	for exchange := range phoneSpace / 10000 {
		i := exchange*10000 + exchange*7919%10000
		to := string(d.appendTo(nil, i))
		if !e164.MatchString(to) {
			t.Fatalf("destination %d = %q, not a NANP number in E.164", i, to)
		}
		num, err := phonenumbers.Parse(to, "")
		if err != nil {
			t.Fatalf("destination %d = %q: %v", i, to, err)
		}
		if !phonenumbers.IsValidNumber(num) {
			t.Fatalf("destination %d = %q is not a valid number for libphonenumber", i, to)
		}
		if got := phonenumbers.Format(num, phonenumbers.E164); got != to {
			t.Fatalf("destination %d = %q formats as %q in E.164", i, to, got)
		}
	}
}

func TestDestinationsAreDistinct(t *testing.T) {
	for _, channel := range []string{"sms", "email"} {
		t.Run(channel, func(t *testing.T) {
			// A seed near the end of the space makes the numbers wrap around.
			d := newDestinations(channel, phoneSpace-500)
			seen := make(map[string]uint64)
			for n := range uint64(50_000) {
				to := string(d.appendTo(nil, n))
				if m, ok := seen[to]; ok {
					t.Fatalf("destinations %d and %d are both %q", m, n, to)
				}
				seen[to] = n
			}
		})
	}
}

func TestRunsUseDifferentDestinations(t *testing.T) {
	for _, channel := range []string{"sms", "email"} {
		t.Run(channel, func(t *testing.T) {
			a, b := newDestinations(channel, 0x1234_5678_9abc_def0), newDestinations(channel, 0x0fed_cba9_8765_4321)
			if got, want := string(a.appendTo(nil, 0)), string(b.appendTo(nil, 0)); got == want {
				t.Errorf("two runs both start at %q", got)
			}
		})
	}
}

func TestEmailDestinations(t *testing.T) {
	d := newDestinations("email", 0x0000_00ab_0000_0000)
	got := string(d.appendTo(nil, 17))
	if want := "bench+000000ab-17@example.com"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	addr, err := mail.ParseAddress(got)
	if err != nil || addr.Address != got {
		t.Fatalf("%q does not parse as a bare email address: %v", got, err)
	}
}
