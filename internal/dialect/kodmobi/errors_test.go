package kodmobi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/captcha"
	"github.com/otpd/otpd/internal/captcha/captchatest"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// TestBadRequests: every request that can be wrong is refused in
// kod.mobi's error shape, with the field at fault.
func TestBadRequests(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", `{"channels":["sms","email"]}`)
		browser := client{h: h, key: app.PublicKey}
		id := str(must(t, "create", browser.post("/v2/create", `{"to":"+14155552671","send":false}`), 200).Body["session_id"])

		for _, tc := range []struct {
			name, method, path, body string
			status                   int
			sys, field               string
		}{
			{"body not JSON", "POST", "/v2/create", `{"to":`, 400, "ERROR_BAD_REQUEST", ""},
			{"body not an object", "POST", "/v2/create", `["+14155552671"]`, 400, "ERROR_BAD_REQUEST", ""},
			{"to missing", "POST", "/v2/create", `{"send":false}`, 400, "ERROR_BAD_REQUEST", "to"},
			{"to not a phone", "POST", "/v2/create", `{"to":"+1 abc"}`, 400, "ERROR_BAD_REQUEST", "to"},
			{"to not an email", "POST", "/v2/create", `{"to":"a@b"}`, 400, "ERROR_BAD_REQUEST", "to"},
			{"to of the wrong type", "POST", "/v2/create", `{"to":{"phone":"1"}}`, 400, "ERROR_BAD_REQUEST", "to"},
			{"send not a boolean", "POST", "/v2/create", `{"to":"+14155552671","send":"maybe"}`, 400, "ERROR_BAD_REQUEST", "send"},
			{"type unknown", "POST", "/v2/create", `{"to":"+14155552671","type":"fax"}`, 400, "ERROR_BAD_REQUEST", "type"},
			{"type that cannot reach to", "POST", "/v2/create", `{"to":"+14155552671","type":"email"}`, 400, "ERROR_BAD_REQUEST", "type"},
			{"type not enabled", "POST", "/v2/create", `{"to":"+14155552671","type":"whatsapp"}`, 400, "ERROR_PROJECT_HAS_NO_CHANNEL", ""},
			{"no channel reaches to", "POST", "/v2/create", `{"to":"+14155552671"}`, 0, "", ""}, // placeholder replaced below
			{"session_id missing", "POST", "/v2/send", `{"type":"sms"}`, 400, "ERROR_BAD_REQUEST", "session_id"},
			{"type missing", "POST", "/v2/send", `{"session_id":"` + id + `"}`, 400, "ERROR_BAD_REQUEST", "type"},
			{"send on a channel not enabled", "POST", "/v2/send", `{"session_id":"` + id + `","type":"voice"}`, 400, "ERROR_PROJECT_HAS_NO_CHANNEL", ""},
			{"unknown session", "POST", "/v2/send", `{"session_id":"01JDZZZZZZZZZZZZZZZZZZZZZZ","type":"sms"}`, 404, "ERROR_SESSION_EXPIRED", ""},
			{"code missing", "POST", "/v2/check", `{"session_id":"` + id + `"}`, 400, "ERROR_BAD_REQUEST", "code"},
			{"code too long", "POST", "/v2/check", `{"session_id":"` + id + `","code":"` + strings.Repeat("1", 65) + `"}`, 400, "ERROR_BAD_REQUEST", "code"},
			{"check of an unknown session", "POST", "/v2/check", `{"session_id":"nope","code":"1234"}`, 404, "ERROR_SESSION_EXPIRED", ""},
			{"check before any code was sent", "POST", "/v2/check", `{"session_id":"` + id + `","code":"1234"}`, 400, "ERROR_MESSAGE_WRONG_CODE", ""},
			{"channels of an unknown session", "GET", "/v2/channels?session_id=nope", "", 404, "ERROR_SESSION_EXPIRED", ""},
			{"wrong method", "GET", "/v2/create", "", 405, "ERROR_BAD_REQUEST", ""},
			{"legacy to missing", "GET", "/api/v1/message/create", "", 400, "ERROR_BAD_REQUEST", "to"},
			{"legacy send unknown", "GET", "/api/v1/message/send?session_id=nope&type=sms", "", 404, "ERROR_SESSION_EXPIRED", ""},
			{"legacy channel type missing", "GET", "/api/v1/channel/check?session_id=" + id, "", 400, "ERROR_BAD_REQUEST", "type"},
			{"legacy channel not offered", "GET", "/api/v1/channel/check?session_id=" + id + "&type=email", "", 400, "ERROR_PROJECT_HAS_NO_CHANNEL", ""},
		} {
			if tc.status == 0 {
				continue
			}
			r := browser.do(tc.method, tc.path, tc.body)
			wantError(t, tc.name, r, tc.status, tc.sys)
			if tc.field != "" {
				errs, _ := r.Body["errors"].(map[string]any)
				if msgs, _ := errs[tc.field].([]any); len(msgs) == 0 {
					t.Errorf("%s: errors = %v, want messages for %s", tc.name, r.Body["errors"], tc.field)
				}
			}
		}

		// A project whose channels cannot reach the destination.
		emailOnly := h.CreateApp("test", `{"channels":["email"]}`)
		wantError(t, "no channel reaches to", client{h: h, key: emailOnly.PublicKey}.post("/v2/create", `{"to":"+14155552671"}`), 400, "ERROR_PROJECT_HAS_NO_CHANNEL")

		// The server-side verify.
		server := client{h: h, key: app.APIKey}
		r := server.post("/v2/verify", `{}`)
		wantError(t, "verify_token missing", r, 400, "ERROR_BAD_REQUEST")
		wantError(t, "verify_token unknown", server.post("/v2/verify", `{"verify_token":"vt_nope"}`), 400, "ERROR_VERIFY_TOKEN_INVALID")
		wantError(t, "verify_token of the wrong type", server.post("/verify", `{"verify_token":true}`), 400, "ERROR_BAD_REQUEST")
	})
}

