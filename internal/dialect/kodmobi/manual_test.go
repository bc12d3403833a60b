package kodmobi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// manualVerification is the verification of an application's manual
// send number messageID, as the console lists it.
func manualVerification(h *dialecttest.Harness, a dialecttest.App, messageID int) map[string]any {
	h.T.Helper()
	for _, v := range h.Admin("GET", "/v1/otp?appId="+a.ID+"&limit=100", "", 200).Body["data"].([]any) {
		v := v.(map[string]any)
		if md, _ := v["metadata"].(map[string]any); md != nil && num(md["messageId"]) == messageID {
			return v
		}
	}
	h.T.Fatalf("no verification of %s with messageId %d", a.ID, messageID)
	return nil
}

func idOf(name string) string { return strconv.FormatInt(otp.ProviderID(name), 10) }

// TestManualChannels: GET /manual/channels lists the project's channels
// this deployment delivers, each with the configured providers that
// deliver it, numbered by their names: the numbers do not depend on the
// configuration's order.
func TestManualChannels(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, nil)
		const policy = `{"channels":["email","sms","voice","whatsapp"]}`
		app := d.CreateApp("live", policy)
		server := client{h: d.Harness, key: app.APIKey}

		list := array(t, must(t, "channels", server.get("/manual/channels"), 200))
		if got, want := channelTypes(list), []string{"email", "sms", "voice"}; !slices.Equal(got, want) {
			t.Errorf("channels = %v, want %v: the project's, in its order, that the deployment delivers", got, want)
		}
		provider := func(name, typ string) any {
			return map[string]any{"id": float64(otp.ProviderID(name)), "name": name, "type": typ, "is_system": true}
		}
		want := []any{
			map[string]any{"name": "Email", "type": "email", "providers": []any{provider("mail", "smtp")}},
			map[string]any{"name": "SMS", "type": "sms", "providers": []any{provider("alpha", "twilio"), provider("beta", "smpp"), provider("down", "httpapi")}},
			map[string]any{"name": "Voice call", "type": "voice", "providers": []any{provider("alpha", "twilio")}},
		}
		if diff := cmp.Diff(want, list); diff != "" {
			t.Errorf("GET /manual/channels (-want +got):\n%s", diff)
		}
		ru := client{h: d.Harness, key: app.APIKey, header: http.Header{"Accept-Language": {"ru"}}}
		if voice := channelOf(array(t, must(t, "channels in Russian", ru.get("/manual/channels"), 200)), "voice"); voice["name"] != "Звонок" {
			t.Errorf("voice in Russian = %v", voice["name"])
		}

		// Another deployment lists the same providers in another order:
		// each keeps its number.
		reversed := slices.Clone(catalog)
		slices.Reverse(reversed)
		other := newDeployment(t, engine, func(c *otp.Config) { c.Providers = reversed })
		otherApp := other.CreateApp("live", policy)
		ids, otherIDs := providerIDs(t, list), providerIDs(t, array(t, must(t, "channels elsewhere",
			client{h: other.Harness, key: otherApp.APIKey}.get("/manual/channels"), 200)))
		for _, ch := range []string{"email", "sms", "voice"} {
			a, b := slices.Sorted(slices.Values(ids[ch])), slices.Sorted(slices.Values(otherIDs[ch]))
			if !slices.Equal(a, b) {
				t.Errorf("%s: ids %v here, %v with the providers reordered", ch, a, b)
			}
		}

		// A test application's channels are the project's whatever the
		// deployment delivers (its messages stay in its inbox); one no
		// provider delivers has none.
		test := d.CreateApp("test", `{"channels":["whatsapp","sms"]}`)
		tl := array(t, must(t, "channels of a test application", client{h: d.Harness, key: test.APIKey}.get("/manual/channels"), 200))
		if got := providerIDs(t, tl); len(got["whatsapp"]) != 0 || len(got["sms"]) != 3 || !slices.Equal(channelTypes(tl), []string{"whatsapp", "sms"}) {
			t.Errorf("channels of a test application = %v", tl)
		}
	})
}

