package kodmobi_test

import (
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// The answers that carry a verify token or a code are sent with
// Cache-Control: no-store; the others are left to the client.
func TestSecretAnswersAreNotStored(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, nil)
		app := d.CreateApp("test", "")
		browser := client{h: d.Harness, key: app.PublicKey}
		server := client{h: d.Harness, key: app.APIKey}

		check := func(prefix, to string) dialecttest.Response {
			created := must(t, prefix+"/create", browser.post(prefix+"/create", `{"to":"`+to+`","type":"sms"}`), 200)
			code := d.Code(app, to)
			return must(t, prefix+"/check", browser.post(prefix+"/check", `{"session_id":"`+str(created.Body["session_id"])+`","code":"`+code+`"}`), 200)
		}
		legacy := must(t, "legacy create", browser.get("/api/v1/message/create?to=%2B79991234569&type=sms"), 200)
		legacyCode := d.Code(app, "+79991234569")

		secret := map[string]dialecttest.Response{
			"/v2/check":             check("/v2", "+79991234567"),
			"/session/check":        check("/session", "+79991234568"),
			"/api/v1/message/check": must(t, "legacy check", browser.get("/api/v1/message/check?session_id="+str(legacy.Data()["session_id"])+"&code="+legacyCode), 200),
			"/manual/send":          must(t, "manual send", server.post("/manual/send", `{"to":"+79991234570","channel":"sms"}`), 200),
		}
		for name, r := range secret {
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s: Cache-Control = %q, want no-store", name, got)
			}
		}
		for name, r := range map[string]dialecttest.Response{
			"/v2/settings":     must(t, "settings", browser.get("/v2/settings"), 200),
			"/manual/channels": must(t, "manual channels", server.get("/manual/channels"), 200),
		} {
			if got := r.Header.Get("Cache-Control"); got != "" {
				t.Errorf("%s: Cache-Control = %q, want none", name, got)
			}
		}
	})
}