// TestAccess: the key decides who may do what; both go in x-api-key.
func TestAccess(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		other := h.CreateApp("test", "")

		wantError(t, "no key", client{h: h}.get("/v2/settings"), 401, "ERROR_ACCESS_DENIED")
		wantError(t, "unknown key", client{h: h, key: "otpd_test_pk_nope"}.get("/v2/settings"), 401, "ERROR_ACCESS_DENIED")
		wantError(t, "no key on verify", client{h: h}.post("/v2/verify", `{"verify_token":"x"}`), 401, "ERROR_ACCESS_DENIED")
		must(t, "settings with the secret key", client{h: h, key: app.APIKey}.get("/v2/settings"), 200)

		// A verify token is its application's: another's is unknown.
		browser := client{h: h, key: app.PublicKey}
		id := str(must(t, "create", browser.post("/v2/create", `{"to":"+14155552671"}`), 200).Body["session_id"])
		token := str(must(t, "check", browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+h.Code(app, "+14155552671")+`"}`), 200).Body["verify_token"])
		wantError(t, "verify another's token", client{h: h, key: other.APIKey}.post("/v2/verify", `{"verify_token":"`+token+`"}`), 400, "ERROR_VERIFY_TOKEN_INVALID")
		// So is another's session.
		wantError(t, "send on another's session", client{h: h, key: other.PublicKey}.post("/v2/send", `{"session_id":"`+id+`","type":"sms"}`), 404, "ERROR_SESSION_EXPIRED")

		// A token expires after 10 minutes.
		h.Clock.Advance(10 * time.Minute)
		wantError(t, "verify an expired token", client{h: h, key: app.APIKey}.post("/v2/verify", `{"verify_token":"`+token+`"}`), 400, "ERROR_VERIFY_TOKEN_INVALID")

		// Another API key of the application is a secret key too, within
		// its scope: a read key reads, and may not redeem a token.
		read := client{h: h, key: str(h.Admin("POST", "/v1/applications/"+app.ID+"/keys", `{"scope":"read"}`, 201).Data()["key"])}
		must(t, "settings with a read key", read.get("/v2/settings"), 200)
		wantError(t, "verify with a read key", read.post("/v2/verify", `{"verify_token":"vt_x"}`), 403, "ERROR_ACCESS_DENIED")
		full := client{h: h, key: str(h.Admin("POST", "/v1/applications/"+app.ID+"/keys", `{"scope":"full"}`, 201).Data()["key"])}
		wantError(t, "verify with another full key", full.post("/v2/verify", `{"verify_token":"vt_x"}`), 400, "ERROR_VERIFY_TOKEN_INVALID")

		h.Admin("PATCH", "/v1/applications/"+app.ID, `{"status":"disabled"}`, 200)
		wantError(t, "disabled application, public key", browser.get("/v2/settings"), 403, "ERROR_ACCESS_DENIED")
		wantError(t, "disabled application, secret key", client{h: h, key: app.APIKey}.post("/v2/verify", `{"verify_token":"x"}`), 403, "ERROR_ACCESS_DENIED")
	})
}

