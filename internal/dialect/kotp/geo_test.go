package kotp_test

import (
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestGeoPermissions: a send the project's geo permissions or number
// types refuse is 403 FORBIDDEN (K-OTP's document names no such
// refusal), details.reason naming otpd's code beside the country and
// method or the number type.
func TestGeoPermissions(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		h.Admin("PUT", "/v1/projects/"+app.ProjectID+"/fraud/geo", `{"geo":{"default":{"mode":"allow","countries":["GB","US"]}}}`, 200)

		e := wantError(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"+79991234567","method":"sms","type":"verification"}`), 403, "FORBIDDEN", "to")
		if e.Details["reason"] != "GEO_NOT_ALLOWED" || e.Details["country"] != "RU" || e.Details["channel"] != "sms" || e.Details["value"] != "+79991234567" {
			t.Errorf("details %v, want reason GEO_NOT_ALLOWED, country RU, channel sms and the value", e.Details)
		}
		e = wantError(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"+449012345678","method":"voice","type":"verification"}`), 403, "FORBIDDEN", "to")
		if e.Details["reason"] != "NUMBER_TYPE_NOT_ALLOWED" || e.Details["numberType"] != "premium_rate" {
			t.Errorf("details %v, want reason NUMBER_TYPE_NOT_ALLOWED and numberType premium_rate", e.Details)
		}
		want(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"+447400123456","method":"sms","type":"verification"}`), 200)
	})
}
