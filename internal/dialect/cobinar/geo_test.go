package cobinar_test

import (
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestGeoPermissions: a send the project's geo permissions or number
// types refuse is Cobinar's documented 403 FORBIDDEN, details.reason
// naming otpd's code beside the country or the number type, and the
// field in Cobinar's name.
func TestGeoPermissions(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		h.Admin("PUT", "/v1/projects/"+app.ProjectID+"/fraud/geo", `{"geo":{"sms":{"mode":"deny","countries":["RU"]}}}`, 200)

		d := wantError(t, "a denied country", post(h, "/v1/otp/send", auth(app), `{"phone":"+79991234567"}`), 403, "FORBIDDEN")
		if d["reason"] != "GEO_NOT_ALLOWED" || d["country"] != "RU" || d["channel"] != "sms" || d["field"] != "phone" {
			t.Errorf("details %v, want reason GEO_NOT_ALLOWED, country RU, channel sms, field phone", d)
		}
		d = wantError(t, "a premium-rate number", post(h, "/v1/otp/send", auth(app), `{"phone":"+449012345678"}`), 403, "FORBIDDEN")
		if d["reason"] != "NUMBER_TYPE_NOT_ALLOWED" || d["numberType"] != "premium_rate" {
			t.Errorf("details %v, want reason NUMBER_TYPE_NOT_ALLOWED and numberType premium_rate", d)
		}
		if r := post(h, "/v1/otp/send", auth(app), `{"phone":"+447400123456"}`); r.Status != 200 {
			t.Errorf("a send the rules allow: %d %s", r.Status, r.Raw)
		}
	})
}