// TestRussian: messages follow Accept-Language, or the legacy ?lang=ru;
// so do the channels' names.
func TestRussian(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		ru := client{h: h, key: app.PublicKey, header: http.Header{"Accept-Language": {"ru-RU,ru;q=0.9,en;q=0.8"}}}
		r := ru.post("/v2/send", `{"session_id":"nope","type":"sms"}`)
		wantError(t, "unknown session in Russian", r, 404, "ERROR_SESSION_EXPIRED")
		if r.Body["message"] != "Сессия неизвестна или завершена: создайте новую" {
			t.Errorf("message = %v, want the Russian text", r.Body["message"])
		}
		r = client{h: h, key: app.PublicKey}.get("/api/v1/message/send?session_id=nope&type=sms&lang=ru")
		if r.Body["message"] != "Сессия неизвестна или завершена: создайте новую" {
			t.Errorf("?lang=ru: message = %v, want the Russian text", r.Body["message"])
		}
		r = client{h: h}.get("/v2/settings?lang=ru")
		if r.Body["message"] != "Нужен ключ: передайте его в заголовке x-api-key" {
			t.Errorf("no key, ?lang=ru: message = %v", r.Body["message"])
		}
		en := client{h: h, key: app.PublicKey}.post("/v2/send", `{"session_id":"nope","type":"sms"}`)
		if en.Body["message"] != "The session is unknown or has ended: create a new one" {
			t.Errorf("default message = %v, want English", en.Body["message"])
		}
		chans := array(t, must(t, "channels", ru.get("/v2/channels"), 200))
		if voice := channelOf(chans, "voice"); voice["name"] != "Звонок" || voice["description"] != "Звонок, в котором продиктуют код" {
			t.Errorf("voice in Russian = %v", voice)
		}
	})
}

