package kodmobi_test

import (
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestGeoPermissions: the project's geo permissions refuse a session's
// send with ERROR_CHANNEL_NOT_ALLOWED_COUNTRY, channel by channel (a
// session may still send on a channel the rules allow), and so does the
// manual flow; a number type the project does not send to is
// ERROR_PHONE_BLOCKED.
func TestGeoPermissions(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", `{"channels":["sms","voice"]}`)
		h.Admin("PUT", "/v1/projects/"+app.ProjectID+"/fraud/geo",
			`{"geo":{"default":{"mode":"deny","countries":["RU"]},"sms":{"mode":"allow","countries":["GB"]}}}`, 200)
		browser := client{h: h, key: app.PublicKey}

		wantError(t, "a country every channel refuses", browser.post("/v2/create", `{"to":"+79991234567","type":"voice"}`), 403, "ERROR_CHANNEL_NOT_ALLOWED_COUNTRY")
		wantError(t, "sms to a country its rules do not list", browser.post("/v2/create", `{"to":"+14155552671","type":"sms"}`), 403, "ERROR_CHANNEL_NOT_ALLOWED_COUNTRY")
		// Without a type the session picks a channel the rules allow.
		r := must(t, "create without a type", browser.post("/v2/create", `{"to":"+14155552671"}`), 200)
		if r.Body["sent_to"] != "voice" {
			t.Errorf("sent_to = %v, want voice (sms may not send to US)", r.Body["sent_to"])
		}
		id := str(r.Body["session_id"])
		wantError(t, "send on sms", browser.post("/v2/send", `{"session_id":"`+id+`","type":"sms"}`), 403, "ERROR_CHANNEL_NOT_ALLOWED_COUNTRY")

		wantError(t, "a premium-rate number", browser.post("/v2/create", `{"to":"+449012345678","type":"voice"}`), 403, "ERROR_PHONE_BLOCKED")

		server := client{h: h, key: app.APIKey}
		wantError(t, "manual send to a denied country", server.post("/manual/send", `{"to":"+79991234567","channel":"sms"}`), 403, "ERROR_CHANNEL_NOT_ALLOWED_COUNTRY")
		wantError(t, "manual send of a premium-rate number", server.post("/manual/send", `{"to":"+449012345678","channel":"voice"}`), 403, "ERROR_PHONE_BLOCKED")
		must(t, "manual send the rules allow", server.post("/manual/send", `{"to":"+447400123456","channel":"sms"}`), 200)
	})
}