// TestManualSend: POST /manual/send delivers the caller's code, or one
// drawn by the project's policy, and answers it encrypted for the caller,
// who decrypts it as kod.mobi's clients do; message_id counts the
// application's sends. Each is an ordinary verification, in the console,
// logs and analytics, and otpd keeps no plaintext of its code: the sealed
// copy for delivery is gone once the verification ends.
func TestManualSend(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, nil)
		app := d.CreateApp("test", `{"codeLength":8,"codeLetters":true}`)
		server := client{h: d.Harness, key: app.APIKey}
		const to = "+79991234567"

		// The document's request, with the caller's code.
		sent := must(t, "send with a code", server.post("/manual/send", `{"to":"+79991234567","channel":"sms","code":"1234"}`), 200).Body
		if num(sent["message_id"]) != 1 || sent["message"] != "The message is queued for delivery" {
			t.Errorf("answer = %v, want message_id 1 and the message", sent)
		}
		if got := decryptCode(t, app.APIKey, str(sent["code"])); got != "1234" {
			t.Errorf("decrypted code %q, want 1234", got)
		}
		if raw, _ := base64.RawURLEncoding.DecodeString(str(sent["code"])); len(raw) != 12+4+16 {
			t.Errorf("code has %d bytes, want nonce, 4 bytes of ciphertext and the tag", len(raw))
		}
		if strings.Contains(string(sent["code"].(string)), "1234") {
			t.Errorf("the answer shows the code: %v", sent)
		}
		if got := d.Code(app, to); got != "1234" {
			t.Errorf("test inbox has %q, want the caller's 1234", got)
		}

		// Without a code otpd draws one by the project's policy.
		drawn := must(t, "send without a code", server.post("/manual/send", `{"to":"+79991234567","channel":"sms"}`), 200).Body
		code := decryptCode(t, app.APIKey, str(drawn["code"]))
		if num(drawn["message_id"]) != 2 || len(code) != 8 || strings.Trim(code, "0123456789ABCDEFGHJKMNPQRSTUVWXYZ") != "" {
			t.Errorf("answer %v with code %q, want message_id 2 and 8 digits or letters", drawn, code)
		}
		if got := d.Code(app, to); got != code {
			t.Errorf("test inbox has %q, the answer %q", got, code)
		}

		// A code may come as a JSON number; the message follows Accept-Language.
		ru := client{h: d.Harness, key: app.APIKey, header: http.Header{"Accept-Language": {"ru-RU,ru;q=0.9"}}}
		// (To another number: a send to the same one would supersede message 2.)
		third := must(t, "send in Russian", ru.post("/manual/send", `{"to":"+79991234568","channel":"voice","code":567890}`), 200).Body
		if decryptCode(t, app.APIKey, str(third["code"])) != "567890" || num(third["message_id"]) != 3 ||
			third["message"] != "Сообщение поставлено в очередь на отправку" {
			t.Errorf("third send = %v", third)
		}

		// Another application counts its own sends.
		other := d.CreateApp("test", "")
		if first := must(t, "another's send", client{h: d.Harness, key: other.APIKey}.post("/manual/send", `{"to":"+79991234567","channel":"sms"}`), 200).Body; num(first["message_id"]) != 1 {
			t.Errorf("another application's first message_id = %v, want 1", first["message_id"])
		}

		// Message 2 superseded message 1 to the same number: one live code.
		if first := manualVerification(d.Harness, app, 1); first["status"] != "canceled" {
			t.Errorf("message 1 after message 2 to its number: status %v, want canceled", first["status"])
		}

		// An ordinary verification: the console, the log, analytics.
		v := manualVerification(d.Harness, app, 2)
		if v["to"] != to || v["channel"] != "sms" || v["status"] != "pending" || v["deliveryStatus"] != "sent" {
			t.Errorf("console shows %v", v)
		}
		id := str(v["id"])
		d.ConsumeEvents()
		var types []string
		for _, e := range d.Admin("GET", "/v1/logs?appId="+app.ID+"&verificationId="+id, "", 200).Body["data"].([]any) {
			types = append(types, str(e.(map[string]any)["type"]))
		}
		if !slices.Contains(types, "otp.created") || !slices.Contains(types, "otp.sent") {
			t.Errorf("log of %s = %v, want otp.created and otp.sent", id, types)
		}
		day := d.Clock.Now().Format("2006-01-02")
		sum := d.Admin("GET", "/v1/analytics/summary?appId="+app.ID+"&from="+day+"&to="+day, "", 200).Data()
		if num(sum["otpRequests"]) != 3 || num(sum["otpSent"]) != 3 {
			t.Errorf("analytics: %v requests, %v sent; want 3 each", sum["otpRequests"], sum["otpSent"])
		}

		// Once the verification ends, only the code's HMAC is left.
		ctx := context.Background()
		if stored, err := d.Store.GetVerification(ctx, app.ID, id); err != nil || stored.CodeSealed == nil || stored.MessageNumber != 2 {
			t.Fatalf("pending manual send = %+v, %v; want its sealed copy for delivery and number 2", stored, err)
		}
		d.Clock.Advance(5 * time.Minute)
		if _, err := d.Svc.SweepExpired(ctx, 100); err != nil {
			t.Fatal(err)
		}
		stored, err := d.Store.GetVerification(ctx, app.ID, id)
		if err != nil || stored.Status != otp.StatusExpired || stored.CodeSealed != nil || len(stored.CodeHash) != 32 {
			t.Errorf("ended manual send = status %v, sealed %x, hash %d bytes (%v); want expired, no sealed copy, the HMAC",
				stored.Status, stored.CodeSealed, len(stored.CodeHash), err)
		}
	})
}

