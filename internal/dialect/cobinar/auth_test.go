package cobinar_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestAuth: both endpoints take the x-client-id, x-client-secret and
// x-api-key triple of one application. Any part missing or wrong is 401
// UNAUTHENTICATED, without telling which part was wrong; a disabled
// application is 403 FORBIDDEN; the request then does nothing.
func TestAuth(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app, other := h.CreateApp("test", `{"appSendsPerMinute":100,"appChecksPerMinute":100}`), h.CreateApp("test", "")
		id := send(t, h, app, "+999 482 918 102")
		fakeKey := "ph_test_api_" + strings.Repeat("0", 48)
		cases := []struct {
			name    string
			header  http.Header
			missing string // the headers the message names, "" for a wrong part
		}{
			{"no credentials", http.Header{}, "x-client-id, x-client-secret, x-api-key"},
			{"no x-api-key", with(auth(app), "x-api-key", ""), "x-api-key"},
			{"no x-client-id", with(auth(app), "x-client-id", ""), "x-client-id"},
			{"no x-client-secret", with(auth(app), "x-client-secret", ""), "x-client-secret"},
			{"only the API key, as a bearer token", http.Header{"Authorization": {"Bearer " + app.APIKey}}, "x-client-id, x-client-secret, x-api-key"},
			{"unknown API key", with(auth(app), "x-api-key", fakeKey), ""},
			{"another application's API key", with(auth(app), "x-api-key", other.APIKey), ""},
			{"another application's client id", with(auth(app), "x-client-id", other.ClientID), ""},
			{"another application's client secret", with(auth(app), "x-client-secret", other.ClientSecret), ""},
			{"the client secret as the API key", with(auth(app), "x-api-key", app.ClientSecret), ""},
			{"a wrong client secret", with(auth(app), "x-client-secret", app.ClientSecret+"x"), ""},
		}
		for _, tc := range cases {
			for _, ep := range []struct{ path, body string }{
				{"/v1/otp/send", `{ "phone": "+999 482 918 103" }`},
				{"/v1/otp/verify", verifyBody(id, h.Code(app, "+999482918102"))},
			} {
				r := post(h, ep.path, tc.header, ep.body)
				d := wantError(t, tc.name+" on "+ep.path, r, 401, "UNAUTHENTICATED")
				msg := message(r)
				if tc.missing != "" && (d["missing"] != tc.missing || !strings.HasSuffix(msg, "missing: "+tc.missing)) {
					t.Errorf("%s on %s: %s, want the missing %s named", tc.name, ep.path, r.Raw, tc.missing)
				}
				if tc.missing == "" && !strings.Contains(msg, "credentials are invalid") {
					t.Errorf("%s on %s: message %q, want the credentials called invalid", tc.name, ep.path, msg)
				}
			}
		}
		r := post(h, "/v1/otp/send", with(auth(app), "x-client-secret", "wrong", "Accept-Language", "ru"), `{ "phone": "+999 482 918 103" }`)
		if m := message(r); !strings.HasPrefix(m, "Учётные данные приложения неверны") {
			t.Errorf("Russian 401 message = %q", m)
		}
		// Nothing was sent or checked.
		if l := h.Admin("GET", "/v1/otp?appId="+app.ID, "", 200).Body["data"].([]any); len(l) != 1 {
			t.Errorf("refused sends created verifications: %d, want the first one only", len(l))
		}
		if v := h.Admin("GET", "/v1/otp/"+id, "", 200).Data(); v["attempts"] != 0.0 {
			t.Errorf("refused verifies counted %v attempts", v["attempts"])
		}

		// A rotated client secret stops working at once; the new one works.
		secret := h.Admin("POST", "/v1/applications/"+app.ID+"/rotate/secret", "", 200).Data()["value"].(string)
		wantError(t, "the rotated client secret", post(h, "/v1/otp/send", auth(app), `{ "phone": "+999 482 918 103" }`), 401, "UNAUTHENTICATED")
		if r := post(h, "/v1/otp/send", with(auth(app), "x-client-secret", secret), `{ "phone": "+999 482 918 103" }`); r.Status != 200 {
			t.Errorf("the new client secret: %d %s", r.Status, r.Raw)
		}

		// A disabled application is 403 on both, and works again once enabled.
		h.Admin("PATCH", "/v1/applications/"+other.ID, `{ "name": "other", "status": "disabled" }`, 200)
		otherID := ""
		for _, ep := range []struct{ path, body string }{
			{"/v1/otp/send", `{ "phone": "+999 482 918 104" }`},
			{"/v1/otp/verify", verifyBody(id, "847291")},
		} {
			wantError(t, "disabled application on "+ep.path, post(h, ep.path, auth(other), ep.body), 403, "FORBIDDEN")
		}
		h.Admin("PATCH", "/v1/applications/"+other.ID, `{ "status": "active" }`, 200)
		otherID = send(t, h, other, "+999 482 918 104")
		if otherID == "" {
			t.Error("no requestId after enabling")
		}
	})
}
