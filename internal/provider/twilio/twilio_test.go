package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/twilio"
	"github.com/otpd/otpd/internal/provider/twilio/twiliotest"
)

const (
	sender     = "+15005550006"
	recipient  = "+447700900123"
	serviceSID = "MG0123456789abcdef0123456789abcdef"
	apiKeySID  = "SK0123456789abcdef0123456789abcdef"
)

// newProvider returns a provider for the fake's account; edit adjusts the
// configuration first.
func newProvider(t *testing.T, s *twiliotest.Server, edit func(*twilio.Config)) *twilio.Provider {
	t.Helper()
	c := twilio.Config{
		Name:       "twilio-eu",
		AccountSID: s.AccountSID,
		AuthToken:  s.AuthToken,
		From:       sender,
		BaseURL:    s.URL,
	}
	if edit != nil {
		edit(&c)
	}
	p, err := twilio.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func smsMessage(body string) otp.OutgoingMessage {
	return otp.OutgoingMessage{
		ID: "dlv_1", To: recipient, Channel: otp.SMS, Locale: "en", Code: "482913", Body: body, Attempt: 1,
	}
}

func voiceMessage(locale, body string) otp.OutgoingMessage {
	return otp.OutgoingMessage{
		ID: "dlv_2", To: recipient, Channel: otp.Voice, Locale: locale, Code: "482913", Body: body, Attempt: 1,
	}
}

func TestValidate(t *testing.T) {
	valid := twilio.Config{
		AccountSID: "AC0123456789abcdef0123456789abcdef",
		AuthToken:  "token",
		From:       sender,
	}
	tests := []struct {
		name string
		edit func(*twilio.Config)
		want string // substring of the error; "" for valid
	}{
		{"valid", func(*twilio.Config) {}, ""},
		{"alphanumeric sender", func(c *twilio.Config) { c.From = "Acme Corp" }, ""},
		{"messaging service only", func(c *twilio.Config) { c.From, c.MessagingServiceSID = "", serviceSID }, ""},
		{"api key instead of token", func(c *twilio.Config) { c.AuthToken, c.APIKeySID, c.APIKeySecret = "", apiKeySID, "secret" }, ""},
		{"callback with token and api key", func(c *twilio.Config) {
			c.APIKeySID, c.APIKeySecret, c.StatusCallbackURL = apiKeySID, "secret", "https://otpd.example/cb"
		}, ""},
		{"no account", func(c *twilio.Config) { c.AccountSID = "" }, "account_sid is required"},
		{"bad account", func(c *twilio.Config) { c.AccountSID = "AC123" }, "account_sid must be"},
		{"no credentials", func(c *twilio.Config) { c.AuthToken = "" }, "auth_token is required"},
		{"key without secret", func(c *twilio.Config) { c.APIKeySID = apiKeySID }, "api_key_secret is required"},
		{"secret without key", func(c *twilio.Config) { c.APIKeySecret = "secret" }, "api_key_sid is required"},
		{"bad key sid", func(c *twilio.Config) { c.APIKeySID, c.APIKeySecret = "AC0123456789abcdef0123456789abcdef", "s" }, "api_key_sid must be"},
		{"no sender", func(c *twilio.Config) { c.From = "" }, "from is required"},
		{"sender id too long", func(c *twilio.Config) { c.From = "AcmeCorporation" }, "from must be"},
		{"sender id all digits", func(c *twilio.Config) { c.From = "12345" }, "from must be"},
		{"bad service sid", func(c *twilio.Config) { c.MessagingServiceSID = "MG1" }, "messaging_service_sid must be"},
		{"bad voice from", func(c *twilio.Config) { c.VoiceFrom = "Acme" }, "voice_from must be"},
		{"relative callback url", func(c *twilio.Config) { c.StatusCallbackURL = "/callbacks/twilio" }, "status_callback_url must be"},
		{"callback without token", func(c *twilio.Config) {
			c.AuthToken, c.APIKeySID, c.APIKeySecret, c.StatusCallbackURL = "", apiKeySID, "secret", "https://otpd.example/cb"
		}, "auth_token is required with status_callback_url"},
		{"bad base url", func(c *twilio.Config) { c.BaseURL = "api.twilio.com" }, "base_url must be"},
		{"negative timeout", func(c *twilio.Config) { c.Timeout = -time.Second }, "timeout must be"},
		{"timeout in nanoseconds", func(c *twilio.Config) { c.Timeout = 10 }, "timeout must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			if _, newErr := twilio.New(c); (newErr == nil) != (err == nil) {
				t.Errorf("New() error = %v, Validate() = %v; want them to agree", newErr, err)
			}
		})
	}
}

