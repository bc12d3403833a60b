package kookoo_test

import (
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestGeoPermissions: a send the project's geo permissions refuse is
// KooKoo's error answer (HTTP 200, "status":"Error") with the message
// that says which rule refused; the channel the rules allow still sends.
func TestGeoPermissions(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		h.Admin("PUT", "/v1/projects/"+app.ProjectID+"/fraud/geo", `{"geo":{"sms":{"mode":"deny","countries":["IN"]}}}`, 200)
		wantAnswer(t, get(h, pathSMS+query("phone_no", "9812345678", "api_key", app.APIKey)),
			"Error", "The project's sms geo rules deny sms to IN")
		wantAnswer(t, get(h, pathCall+query("phone_no", "9812345678", "api_key", app.APIKey)), "queued", "919812345678")
	})
}
