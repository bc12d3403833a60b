package otp_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/otpd/otpd/internal/otp"
)

// FuzzBlockPrefix: a block by hand takes only "+" and 3 to 7 digits and
// 1 to a week of minutes, refuses anything else with INVALID_PARAMETER
// naming the field, and a block it took is listed and released by the
// same prefix.
func FuzzBlockPrefix(f *testing.F) {
	for _, seed := range []struct {
		prefix  string
		minutes int
		reason  string
	}{
		{"+88216", 60, ""}, {"+447", 1, "bots"}, {"+1234567", 10080, ""}, {"88216", 60, ""}, {"+12", 60, ""},
		{"+12345678", 60, ""}, {"+0123", 60, ""}, {"+88216", 0, ""}, {"+88216", 10081, ""}, {"+８８２１６", 60, ""}, {"+88 216", 60, "\xff"},
	} {
		f.Add(seed.prefix, seed.minutes, seed.reason)
	}
	fx := newFixture(f, otp.Limits{})
	p, err := fx.svc.CreateProject(f.Context(), otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, prefix string, minutes int, reason string) {
		b, err := fx.svc.BlockPrefix(t.Context(), p.ID, otp.BlockInput{Prefix: prefix, Minutes: minutes, Reason: reason})
		if err != nil {
			e := otp.ErrorOf(err)
			if e == nil || e.Code != otp.CodeInvalidParameter || (e.Field != "prefix" && e.Field != "minutes" && e.Field != "reason") {
				t.Fatalf("BlockPrefix(%q, %d, %q) = %v, want INVALID_PARAMETER naming its field", prefix, minutes, reason, err)
			}
			return
		}
		digits, ok := strings.CutPrefix(b.Prefix, "+")
		if !ok || len(digits) < 3 || len(digits) > 7 || strings.Trim(digits, "0123456789") != "" || minutes < 1 || minutes > otp.MaxBlockMinutes || !utf8.ValidString(b.Reason) {
			t.Fatalf("BlockPrefix(%q, %d, %q) took %+v", prefix, minutes, reason, b)
		}
		if _, err := fx.svc.ReleasePrefix(t.Context(), p.ID, prefix); err != nil {
			t.Fatalf("ReleasePrefix(%q) after blocking it = %v", prefix, err)
		}
	})
}