// TestManualMessageIDs: concurrent sends of one application each get
// their own message_id.
func TestManualMessageIDs(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, nil)
		app := d.CreateApp("test", "")
		server := client{h: d.Harness, key: app.APIKey}
		const n = 8
		ids := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r := server.post("/manual/send", fmt.Sprintf(`{"to":"+1415555%04d","channel":"sms","code":"1234"}`, 2600+i))
				if r.Status != 200 {
					t.Errorf("send %d: %d %s", i, r.Status, r.Raw)
				}
				ids[i] = num(r.Body["message_id"])
			})
		}
		wg.Wait()
		slices.Sort(ids)
		for i, id := range ids {
			if id != i+1 {
				t.Fatalf("message_ids %v, want 1 to %d once each", ids, n)
			}
		}
	})
}

// TestManualProviders: provider_id sends through that provider and no
// other; without it the message is routed as usual; an id that names no
// provider of the channel is refused.
func TestManualProviders(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, nil)
		app := d.CreateApp("live", `{"channels":["sms","voice","email"]}`)
		server := client{h: d.Harness, key: app.APIKey}

		must(t, "send pinned to beta", server.post("/manual/send", `{"to":"+14155552671","channel":"sms","provider_id":`+idOf("beta")+`,"code":"4321"}`), 200)
		d.Deliver(d.router)
		if got := d.beta.messages(); len(got) != 1 || got[0].Code != "4321" || got[0].To != "+14155552671" || len(d.alpha.messages()) != 0 {
			t.Fatalf("beta got %+v, alpha %d messages; want the message at beta only, though alpha comes first", got, len(d.alpha.messages()))
		}
		v := manualVerification(d.Harness, app, 1)
		if ms, err := d.Store.ListMessages(context.Background(), app.ID, str(v["id"])); err != nil || len(ms) != 1 || ms[0].Provider != "beta" {
			t.Errorf("messages = %+v, %v; want one sent by beta", ms, err)
		}

		must(t, "send routed as usual", server.post("/manual/send", `{"to":"+14155552671","channel":"sms","code":"1111"}`), 200)
		must(t, "voice pinned to alpha, as a string", server.post("/manual/send", `{"to":"+14155552672","channel":"voice","provider_id":"`+idOf("alpha")+`"}`), 200)
		must(t, "email", server.post("/manual/send", `{"to":"person@example.com","channel":"email","code":"2468"}`), 200)
		d.Deliver(d.router)
		alpha := d.alpha.messages()
		if len(alpha) != 2 || alpha[0].Code != "1111" || alpha[1].Channel != otp.Voice || len(d.beta.messages()) != 1 {
			t.Errorf("alpha got %+v; want the routed sms and the pinned call", alpha)
		}
		if mail := d.mail.messages(); len(mail) != 1 || mail[0].Code != "2468" {
			t.Errorf("mail got %+v", mail)
		}

		for _, tc := range []struct{ name, body string }{
			{"an unknown id", `{"to":"+14155552671","channel":"sms","provider_id":999}`},
			{"a provider of another channel", `{"to":"+14155552671","channel":"sms","provider_id":` + idOf("mail") + `}`},
			{"not a number", `{"to":"+14155552671","channel":"sms","provider_id":"beta"}`},
			{"zero", `{"to":"+14155552671","channel":"sms","provider_id":0}`},
			{"negative", `{"to":"+14155552671","channel":"sms","provider_id":-5}`},
			{"a fraction", `{"to":"+14155552671","channel":"sms","provider_id":1.5}`},
		} {
			r := server.post("/manual/send", tc.body)
			wantError(t, tc.name, r, 400, "ERROR_BAD_REQUEST")
			if errs, _ := r.Body["errors"].(map[string]any); errs["provider_id"] == nil {
				t.Errorf("%s: errors = %v, want provider_id", tc.name, r.Body["errors"])
			}
		}
	})
}

