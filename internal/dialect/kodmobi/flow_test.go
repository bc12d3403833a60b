package kodmobi_test

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
)

var ulidPattern = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// latestVerification is the id of the application's newest verification,
// as the console lists it.
func latestVerification(h *dialecttest.Harness, a dialecttest.App) map[string]any {
	h.T.Helper()
	list := h.Admin("GET", "/v1/otp?appId="+a.ID, "", 200).Body["data"].([]any)
	if len(list) == 0 {
		h.T.Fatalf("no verification of %s", a.ID)
	}
	return list[0].(map[string]any)
}

func channelTypes(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, c := range list {
		out = append(out, str(c.(map[string]any)["type"]))
	}
	return out
}

func channelOf(v any, typ string) map[string]any {
	list, _ := v.([]any)
	for _, c := range list {
		if m := c.(map[string]any); m["type"] == typ {
			return m
		}
	}
	return nil
}

// TestSDKFlow drives the session flow as @kodmobi/kodmobi-js does, with
// the public key: settings, create without sending (the SDK's default),
// create again (its reload), send, a channel's timeout, another channel,
// a wrong code, the right one; then the application's server redeems the
// verify token with the secret key, once. The verification shows in the
// console like any other.
func TestSDKFlow(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", `{"codeLength":5}`)
		browser := client{h: h, key: app.PublicKey}
		server := client{h: h, key: app.APIKey}

		s := must(t, "settings", browser.get("/v2/settings?session_id="), 200).Body
		if s["language"] != "en" || s["project"].(map[string]any)["name"] != "Dialect test" {
			t.Errorf("settings = %v", s)
		}
		if code := s["code"].(map[string]any); num(code["length"]) != 5 || code["digits"] != true || code["letters"] != false {
			t.Errorf("settings.code = %v, want 5 digits", code)
		}
		if ch := s["challenge"].(map[string]any); ch["enabled"] != false || ch["api_key"] != nil {
			t.Errorf("settings.challenge = %v, want disabled without api_key", ch)
		}

		created := must(t, "create", browser.post("/v2/create", `{"to":"+79991234567","send":false}`), 200).Body
		id := str(created["session_id"])
		if !ulidPattern.MatchString(id) || created["sent_to"] != nil {
			t.Fatalf("create = %v, want a ULID session_id and sent_to null", created)
		}
		expires, err := time.Parse(time.RFC3339, str(created["session_expired_at"]))
		if want := h.Clock.Now().Add(3 * time.Minute); err != nil || !expires.Equal(want) {
			t.Errorf("session_expired_at = %v (%v), want %v", created["session_expired_at"], err, want)
		}
		if got, want := channelTypes(created["channels"]), []string{"sms", "voice", "telegram", "whatsapp"}; !slices.Equal(got, want) {
			t.Errorf("channels of a phone session = %v, want %v", got, want)
		}
		sms := channelOf(created["channels"], "sms")
		if sms["name"] != "SMS" || sms["is_active"] != true || num(sms["timeout"]) != 0 || sms["link"] != nil ||
			sms["image_url"] != h.URL+"/static/channels/sms.svg" || str(sms["description"]) == "" {
			t.Errorf("sms channel = %v", sms)
		}
		again := must(t, "create again", browser.post("/v2/create", `{"to":"+7 999 123-45-67","send":false}`), 200).Body
		if again["session_id"] != id {
			t.Errorf("create again = %v, want the same session %s", again["session_id"], id)
		}

		sent := must(t, "send sms", browser.post("/v2/send", `{"session_id":"`+id+`","type":"sms"}`), 200).Body
		if ch := sent["channel"].(map[string]any); ch["type"] != "sms" || num(ch["timeout"]) != 60 || sent["session_id"] != id {
			t.Errorf("send = %v, want the sms channel with its 60 s timeout", sent)
		}
		code := h.Code(app, "+79991234567")
		if len(code) != 5 {
			t.Fatalf("code %q, want the project's 5 digits", code)
		}
		h.Clock.Advance(20 * time.Second)
		r := browser.post("/v2/send", `{"session_id":"`+id+`","type":"sms"}`)
		wantError(t, "send sms again", r, 429, "ERROR_MESSAGE_ATTEMPT")
		if num(r.Body["timeout"]) != 40 || r.Header.Get("Retry-After") != "40" {
			t.Errorf("timeout = %v, Retry-After %q; want 40", r.Body["timeout"], r.Header.Get("Retry-After"))
		}
		list := array(t, must(t, "channels", browser.get("/v2/channels?session_id="+id), 200))
		if ch := channelOf(list, "sms"); num(ch["timeout"]) != 40 {
			t.Errorf("channels: sms timeout %v, want 40", ch["timeout"])
		}
		must(t, "send whatsapp", browser.post("/v2/send", `{"session_id":"`+id+`","type":"whatsapp"}`), 200)
		if got := h.Code(app, "+79991234567"); got != code {
			t.Errorf("whatsapp code %q, want the session's one code %q", got, code)
		}

		r = browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+wrong(code)+`"}`)
		wantError(t, "wrong code", r, 400, "ERROR_MESSAGE_WRONG_CODE")
		if num(r.Body["attempts_left"]) != 4 {
			t.Errorf("attempts_left = %v, want 4", r.Body["attempts_left"])
		}
		checked := must(t, "check", browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+code+`"}`), 200).Body
		token := str(checked["verify_token"])
		if len(token) < 32 || checked["is_test"] != true {
			t.Fatalf("check = %v, want a verify token of a test application", checked)
		}
		wantError(t, "check after success", browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+code+`"}`), 404, "ERROR_SESSION_EXPIRED")

		wantError(t, "verify with the public key", browser.post("/v2/verify", `{"verify_token":"`+token+`"}`), 403, "ERROR_ACCESS_DENIED")
		v := must(t, "verify", server.post("/v2/verify", `{"verify_token":"`+token+`"}`), 200).Body
		if v["success"] != true || v["session_id"] != id || v["to"] != "+79991234567" || v["channel"] != "whatsapp" || v["is_test"] != true {
			t.Errorf("verify = %v", v)
		}
		if at, err := time.Parse(time.RFC3339, str(v["verified_at"])); err != nil || !at.Equal(h.Clock.Now()) {
			t.Errorf("verified_at = %v, want %v", v["verified_at"], h.Clock.Now())
		}
		wantError(t, "verify again", server.post("/verify", `{"verify_token":"`+token+`"}`), 400, "ERROR_VERIFY_TOKEN_INVALID")

		ver := latestVerification(h, app)
		if ver["channel"] != "whatsapp" || ver["status"] != "verified" {
			t.Errorf("console shows %v", ver)
		}
		h.RequireRecorded(app, str(ver["id"]), "+79991234567")
	})
}
