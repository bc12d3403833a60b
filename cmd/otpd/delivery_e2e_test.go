package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/client"
	"github.com/otpd/otpd/internal/provider/telegram/telegramtest"
	"github.com/otpd/otpd/internal/provider/twilio/twiliotest"
)

// setupLiveApp creates a project and a live application and returns its API key.
func setupLiveApp(t testing.TB, base string) string {
	t.Helper()
	st, p := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "live"})
	if st != 201 {
		t.Fatalf("create project: %d %v", st, p)
	}
	st, a := call(t, "POST", base+"/v1/applications", testAdminToken, map[string]any{"name": "Acme", "projectId": data(p)["id"], "environment": "live"})
	if st != 201 {
		t.Fatalf("create application: %d %v", st, a)
	}
	return data(a)["apiKey"].(string)
}

// waitFor polls cond every 20 ms until it holds. The 60 s bound only
// ends a broken run: it is no measure of speed, and a loaded machine
// (a -race -count=5 run of every package) can take many seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serveWithTwilio runs otpd with a configuration file whose SMS and
// voice go through fake, with a price for SMS, and returns its base URL
// and its stop function.
func serveWithTwilio(t *testing.T, fake *twiliotest.Server) (string, func() error) {
	t.Helper()
	path := writeConfig(t, fmt.Sprintf(`
providers:
  twilio-us:
    type: twilio
    account_sid: %s
    auth_token: ${TWILIO_TOKEN}
    from: "+15005550006"
    base_url: %s
routing:
  channels: {sms: [twilio-us], voice: [twilio-us]}
prices:
  currency: USD
  default: {sms: "0.0079"}
`, fake.AccountSID, fake.URL))
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken,
		"OTPD_CONFIG": path, "TWILIO_TOKEN": fake.AuthToken}
	base, _, stop := startServe(t, env)
	return base, stop
}

// TestTwilioEndToEnd runs otpd with a configuration file whose SMS goes
// through Twilio (a fake speaking Twilio's API): the message reaches
// Twilio with the code, Twilio's signed status callback marks it
// delivered, and the price table gives it a cost.
func TestTwilioEndToEnd(t *testing.T) {
	fake := twiliotest.NewServer(t)
	base, _ := serveWithTwilio(t, fake)
	key := setupLiveApp(t, base)
	otpd := client.New(base, key)

	created, err := otpd.CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+1 415 555 2671", Channel: client.SMS})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	id := created.ID
	waitFor(t, "the message at Twilio", func() bool { return len(fake.Messages()) == 1 })
	m := fake.Messages()[0]
	if m.To != "+14155552671" || m.From != "+15005550006" || !strings.Contains(m.Body, "Acme") {
		t.Errorf("Twilio got %+v, want an SMS to +14155552671 from the configured number naming the app", m)
	}
	var v *client.Verification
	waitFor(t, "deliveryStatus sent", func() bool {
		v, err = otpd.GetVerification(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return v.DeliveryStatus == "sent"
	})
	if v.Cost == nil || *v.Cost != (client.Money{Amount: "0.0079", Currency: "USD"}) {
		t.Errorf("cost = %+v, want 0.0079 USD", v.Cost)
	}

	// Twilio reports the delivery to the callback URL, signed.
	cb := base + "/v1/callbacks/twilio-us"
	bad := url.Values{"MessageSid": {m.SID}, "MessageStatus": {"delivered"}, "AccountSid": {fake.AccountSID}}
	if st, err := postForm(cb, bad, "forged"); err != nil || st != 403 {
		t.Errorf("unsigned callback: %d %v, want 403", st, err)
	}
	if st, err := fake.SendStatusCallback(cb, fake.MessageStatus(m, "delivered", 0)); err != nil || st/100 != 2 {
		t.Fatalf("signed callback: %d %v, want 2xx", st, err)
	}
	if v, err := otpd.GetVerification(t.Context(), id); err != nil || v.DeliveryStatus != "delivered" || v.DeliveredAt == nil {
		t.Errorf("after the callback: %+v, %v, want delivered", v, err)
	}
	msgs, err := otpd.Messages(t.Context(), id)
	if err != nil || len(msgs) != 1 || msgs[0].Provider != "twilio-us" || msgs[0].ProviderMessageID != m.SID || msgs[0].Status != "delivered" {
		t.Errorf("messages = %+v, %v, want one delivered through twilio-us with Twilio's sid", msgs, err)
	}

	// Email has no provider here: refused at once.
	_, err = otpd.CreateVerification(t.Context(), client.CreateVerificationRequest{To: "a@example.com", Channel: client.Email})
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != 400 || !strings.Contains(e.Message, "no provider is configured for channel email") {
		t.Errorf("email without a provider: %v, want 400 channel_unavailable", err)
	}
}

// postForm posts an unsigned form with a made-up signature.
func postForm(target string, form url.Values, signature string) (int, error) {
	req, err := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", signature)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// TestTelegramBotEndToEnd links a chat through the bot's webhook (a person
// shares their own contact) and sends a code there.
func TestTelegramBotEndToEnd(t *testing.T) {
	bot := telegramtest.NewBotServer(t)
	bot.AddChat(42)
	path := writeConfig(t, fmt.Sprintf(`
providers:
  tg:
    type: telegram
    mode: bot
    bot_token: "%s"
    webhook_secret: ${TG_SECRET}
    base_url: %s
routing:
  channels: {telegram: [tg]}
`, bot.Token, bot.URL))
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(),
		"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_CONFIG": path, "TG_SECRET": "s3cret"})
	key := setupLiveApp(t, base)

	update := `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"A"},"contact":{"phone_number":"14155552671","first_name":"A","user_id":42}}}`
	req, _ := http.NewRequest("POST", base+"/v1/callbacks/tg", strings.NewReader(update))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("webhook: %d, want 200", res.StatusCode)
	}
	if _, err := client.New(base, key).CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+14155552671", Channel: client.Telegram}); err != nil {
		t.Fatalf("create: %v", err)
	}
	waitFor(t, "the code in the linked chat", func() bool {
		for _, m := range bot.Messages() {
			if m.ChatID == 42 && strings.Contains(m.Text, "Acme") {
				return true
			}
		}
		return false
	})
}