// TestManualRefused: every wrong request is refused in kod.mobi's error
// shape, with the field at fault, sends nothing and uses no message_id;
// /manual/* take only the secret key.
func TestManualRefused(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, nil)
		app := d.CreateApp("test", `{"channels":["sms","email","voice"]}`)
		server := client{h: d.Harness, key: app.APIKey}
		for _, tc := range []struct {
			name, body string
			status     int
			sys, field string
		}{
			{"body not JSON", `{"to":`, 400, "ERROR_BAD_REQUEST", ""},
			{"body not an object", `[1]`, 400, "ERROR_BAD_REQUEST", ""},
			{"to missing", `{"channel":"sms"}`, 400, "ERROR_BAD_REQUEST", "to"},
			{"channel missing", `{"to":"+14155552671"}`, 400, "ERROR_BAD_REQUEST", "channel"},
			{"to not a phone", `{"to":"+1 abc","channel":"sms"}`, 400, "ERROR_BAD_REQUEST", "to"},
			{"to not an email", `{"to":"a@b","channel":"email"}`, 400, "ERROR_BAD_REQUEST", "to"},
			{"channel unknown", `{"to":"+14155552671","channel":"fax"}`, 400, "ERROR_BAD_REQUEST", "channel"},
			{"channel that cannot reach to", `{"to":"+14155552671","channel":"email"}`, 400, "ERROR_BAD_REQUEST", "channel"},
			{"channel not enabled", `{"to":"+14155552671","channel":"whatsapp"}`, 400, "ERROR_PROJECT_HAS_NO_CHANNEL", ""},
			{"code with letters", `{"to":"+14155552671","channel":"sms","code":"12ab"}`, 400, "ERROR_BAD_REQUEST", "code"},
			{"code too short", `{"to":"+14155552671","channel":"sms","code":"123"}`, 400, "ERROR_BAD_REQUEST", "code"},
			{"code too long", `{"to":"+14155552671","channel":"sms","code":"1234567"}`, 400, "ERROR_BAD_REQUEST", "code"},
			{"code with a space", `{"to":"+14155552671","channel":"sms","code":"12 34"}`, 400, "ERROR_BAD_REQUEST", "code"},
			{"code of the wrong type", `{"to":"+14155552671","channel":"sms","code":true}`, 400, "ERROR_BAD_REQUEST", "code"},
			{"callback_url not http", `{"to":"+14155552671","channel":"sms","callback_url":"ftp://example.com/cb"}`, 400, "ERROR_BAD_REQUEST", "callback_url"},
			{"callback_url with a password", `{"to":"+14155552671","channel":"sms","callback_url":"https://u:p@example.com/cb"}`, 400, "ERROR_BAD_REQUEST", "callback_url"},
			{"callback_url not a URL", `{"to":"+14155552671","channel":"sms","callback_url":"example.com/cb"}`, 400, "ERROR_BAD_REQUEST", "callback_url"},
		} {
			r := server.post("/manual/send", tc.body)
			wantError(t, tc.name, r, tc.status, tc.sys)
			if tc.field != "" {
				if errs, _ := r.Body["errors"].(map[string]any); errs[tc.field] == nil {
					t.Errorf("%s: errors = %v, want %s", tc.name, r.Body["errors"], tc.field)
				}
			}
		}
		wantError(t, "wrong method", server.get("/manual/send"), 405, "ERROR_BAD_REQUEST")
		wantError(t, "wrong method on channels", server.post("/manual/channels", `{}`), 405, "ERROR_BAD_REQUEST")
		if n := inbox(d.Harness, app, "+14155552671"); n != 0 {
			t.Errorf("%d messages sent by refused requests", n)
		}
		if r := must(t, "a good send", server.post("/manual/send", `{"to":"+14155552671","channel":"sms"}`), 200); num(r.Body["message_id"]) != 1 {
			t.Errorf("message_id after refused sends = %v, want 1: refusals use no number", r.Body["message_id"])
		}

		// Keys: only the secret key, or another API key within its scope.
		browser := client{h: d.Harness, key: app.PublicKey}
		wantError(t, "send with the public key", browser.post("/manual/send", `{"to":"+14155552671","channel":"sms"}`), 403, "ERROR_ACCESS_DENIED")
		wantError(t, "channels with the public key", browser.get("/manual/channels"), 403, "ERROR_ACCESS_DENIED")
		wantError(t, "send without a key", client{h: d.Harness}.post("/manual/send", `{"to":"+14155552671","channel":"sms"}`), 401, "ERROR_ACCESS_DENIED")
		wantError(t, "channels without a key", client{h: d.Harness}.get("/manual/channels"), 401, "ERROR_ACCESS_DENIED")
		wantError(t, "send with an unknown key", client{h: d.Harness, key: "otpd_test_api_nope"}.post("/manual/send", `{"to":"+14155552671","channel":"sms"}`), 401, "ERROR_ACCESS_DENIED")
		read := client{h: d.Harness, key: str(d.Admin("POST", "/v1/applications/"+app.ID+"/keys", `{"scope":"read"}`, 201).Data()["key"])}
		must(t, "channels with a read key", read.get("/manual/channels"), 200)
		wantError(t, "send with a read key", read.post("/manual/send", `{"to":"+14155552671","channel":"sms"}`), 403, "ERROR_ACCESS_DENIED")
		full := str(d.Admin("POST", "/v1/applications/"+app.ID+"/keys", `{"scope":"full"}`, 201).Data()["key"])
		r := must(t, "send with another full key", client{h: d.Harness, key: full}.post("/manual/send", `{"to":"+14155552671","channel":"sms","code":"9876"}`), 200)
		if got := decryptCode(t, full, str(r.Body["code"])); got != "9876" {
			t.Errorf("code for the key that asked = %q, want 9876: it is encrypted for the key presented", got)
		}
		if inbox(d.Harness, app, "+14155552671") != 2 {
			t.Errorf("the refused keys sent something")
		}

		// Without OTPD_WEBHOOK_ALLOW_PRIVATE a callback may not point here,
		// and without OTPD_WEBHOOK_ALLOW_HTTP (and OTPD_WEBHOOK_ALLOWED_PORTS)
		// it is https on a web port.
		strict := newHarness(t, engine, nil)
		sa := strict.CreateApp("test", "")
		for u, says := range map[string]string{
			"http://127.0.0.1:8080/cb":       "OTPD_WEBHOOK_ALLOW_PRIVATE",
			"http://localhost/cb":            "OTPD_WEBHOOK_ALLOW_PRIVATE",
			"https://10.1.2.3/cb":            "OTPD_WEBHOOK_ALLOW_PRIVATE",
			"http://hooks.example.com/cb":    "OTPD_WEBHOOK_ALLOW_HTTP",
			"https://hooks.example.com:6379": "OTPD_WEBHOOK_ALLOWED_PORTS",
		} {
			r := client{h: strict, key: sa.APIKey}.post("/manual/send", `{"to":"+14155552671","channel":"sms","callback_url":"`+u+`"}`)
			wantError(t, "callback_url "+u, r, 400, "ERROR_BAD_REQUEST")
			if errs, _ := r.Body["errors"].(map[string]any); errs["callback_url"] == nil || !strings.Contains(string(r.Raw), says) {
				t.Errorf("callback_url %s: %s, want the callback_url field named and %s", u, r.Raw, says)
			}
		}
		must(t, "https callback", client{h: strict, key: sa.APIKey}.post("/manual/send", `{"to":"+14155552671","channel":"sms","callback_url":"https://hooks.example.com:8443/cb"}`), 200)
	})
}