// TestWrongCodesBlock: the project's maxAttempts-th wrong code (the fifth
// by default) closes the session; three sessions of a destination closed
// so within an hour refuse it new sessions for an hour. The rule lives in
// the store, so it holds on every instance.
func TestWrongCodesBlock(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		browser := client{h: h, key: app.PublicKey}
		const to = "+14155552671"
		block := func(round int) {
			t.Helper()
			id := str(must(t, "create", browser.post("/v2/create", `{"to":"`+to+`","type":"sms"}`), 200).Body["session_id"])
			bad := wrong(h.Code(app, to))
			for left := 4; left >= 0; left-- {
				r := browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+bad+`"}`)
				wantError(t, "wrong code", r, 400, "ERROR_MESSAGE_WRONG_CODE")
				if num(r.Body["attempts_left"]) != left {
					t.Fatalf("round %d: attempts_left = %v, want %d", round, r.Body["attempts_left"], left)
				}
			}
			wantError(t, "check of a closed session", browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+bad+`"}`), 403, "ERROR_BLOCKED")
			wantError(t, "send on a closed session", browser.post("/v2/send", `{"session_id":"`+id+`","type":"voice"}`), 403, "ERROR_BLOCKED")
			h.Clock.Advance(20 * time.Minute)
		}
		block(1)
		block(2)
		block(3) // 40 minutes after the first: three within the hour
		r := browser.post("/v2/create", `{"to":"`+to+`","send":false}`)
		wantError(t, "a blocked destination", r, 403, "ERROR_PHONE_BLOCKED")
		if num(r.Body["timeout"]) != 3600-20*60 {
			t.Errorf("timeout = %v, want the %d s left of the hour after the third block", r.Body["timeout"], 3600-20*60)
		}
		// Another destination, and the same one of another application, are not blocked.
		must(t, "another destination", browser.post("/v2/create", `{"to":"+14155552672","send":false}`), 200)
		other := h.CreateApp("test", "")
		must(t, "another application", client{h: h, key: other.PublicKey}.post("/v2/create", `{"to":"`+to+`","send":false}`), 200)

		h.Clock.Advance(40 * time.Minute)
		must(t, "an hour after the third block", browser.post("/v2/create", `{"to":"`+to+`","send":false}`), 200)
	})
}

// TestSendLimits: a channel waits 60 s between sends; the destination's
// sends per minute and the project's balance apply to the session flow as
// to any send; so does the project's country allow-list.
func TestSendLimits(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", `{"sendsPerMinute":2,"countries":["US","GB"]}`)
		browser := client{h: h, key: app.PublicKey}
		id := str(must(t, "create", browser.post("/v2/create", `{"to":"+14155552671","type":"sms"}`), 200).Body["session_id"])
		must(t, "voice", browser.post("/v2/send", `{"session_id":"`+id+`","type":"voice"}`), 200)
		r := browser.post("/v2/send", `{"session_id":"`+id+`","type":"whatsapp"}`)
		wantError(t, "third send within a minute", r, 429, "ERROR_MESSAGE_ATTEMPT")
		if num(r.Body["timeout"]) < 1 {
			t.Errorf("timeout = %v, want the wait", r.Body["timeout"])
		}
		wantError(t, "a country the project does not send to", browser.post("/v2/create", `{"to":"+79991234567"}`), 403, "ERROR_CHANNEL_NOT_ALLOWED_COUNTRY")

		// A live application of a project whose balance is used up.
		live := h.CreateApp("live", "")
		h.Admin("POST", "/v1/projects/"+live.ProjectID+"/credits", `{"amount":"1.00","currency":"USD"}`, 200)
		if _, err := h.Store.AddCredits(context.Background(), live.ProjectID, otp.Money{Micros: -1_000_000, Currency: "USD"}); err != nil {
			t.Fatal(err)
		}
		h.Clock.Advance(3 * time.Second) // past the project cache
		wantError(t, "a used-up balance", client{h: h, key: live.PublicKey}.post("/v2/create", `{"to":"+14155552671"}`), 402, "ERROR_WRONG_BALANCE")
	})
}

// TestNoChannels: a project whose channels this deployment cannot deliver
// offers none.
func TestNoChannels(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, func(c *otp.Config) { c.Deliverable = []otp.Channel{otp.Email} })
		app := h.CreateApp("live", `{"channels":["sms","voice"]}`)
		browser := client{h: h, key: app.PublicKey}
		if got := array(t, must(t, "channels", browser.get("/v2/channels"), 200)); len(got) != 0 {
			t.Errorf("channels = %v, want none", got)
		}
		wantError(t, "create", browser.post("/v2/create", `{"to":"+14155552671"}`), 400, "ERROR_PROJECT_HAS_NO_CHANNELS")
	})
}