func TestChannels(t *testing.T) {
	tests := []struct {
		name string
		edit func(*twilio.Config)
		want []otp.Channel
	}{
		{"number", func(*twilio.Config) {}, []otp.Channel{otp.SMS, otp.Voice}},
		{"sender id", func(c *twilio.Config) { c.From = "Acme" }, []otp.Channel{otp.SMS}},
		{"sender id and voice number", func(c *twilio.Config) { c.From, c.VoiceFrom = "Acme", sender }, []otp.Channel{otp.SMS, otp.Voice}},
		{"messaging service", func(c *twilio.Config) { c.From, c.MessagingServiceSID = "", serviceSID }, []otp.Channel{otp.SMS}},
		{"voice only", func(c *twilio.Config) { c.From, c.VoiceFrom = "", sender }, []otp.Channel{otp.Voice}},
	}
	s := twiliotest.NewServer(t)
	for _, tt := range tests {
		p := newProvider(t, s, tt.edit)
		if diff := cmp.Diff(tt.want, p.Channels()); diff != "" {
			t.Errorf("%s: Channels() (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestSendSMS(t *testing.T) {
	s := twiliotest.NewServer(t)
	p := newProvider(t, s, func(c *twilio.Config) { c.StatusCallbackURL = "https://otpd.example/callbacks/twilio-eu" })

	res, err := p.Send(t.Context(), smsMessage("Your Acme code is 482913."))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the fake has %d messages, want 1", len(msgs))
	}
	if want := (otp.SendResult{Provider: "twilio-eu", ProviderMessageID: msgs[0].SID}); res != want {
		t.Errorf("Send = %+v, want %+v", res, want)
	}
	if !strings.HasPrefix(res.ProviderMessageID, "SM") {
		t.Errorf("ProviderMessageID = %q, want a Message sid (SM…)", res.ProviderMessageID)
	}
	want := url.Values{
		"To":             {recipient},
		"From":           {sender},
		"Body":           {"Your Acme code is 482913."},
		"StatusCallback": {"https://otpd.example/callbacks/twilio-eu"},
	}
	if diff := cmp.Diff(want, msgs[0].Form); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].User != s.AccountSID {
		t.Errorf("requests = %+v, want one authenticated as the account", reqs)
	}
}

func TestSendSMSWithoutCallbackURL(t *testing.T) {
	s := twiliotest.NewServer(t)
	p := newProvider(t, s, nil)
	if _, err := p.Send(t.Context(), smsMessage("code 1")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := s.Messages()[0].Form; got.Has("StatusCallback") {
		t.Errorf("form has StatusCallback %q, want none when status_callback_url is unset", got.Get("StatusCallback"))
	}
}

func TestSendSMSMessagingService(t *testing.T) {
	tests := []struct {
		name string
		from string
		want url.Values
	}{
		{"service alone", "", url.Values{"To": {recipient}, "Body": {"code 1"}, "MessagingServiceSid": {serviceSID}}},
		{"service and sender", "Acme", url.Values{"To": {recipient}, "Body": {"code 1"}, "MessagingServiceSid": {serviceSID}, "From": {"Acme"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := twiliotest.NewServer(t)
			p := newProvider(t, s, func(c *twilio.Config) { c.From, c.MessagingServiceSID = tt.from, serviceSID })
			if _, err := p.Send(t.Context(), smsMessage("code 1")); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if diff := cmp.Diff(tt.want, s.Messages()[0].Form); diff != "" {
				t.Errorf("form (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendVoice(t *testing.T) {
	s := twiliotest.NewServer(t)
	const voiceFrom = "+15005550010"
	p := newProvider(t, s, func(c *twilio.Config) {
		c.VoiceFrom = voiceFrom
		c.StatusCallbackURL = "https://otpd.example/callbacks/twilio-eu"
	})
	body := `Ваш код: 4, 8, 2. <Again> & "again": 4, 8, 2.`
	res, err := p.Send(t.Context(), voiceMessage("ru", body))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	calls := s.Calls()
	if len(calls) != 1 {
		t.Fatalf("the fake has %d calls, want 1", len(calls))
	}
	c := calls[0]
	if want := (otp.SendResult{Provider: "twilio-eu", ProviderMessageID: c.SID}); res != want || !strings.HasPrefix(c.SID, "CA") {
		t.Errorf("Send = %+v, want %+v with a Call sid (CA…)", res, want)
	}
	form := c.Form
	form.Del("Twiml")
	wantForm := url.Values{
		"To":                  {recipient},
		"From":                {voiceFrom},
		"StatusCallback":      {"https://otpd.example/callbacks/twilio-eu"},
		"StatusCallbackEvent": {"completed"},
	}
	if diff := cmp.Diff(wantForm, form); diff != "" {
		t.Errorf("form without Twiml (-want +got):\n%s", diff)
	}
	wantVerbs := []twiliotest.Verb{
		{Name: "Pause", Attr: map[string]string{"length": "1"}},
		{Name: "Say", Attr: map[string]string{"language": "ru-RU"}, Text: body},
	}
	if diff := cmp.Diff(wantVerbs, c.Verbs); diff != "" {
		t.Errorf("TwiML verbs (-want +got):\n%s", diff)
	}
	if !strings.Contains(c.Twiml, "&lt;Again&gt; &amp;") {
		t.Errorf("Twiml = %s, want the body's <, > and & escaped", c.Twiml)
	}
	if got := strings.Count(c.Twiml, "<Say"); got != 1 {
		t.Errorf("Twiml has %d <Say> verbs, want 1 (the templates repeat the code)", got)
	}
}

func TestVoiceLanguage(t *testing.T) {
	tests := []struct{ locale, want string }{
		{"en", "en-US"},
		{"pt-BR", "pt-BR"},
		{"es", "es-ES"},
		{"de-CH", "de-CH"},
		{"xx", "en-US"},
	}
	s := twiliotest.NewServer(t)
	p := newProvider(t, s, nil)
	for i, tt := range tests {
		if _, err := p.Send(t.Context(), voiceMessage(tt.locale, "one, two")); err != nil {
			t.Fatalf("Send(%s): %v", tt.locale, err)
		}
		verbs := s.Calls()[i].Verbs
		i := slices.IndexFunc(verbs, func(v twiliotest.Verb) bool { return v.Name == "Say" })
		if i < 0 {
			t.Fatalf("locale %s: no <Say> in %+v", tt.locale, verbs)
		}
		if got := verbs[i].Attr["language"]; got != tt.want {
			t.Errorf("locale %s: <Say language=%q>, want %q", tt.locale, got, tt.want)
		}
	}
}

func TestCallerID(t *testing.T) {
	const requested = "+15005550011"
	tests := []struct {
		name     string
		allow    bool
		callerID string
		channel  otp.Channel
		want     string
	}{
		{"sms allowed", true, requested, otp.SMS, requested},
		{"sms not allowed", false, requested, otp.SMS, sender},
		{"sms allowed but none asked", true, "", otp.SMS, sender},
		{"voice allowed", true, requested, otp.Voice, requested},
		{"voice not allowed", false, requested, otp.Voice, sender},
		{"voice allowed but none asked", true, "", otp.Voice, sender},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := twiliotest.NewServer(t)
			p := newProvider(t, s, func(c *twilio.Config) { c.AllowCallerID = tt.allow })
			m := smsMessage("code 1")
			m.Channel, m.CallerID = tt.channel, tt.callerID
			if _, err := p.Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			var got string
			if tt.channel == otp.SMS {
				got = s.Messages()[0].From
			} else {
				got = s.Calls()[0].From
			}
			if got != tt.want {
				t.Errorf("From = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSendUnconfiguredChannel(t *testing.T) {
	s := twiliotest.NewServer(t)
	p := newProvider(t, s, func(c *twilio.Config) { c.From = "Acme" }) // a sender id cannot call
	for _, ch := range []otp.Channel{otp.Voice, otp.Email} {
		m := smsMessage("code 1")
		m.Channel = ch
		_, err := p.Send(t.Context(), m)
		var pe *otp.ProviderError
		if !errors.As(err, &pe) || classOf(pe) != "refused" {
			t.Errorf("Send on %s = %v, want a refused ProviderError so the router fails over at once", ch, err)
		}
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("the fake got %d requests, want none", n)
	}
}

func TestSendRefusals(t *testing.T) {
	tests := []struct {
		name       string
		channel    otp.Channel
		to         string
		fault      *twiliotest.Fault
		badToken   bool
		want       string // transient, refused or permanent
		wantCode   string
		wantRetry  time.Duration
		wantInText string
	}{
		// Twilio's test-credential numbers: the fake answers as Twilio does.
		{name: "invalid number", channel: otp.SMS, to: "+15005550001", want: "permanent", wantCode: "21211"},
		{name: "no route to the number", channel: otp.SMS, to: "+15005550002", want: "refused", wantCode: "21612"},
		{name: "region not enabled", channel: otp.SMS, to: "+15005550003", want: "refused", wantCode: "21408"},
		{name: "unsubscribed", channel: otp.SMS, to: "+15005550004", want: "permanent", wantCode: "21610"},
		{name: "not a mobile", channel: otp.SMS, to: "+15005550009", want: "permanent", wantCode: "21614"},
		{name: "call to invalid number", channel: otp.Voice, to: "+15005550001", want: "permanent", wantCode: "21217"},
		{name: "call unreachable", channel: otp.Voice, to: "+15005550002", want: "permanent", wantCode: "21214"},
		{name: "call geo permission", channel: otp.Voice, to: "+15005550003", want: "refused", wantCode: "21215"},
		{name: "not E.164", channel: otp.SMS, to: "07700900123", want: "permanent", wantCode: "21211"},
		// Scripted failures.
		{name: "bad credentials", channel: otp.SMS, badToken: true, want: "refused", wantCode: "20003"},
		{name: "sender not owned", channel: otp.SMS, fault: ptr(twiliotest.Error(400, 21606, "The From phone number +15005550006 is not a valid, SMS-capable inbound phone number or short code for your account.")), want: "refused", wantCode: "21606"},
		{name: "invalid From", channel: otp.Voice, fault: ptr(twiliotest.Error(400, 21212, "Invalid From Number (caller ID)")), want: "refused", wantCode: "21212"},
		{name: "sender country mismatch", channel: otp.SMS, fault: ptr(twiliotest.Error(400, 21659, "'From' is not a Twilio phone number or Short Code country mismatch")), want: "refused", wantCode: "21659"},
		{name: "sender queue full", channel: otp.SMS, fault: ptr(twiliotest.Error(400, 21611, "This 'From' number has exceeded the maximum number of queued messages")), want: "transient", wantCode: "21611"},
		{name: "unknown 400 code", channel: otp.SMS, fault: ptr(twiliotest.Error(400, 29999, "Something new")), want: "refused", wantCode: "29999"},
		{name: "bare 400", channel: otp.SMS, fault: &twiliotest.Fault{Status: 400}, want: "refused", wantInText: "HTTP 400"},
		{name: "401 without a code", channel: otp.SMS, fault: &twiliotest.Fault{Status: 401}, want: "refused", wantInText: "HTTP 401"},
		{name: "403", channel: otp.Voice, fault: ptr(twiliotest.Error(403, 20403, "Forbidden")), want: "refused", wantCode: "20403"},
		{name: "wrong account", channel: otp.SMS, fault: ptr(twiliotest.Error(404, 20404, "The requested resource was not found")), want: "refused", wantCode: "20404"},
		{name: "422 validation", channel: otp.SMS, fault: ptr(twiliotest.Error(422, 20422, "Invalid parameter")), want: "refused", wantCode: "20422"},
		{name: "408", channel: otp.SMS, fault: &twiliotest.Fault{Status: 408}, want: "transient", wantInText: "HTTP 408"},
		{name: "throttled", channel: otp.SMS, fault: ptr(twiliotest.Throttled("7")), want: "transient", wantCode: "20429", wantRetry: 7 * time.Second},
		{name: "throttled without Retry-After", channel: otp.Voice, fault: ptr(twiliotest.Throttled("")), want: "transient", wantCode: "20429"},
		{name: "bare 429", channel: otp.SMS, fault: &twiliotest.Fault{Status: 429, RetryAfter: "2"}, want: "transient", wantRetry: 2 * time.Second, wantInText: "HTTP 429"},
		{name: "500", channel: otp.SMS, fault: &twiliotest.Fault{Status: 500}, want: "transient", wantInText: "HTTP 500"},
		{name: "503 with Retry-After", channel: otp.Voice, fault: &twiliotest.Fault{Status: 503, Code: 20503, RetryAfter: "30"}, want: "transient", wantCode: "20503", wantRetry: 30 * time.Second},
		{name: "502 from a proxy", channel: otp.SMS, fault: &twiliotest.Fault{Status: 502, Body: "<html>Bad Gateway</html>"}, want: "transient", wantInText: "HTTP 502"},
		{name: "malformed success", channel: otp.SMS, fault: ptr(twiliotest.Malformed()), want: "transient", wantInText: "malformed answer"},
		{name: "success without sid", channel: otp.Voice, fault: &twiliotest.Fault{Status: 201, Body: `{"status": "queued"}`}, want: "transient", wantInText: "no sid"},
		{name: "created already failed", channel: otp.SMS, fault: &twiliotest.Fault{Status: 201, Body: `{"sid": "SM1", "status": "failed", "error_code": 30006, "error_message": "Landline or unreachable carrier"}`}, want: "permanent", wantCode: "30006"},
		{name: "created already filtered", channel: otp.SMS, fault: &twiliotest.Fault{Status: 201, Body: `{"sid": "SM1", "status": "undelivered", "error_code": 30007, "error_message": "Carrier violation"}`}, want: "refused", wantCode: "30007"},
		{name: "redirect", channel: otp.SMS, fault: &twiliotest.Fault{Status: 302, Body: ""}, want: "transient", wantInText: "HTTP 302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := twiliotest.NewServer(t)
			p := newProvider(t, s, func(c *twilio.Config) {
				if tt.badToken {
					c.AuthToken = "wrong"
				}
			})
			if tt.fault != nil {
				s.FailNext(1, *tt.fault)
			}
			to := tt.to
			if to == "" {
				to = recipient
			}
			m := voiceMessage("en", "code 1")
			m.Channel, m.To = tt.channel, to

			_, err := p.Send(t.Context(), m)
			var pe *otp.ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("Send = %v, want a *otp.ProviderError", err)
			}
			if got := classOf(pe); got != tt.want {
				t.Errorf("Send = %v, classified %s, want %s", err, got, tt.want)
			}
			if got := errors.Is(err, otp.ErrPermanent); got != (tt.want == "permanent") {
				t.Errorf("errors.Is(err, ErrPermanent) = %v for a %s refusal", got, tt.want)
			}
			if pe.Provider != "twilio-eu" || pe.Code != tt.wantCode || pe.RetryAfter != tt.wantRetry {
				t.Errorf("error = {Provider %q Code %q RetryAfter %s}, want {twilio-eu %q %s}", pe.Provider, pe.Code, pe.RetryAfter, tt.wantCode, tt.wantRetry)
			}
			if !strings.Contains(err.Error(), tt.wantInText) {
				t.Errorf("error %q does not contain %q", err, tt.wantInText)
			}
			if digits := strings.TrimPrefix(to, "+"); strings.Contains(err.Error(), digits) {
				t.Errorf("error %q contains the recipient's number", err)
			}
			if n := len(s.Messages()) + len(s.Calls()); n != 0 && tt.fault == nil {
				t.Errorf("the fake created %d resources for a refused request", n)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// classOf names a ProviderError's class: transient (retried), refused
// (the next provider at once) or permanent (no provider can help).
func classOf(pe *otp.ProviderError) string {
	switch {
	case pe.Permanent && pe.Refused:
		return "permanent and refused"
	case pe.Permanent:
		return "permanent"
	case pe.Refused:
		return "refused"
	}
	return "transient"
}

// TestUserAgent: every request names otpd and its version, as Meta's
// specification asks of every client and Twilio's support likes to see.
func TestUserAgent(t *testing.T) {
	s := twiliotest.NewServer(t)
	p := newProvider(t, s, nil)
	if _, err := p.Send(t.Context(), smsMessage("code 1")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := p.Send(t.Context(), voiceMessage("en", "code 1")); err != nil {
		t.Fatalf("Send voice: %v", err)
	}
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	reqs := s.Requests()
	if len(reqs) < 3 {
		t.Fatalf("the fake got %d requests, want at least 3", len(reqs))
	}
	for _, r := range reqs {
		if !userAgent.MatchString(r.UserAgent) {
			t.Errorf("%s %s: User-Agent %q, want otpd/x.y.z", r.Method, r.Path, r.UserAgent)
		}
	}
}

var userAgent = regexp.MustCompile(`^otpd/\d+\.\d+\.\d+`)

func TestSendTimeout(t *testing.T) {
	s := twiliotest.NewServer(t)
	p := newProvider(t, s, func(c *twilio.Config) { c.Timeout = 50 * time.Millisecond })
	s.FailNext(1, twiliotest.Slow(time.Minute))
	_, err := p.Send(t.Context(), smsMessage("code 1"))
	var pe *otp.ProviderError
	if !errors.As(err, &pe) || pe.Permanent {
		t.Fatalf("Send = %v, want a transient ProviderError", err)
	}
	if !strings.Contains(err.Error(), "Timeout") && !strings.Contains(err.Error(), "deadline") {
		t.Errorf("error %q does not say it timed out", err)
	}
}

func TestSendHonoursContext(t *testing.T) {
	s := twiliotest.NewServer(t)
	p := newProvider(t, s, nil)
	s.FailNext(1, twiliotest.Slow(time.Minute))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// Cancel once the fake holds the request.
		for len(s.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := p.Send(ctx, smsMessage("code 1"))
	var pe *otp.ProviderError
	if !errors.As(err, &pe) || pe.Permanent || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("Send = %v, want a transient ProviderError for the canceled context", err)
	}
}

// A redirect is never followed, least of all to another host with the
// credentials and the code.
func TestSendDoesNotFollowRedirects(t *testing.T) {
	s := twiliotest.NewServer(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	p := newProvider(t, s, func(c *twilio.Config) { c.BaseURL = redirector.URL })
	_, err := p.Send(t.Context(), smsMessage("code 1"))
	var pe *otp.ProviderError
	if !errors.As(err, &pe) || pe.Permanent {
		t.Fatalf("Send = %v, want a transient ProviderError", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("the redirect target got %d requests, want none", n)
	}
}

func TestSendWithAPIKey(t *testing.T) {
	s := twiliotest.NewServer(t)
	s.AddAPIKey(apiKeySID, "key-secret")
	p := newProvider(t, s, func(c *twilio.Config) { c.AuthToken, c.APIKeySID, c.APIKeySecret = "", apiKeySID, "key-secret" })
	if _, err := p.Send(t.Context(), smsMessage("code 1")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if reqs := s.Requests(); len(reqs) != 1 || reqs[0].User != apiKeySID {
		t.Errorf("requests = %+v, want one authenticated with the API key", reqs)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*twilio.Config)
		status   string
		fault    *twiliotest.Fault
		wantErr  string // substring; "" for success
		wantPath string
	}{
		{name: "active account", wantPath: ".json"},
		{name: "wrong token", edit: func(c *twilio.Config) { c.AuthToken = "wrong" }, wantErr: "20003"},
		{name: "wrong account", edit: func(c *twilio.Config) { c.AccountSID = "AC00000000000000000000000000000000" }, wantErr: "20003"},
		{name: "suspended", status: "suspended", wantErr: "suspended"},
		{name: "server error", fault: &twiliotest.Fault{Status: 500}, wantErr: "HTTP 500"},
		{name: "malformed", fault: &twiliotest.Fault{Status: 200, Body: "{"}, wantErr: "malformed"},
		{name: "api key", edit: func(c *twilio.Config) { c.APIKeySID, c.APIKeySecret = apiKeySID, "key-secret" }, wantPath: "/Messages.json"},
		{name: "wrong api key secret", edit: func(c *twilio.Config) { c.APIKeySID, c.APIKeySecret = apiKeySID, "nope" }, wantErr: "20003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := twiliotest.NewServer(t)
			s.AddAPIKey(apiKeySID, "key-secret")
			if tt.status != "" {
				s.SetAccountStatus(tt.status)
			}
			if tt.fault != nil {
				s.FailNext(1, *tt.fault)
			}
			p := newProvider(t, s, tt.edit)
			err := p.Check(t.Context())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Check = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Check = %v, want an error containing %q", err, tt.wantErr)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodGet || !strings.HasSuffix(reqs[0].Path, tt.wantPath) {
				t.Errorf("requests = %+v, want one GET …%s", reqs, tt.wantPath)
			}
			if n := len(s.Messages()) + len(s.Calls()); n != 0 {
				t.Errorf("Check created %d resources, want none", n)
			}
		})
	}
}