// priceTable prices every message at 5 cents.
type priceTable struct{}

func (priceTable) Price(otp.Channel, string) (otp.Money, bool) {
	return otp.Money{Micros: 50_000, Currency: "USD"}, true
}

// TestManualLimits: a manual send is limited, charged and restricted as
// any send: the destination's sends per minute, the project's countries,
// its balance.
func TestManualLimits(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, func(c *otp.Config) { c.Prices = priceTable{} })
		app := d.CreateApp("test", `{"sendsPerMinute":2,"countries":["US"]}`)
		server := client{h: d.Harness, key: app.APIKey}
		must(t, "first", server.post("/manual/send", `{"to":"+14155552671","channel":"sms"}`), 200)
		must(t, "second", server.post("/manual/send", `{"to":"+14155552671","channel":"voice","code":"1234"}`), 200)
		r := server.post("/manual/send", `{"to":"+14155552671","channel":"sms"}`)
		wantError(t, "third within a minute", r, 429, "ERROR_MESSAGE_ATTEMPT")
		if num(r.Body["timeout"]) < 1 || r.Header.Get("Retry-After") == "" {
			t.Errorf("timeout %v, Retry-After %q; want the wait", r.Body["timeout"], r.Header.Get("Retry-After"))
		}
		wantError(t, "a country the project does not send to", server.post("/manual/send", `{"to":"+79991234567","channel":"sms"}`), 403, "ERROR_CHANNEL_NOT_ALLOWED_COUNTRY")

		// A live application pays for its sends from the project's balance.
		live := d.CreateApp("live", "")
		ls := client{h: d.Harness, key: live.APIKey}
		d.Admin("POST", "/v1/projects/"+live.ProjectID+"/credits", `{"amount":"0.10","currency":"USD"}`, 200)
		for i := range 2 {
			must(t, "a paid send", ls.post("/manual/send", fmt.Sprintf(`{"to":"+1415555267%d","channel":"sms"}`, i)), 200)
		}
		d.Deliver(d.router)
		d.ConsumeEvents()
		if v := manualVerification(d.Harness, live, 1); v["cost"] == nil || v["cost"].(map[string]any)["amount"] != "0.05" {
			t.Errorf("cost of a send = %v, want 0.05", v["cost"])
		}
		if c := d.Admin("GET", "/v1/projects/"+live.ProjectID, "", 200).Data()["credits"].(map[string]any); c["amount"] != "0.00" {
			t.Errorf("balance = %v, want 0.00 after two sends at 0.05", c)
		}
		d.Clock.Advance(3 * time.Second) // past the project cache
		wantError(t, "a used-up balance", ls.post("/manual/send", `{"to":"+14155552679","channel":"sms"}`), 402, "ERROR_WRONG_BALANCE")
	})
}

// TestManualTelegram: a send on the telegram channel's bot to a person who
// has not linked it is refused, as in the session flow.
func TestManualTelegram(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, func(c *otp.Config) { c.TelegramBot = otp.TelegramBot{Provider: "tg", Username: "otpd_test_bot"} })
		app := d.CreateApp("test", `{"channels":["telegram","sms"]}`)
		server := client{h: d.Harness, key: app.APIKey}
		const to = "+14155552671"
		wantError(t, "telegram before linking", server.post("/manual/send", `{"to":"`+to+`","channel":"telegram"}`), 400, "ERROR_USER_NOT_AUTHORIZE_ON_CHANNEL")
		if err := d.Svc.LinkChat(context.Background(), "tg", to, "4242"); err != nil {
			t.Fatal(err)
		}
		must(t, "telegram after linking", server.post("/manual/send", `{"to":"`+to+`","channel":"telegram"}`), 200)
	})
}
