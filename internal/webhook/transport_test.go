package webhook

import (
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// TestTransportEncodeDestination: the destination reaches a payload
// masked, whatever the scheme, unless the endpoint opted in to it.
func TestTransportEncodeDestination(t *testing.T) {
	var seen string
	tr := Transport{Payloads: map[Scheme]PayloadFunc{Cobinar: func(e otp.Event, v *otp.Verification, to string) ([]byte, error) {
		seen = to
		return []byte(`{"to":"` + to + `"}`), nil
	}}}
	e := otp.Event{ID: "evt_1", Type: otp.EventVerified, AppID: "app_1", VerificationID: "ver_1", CreatedAt: time.Unix(1, 0)}
	v := &otp.Verification{ID: "ver_1", To: "+447911120958", Channel: otp.SMS, Status: otp.StatusVerified}
	for _, tc := range []struct {
		signing otp.WebhookSigning
		full    bool
		want    string
	}{
		{otp.SigningStandard, false, "+44******0958"},
		{otp.SigningStandard, true, "+447911120958"},
		{otp.SigningKOTP, false, "+44******0958"},
		{otp.SigningKOTP, true, "+447911120958"},
		{otp.SigningCobinar, false, "+44******0958"},
		{otp.SigningCobinar, true, "+447911120958"},
	} {
		seen = ""
		b, err := tr.Encode(e, v, &otp.Webhook{Signing: tc.signing, IncludeDestination: tc.full})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"to":"`+tc.want+`"`) {
			t.Errorf("%s, includeDestination %v: body %s, want to %s", tc.signing, tc.full, b, tc.want)
		}
		if tc.signing == otp.SigningCobinar && seen != tc.want {
			t.Errorf("cobinar, includeDestination %v: the payload function was given %q, want %q", tc.full, seen, tc.want)
		}
	}
}
