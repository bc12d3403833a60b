package kodmobi_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// TestLegacyAPI: the query-string API of kod.mobi's v1, with its
// {"success":true,"data":…} envelope, a phone written 8XXXXXXXXXX, and
// the channel check of the Telegram bot.
func TestLegacyAPI(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, func(c *otp.Config) { c.TelegramBot = otp.TelegramBot{Provider: "tg", Username: "otpd_test_bot"} })
		app := h.CreateApp("test", `{"channels":["sms","whatsapp","telegram"]}`)
		c := client{h: h, key: app.PublicKey}

		r := must(t, "create", c.get("/api/v1/message/create?to=8+(999)+123-45-67&type=sms"), 200)
		data := r.Data()
		if r.Body["success"] != true || !ulidPattern.MatchString(str(data["session_id"])) || data["sent_to"] != "sms" {
			t.Fatalf("create = %s", r.Raw)
		}
		id := str(data["session_id"])
		var types []string
		for _, ch := range data["client_channels"].([]any) {
			m := ch.(map[string]any)
			types = append(types, str(m["type"]))
			if m["type"] == "telegram" && !strings.HasPrefix(str(m["link"]), "https://t.me/otpd_test_bot?start=") {
				t.Errorf("telegram link = %v, want the bot's deep link", m["link"])
			}
		}
		if !slices.Equal(types, []string{"sms", "whatsapp", "telegram"}) {
			t.Errorf("client_channels = %v", types)
		}
		code := h.Code(app, "+79991234567")

		r = must(t, "send", c.get("/api/v1/message/send?session_id="+id+"&type=whatsapp"), 200)
		if ch := r.Data()["channel"].(map[string]any); ch["type"] != "whatsapp" || num(ch["timeout"]) != 60 {
			t.Errorf("send = %s", r.Raw)
		}
		r = must(t, "channel check", c.get("/api/v1/channel/check?session_id="+id+"&type=telegram"), 200)
		if r.Body["success"] != true || r.Data()["is_active"] != false {
			t.Errorf("telegram before linking = %s, want inactive", r.Raw)
		}
		if err := h.Svc.LinkChat(context.Background(), "tg", "+79991234567", "4242"); err != nil {
			t.Fatal(err)
		}
		if r := must(t, "channel check", c.get("/api/v1/channel/check?session_id="+id+"&type=telegram"), 200); r.Data()["is_active"] != true {
			t.Errorf("telegram after linking = %s, want active", r.Raw)
		}

		r = c.get("/api/v1/message/check?session_id=" + id + "&code=" + url.QueryEscape(wrong(code)))
		wantError(t, "wrong code", r, 400, "ERROR_MESSAGE_WRONG_CODE")
		r = must(t, "check", c.get("/api/v1/message/check?session_id="+id+"&code="+code), 200)
		token := str(r.Data()["verify_token"])
		if r.Body["success"] != true || token == "" {
			t.Fatalf("check = %s", r.Raw)
		}
		v := must(t, "verify", client{h: h, key: app.APIKey}.post("/verify", `{"verify_token":"`+token+`"}`), 200).Body
		if v["to"] != "+79991234567" || v["channel"] != "whatsapp" {
			t.Errorf("verify = %v", v)
		}
	})
}

// TestTelegramBot: with a bot delivering the telegram channel, a person
// must link it before it can send: the channel is inactive with the bot's
// deep link, whose start token names their number; sending there is
// refused until they have. Without a session the link has no token.
func TestTelegramBot(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, func(c *otp.Config) { c.TelegramBot = otp.TelegramBot{Provider: "tg", Username: "otpd_test_bot"} })
		app := h.CreateApp("test", `{"channels":["telegram","sms"]}`)
		browser := client{h: h, key: app.PublicKey}
		const to = "+14155552671"

		if tg := channelOf(array(t, must(t, "channels", browser.get("/v2/channels"), 200)), "telegram"); tg["is_active"] != false || tg["link"] != "https://t.me/otpd_test_bot" {
			t.Errorf("telegram without a session = %v", tg)
		}
		created := must(t, "create", browser.post("/v2/create", `{"to":"`+to+`"}`), 200).Body
		if created["sent_to"] != "sms" {
			t.Errorf("sent_to = %v, want sms: telegram comes first but is not linked", created["sent_to"])
		}
		id := str(created["session_id"])
		tg := channelOf(created["channels"], "telegram")
		link := str(tg["link"])
		token, ok := strings.CutPrefix(link, "https://t.me/otpd_test_bot?start=")
		if tg["is_active"] != false || !ok {
			t.Fatalf("telegram = %v, want inactive with the bot's deep link", tg)
		}
		if phone, ok := h.Svc.ChatStartPhone(token); !ok || phone != to {
			t.Errorf("start token %q names %q, %v; want %s", token, phone, ok, to)
		}
		wantError(t, "send before linking", browser.post("/v2/send", `{"session_id":"`+id+`","type":"telegram"}`), 400, "ERROR_USER_NOT_AUTHORIZE_ON_CHANNEL")
		wantError(t, "create on telegram before linking", browser.post("/v2/create", `{"to":"+14155552672","type":"telegram"}`), 400, "ERROR_USER_NOT_AUTHORIZE_ON_CHANNEL")

		if err := h.Svc.LinkChat(context.Background(), "tg", to, "4242"); err != nil {
			t.Fatal(err)
		}
		sent := must(t, "send after linking", browser.post("/v2/send", `{"session_id":"`+id+`","type":"telegram"}`), 200).Body
		if ch := sent["channel"].(map[string]any); ch["is_active"] != true || num(ch["timeout"]) != 60 {
			t.Errorf("telegram after linking = %v", ch)
		}
	})
}

// TestDocumentsAndIcons: the dialect's OpenAPI document is served and
// linked from /openapi.json; the channels' icons are otpd's own.
func TestDocumentsAndIcons(t *testing.T) {
	h := newHarness(t, "sqlite", nil)
	doc := h.Do(dialecttest.Request{Method: "GET", Path: "/openapi/kodmobi.json"})
	if doc.Status != 200 || doc.Body["openapi"] != "3.1.0" {
		t.Fatalf("/openapi/kodmobi.json: %d", doc.Status)
	}
	spec, err := openapi3.NewLoader().LoadFromData(doc.Raw)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	paths := doc.Body["paths"].(map[string]any)
	for _, p := range []string{"/v2/settings", "/v2/channels", "/v2/create", "/v2/send", "/v2/check", "/v2/verify", "/verify",
		"/session/create", "/api/v1/message/create", "/api/v1/message/send", "/api/v1/message/check", "/api/v1/channel/check",
		"/manual/channels", "/manual/send"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("the document does not describe %s", p)
		}
	}
	native := h.Do(dialecttest.Request{Method: "GET", Path: "/openapi.json"})
	if !strings.Contains(string(native.Raw), `"/openapi/kodmobi.json"`) {
		t.Errorf("/openapi.json does not link the kod.mobi document")
	}
	for _, c := range otp.Channels {
		r := h.Do(dialecttest.Request{Method: "GET", Path: "/static/channels/" + string(c) + ".svg"})
		if r.Status != 200 || r.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(r.Raw), "<svg") {
			t.Errorf("icon of %s: %d %s", c, r.Status, r.Header.Get("Content-Type"))
		}
	}
	if r := h.Do(dialecttest.Request{Method: "GET", Path: "/static/channels/fax.svg"}); r.Status != 404 {
		t.Errorf("an unknown icon: %d, want 404", r.Status)
	}
}