// TestChallenge: the project's CAPTCHA guards create, with the token in
// x-challenge-token (or Turnstile's legacy x-cf-turnstile-token), for
// action create where the provider reports actions.
func TestChallenge(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		fake := captchatest.NewServer(t)
		h := newHarness(t, engine, func(c *otp.Config) { c.Challenges = captcha.New(captcha.Config{TurnstileURL: fake.URL}) })
		app := h.CreateApp("test", `{"challenge":{"enabled":true,"provider":"turnstile","siteKey":"`+fake.SiteKey(otp.Turnstile)+
			`","secretKey":"`+fake.Secret(otp.Turnstile)+`"}}`)
		browser := client{h: h, key: app.PublicKey}
		ch := must(t, "settings", browser.get("/v2/settings"), 200).Body["challenge"].(map[string]any)
		if ch["enabled"] != true || ch["api_key"] != fake.SiteKey(otp.Turnstile) || ch["provider"] != "turnstile" {
			t.Errorf("settings.challenge = %v", ch)
		}
		create := func(header, token string) dialecttest.Response {
			c := browser
			if header != "" {
				c.header = http.Header{header: {token}}
			}
			return c.post("/v2/create", `{"to":"+14155552671","send":false}`)
		}
		wantError(t, "no token", create("", ""), 403, "ERROR_CHALLENGE")
		wantError(t, "a forged token", create("X-Challenge-Token", "forged"), 403, "ERROR_CHALLENGE")
		wantError(t, "a token for another action", create("X-Challenge-Token", fake.Token(otp.Turnstile, captchatest.Solve{Action: "login"})), 403, "ERROR_CHALLENGE")
		must(t, "a token for create", create("X-Challenge-Token", fake.Token(otp.Turnstile, captchatest.Solve{Action: "create"})), 200)
		must(t, "the legacy header", create("X-Cf-Turnstile-Token", fake.Token(otp.Turnstile, captchatest.Solve{Action: "create"})), 200)
		must(t, "a widget without an action", create("X-Challenge-Token", fake.Token(otp.Turnstile, captchatest.Solve{})), 200)
		tok := fake.Token(otp.Turnstile, captchatest.Solve{Action: "create"})
		must(t, "a token", create("X-Challenge-Token", tok), 200)
		wantError(t, "the same token again", create("X-Challenge-Token", tok), 403, "ERROR_CHALLENGE")
		reqs := fake.Requests()
		if last := reqs[len(reqs)-1]; last.RemoteIP != "127.0.0.1" {
			t.Errorf("the provider was told remote IP %q, want the browser's", last.RemoteIP)
		}
	})
}

// TestChallengeReCAPTCHAv3: a reCAPTCHA v3 token guards create only when
// it was made for action create, and scores at least the project's
// minScore.
func TestChallengeReCAPTCHAv3(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		fake := captchatest.NewServer(t)
		h := newHarness(t, engine, func(c *otp.Config) { c.Challenges = captcha.New(captcha.Config{ReCAPTCHAURL: fake.URL}) })
		app := h.CreateApp("test", `{"challenge":{"enabled":true,"provider":"recaptcha","minScore":0.5,"siteKey":"`+fake.SiteKey(otp.ReCAPTCHA)+
			`","secretKey":"`+fake.Secret(otp.ReCAPTCHA)+`"}}`)
		browser := client{h: h, key: app.PublicKey}
		create := func(s captchatest.Solve) dialecttest.Response {
			c := browser
			c.header = http.Header{"X-Challenge-Token": {fake.Token(otp.ReCAPTCHA, s)}}
			return c.post("/v2/create", `{"to":"+14155552671","send":false}`)
		}
		high, low := 0.9, 0.3
		wantError(t, "a token for another action", create(captchatest.Solve{Action: "login", Score: &high}), 403, "ERROR_CHALLENGE")
		wantError(t, "a token for no action", create(captchatest.Solve{Score: &high}), 403, "ERROR_CHALLENGE")
		wantError(t, "a token for create scoring low", create(captchatest.Solve{Action: "create", Score: &low}), 403, "ERROR_CHALLENGE")
		wantError(t, "a v2 token without a score", create(captchatest.Solve{}), 403, "ERROR_CHALLENGE")
		must(t, "a token for create", create(captchatest.Solve{Action: "create", Score: &high}), 200)
	})
}
