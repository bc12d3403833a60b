package vonage_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/vonage"
	"github.com/otpd/otpd/internal/provider/vonage/vonagetest"
)

// newProvider returns a provider pointed at fake, with SMS and voice
// configured, after edit has changed its configuration.
func newProvider(t *testing.T, fake *vonagetest.Server, edit func(*vonage.Config)) *vonage.Provider {
	t.Helper()
	c := vonage.Config{
		Name:            "vonage-test",
		APIKey:          fake.APIKey,
		APISecret:       fake.APISecret,
		SignatureSecret: fake.SignatureSecret,
		From:            "AcmeInc",
		ApplicationID:   fake.ApplicationID,
		PrivateKey:      fake.PrivateKeyPEM(),
		VoiceFrom:       "+447700900001",
		SMSBaseURL:      fake.URL,
		VoiceBaseURL:    fake.URL,
	}
	if edit != nil {
		edit(&c)
	}
	p, err := vonage.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func smsMessage() otp.OutgoingMessage {
	return otp.OutgoingMessage{
		ID: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70", To: "+447700900123", Channel: otp.SMS,
		Locale: "en", Code: "482913", Body: "Your Acme code is 482913.",
	}
}

// providerError asserts that err is a *otp.ProviderError and returns it.
func providerError(t *testing.T, err error) *otp.ProviderError {
	t.Helper()
	var pe *otp.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want *otp.ProviderError", err, err)
	}
	if pe.Provider != "vonage-test" {
		t.Errorf("ProviderError.Provider = %q, want vonage-test", pe.Provider)
	}
	if strings.Contains(pe.Message, "447700900123") {
		t.Errorf("ProviderError.Message %q contains the phone number", pe.Message)
	}
	return pe
}

func TestValidate(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	valid := vonage.Config{
		APIKey: "abcd1234", APISecret: "abcdef0123456789", From: "+447700900001",
		ApplicationID: vonagetest.DefaultApplicationID, PrivateKey: fake.PrivateKeyPEM(),
	}
	tests := []struct {
		name string
		edit func(*vonage.Config)
		want string // substring of the error; "" for none
	}{
		{"valid", func(*vonage.Config) {}, ""},
		{"sms only", func(c *vonage.Config) { c.ApplicationID, c.PrivateKey = "", "" }, ""},
		{"alphanumeric sender", func(c *vonage.Config) { c.From, c.VoiceFrom = "AcmeInc", "+447700900001" }, ""},
		{"escaped newlines in key", func(c *vonage.Config) { c.PrivateKey = strings.ReplaceAll(c.PrivateKey, "\n", `\n`) }, ""},
		{"all signature options", func(c *vonage.Config) { c.SignatureSecret, c.SignatureMethod = "s", "sha512" }, ""},
		{"no api_key", func(c *vonage.Config) { c.APIKey = "" }, "api_key is required"},
		{"no api_secret", func(c *vonage.Config) { c.APISecret = "" }, "api_secret is required"},
		{"no from", func(c *vonage.Config) { c.From = "" }, "from is required"},
		{"long sender id", func(c *vonage.Config) { c.From = "AcmeIncorporated" }, "from must be"},
		{"bad signature_method", func(c *vonage.Config) { c.SignatureSecret, c.SignatureMethod = "s", "sha3" }, "signature_method must be one of"},
		{"method without secret", func(c *vonage.Config) { c.SignatureMethod = "sha256" }, "signature_secret is required"},
		{"application without key", func(c *vonage.Config) { c.PrivateKey = "" }, "private_key is required"},
		{"key without application", func(c *vonage.Config) { c.ApplicationID = "" }, "application_id is required"},
		{"bad application_id", func(c *vonage.Config) { c.ApplicationID = "app-1" }, "application_id must be a UUID"},
		{"key not PEM", func(c *vonage.Config) { c.PrivateKey = "secret" }, "private_key: not a PEM"},
		{"key not private", func(c *vonage.Config) {
			c.PrivateKey = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
		}, "private_key: a PEM block"},
		{"bad voice_from", func(c *vonage.Config) { c.VoiceFrom = "Acme" }, "voice_from must be"},
		{"voice needs a number", func(c *vonage.Config) { c.From = "AcmeInc" }, "voice_from is required"},
		{"bad voice_event_url", func(c *vonage.Config) { c.VoiceEventURL = "/events" }, "voice_event_url must be"},
		{"bad dlr_callback_url", func(c *vonage.Config) { c.DLRCallbackURL = "ftp://x" }, "dlr_callback_url must be"},
		{"bad sms_base_url", func(c *vonage.Config) { c.SMSBaseURL = "rest.nexmo.com" }, "sms_base_url must be"},
		{"bad voice_base_url", func(c *vonage.Config) { c.VoiceBaseURL = "::" }, "voice_base_url must be"},
		{"negative timeout", func(c *vonage.Config) { c.Timeout = -time.Second }, "timeout must be"},
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
			if _, nerr := vonage.New(c); (nerr == nil) != (err == nil) {
				t.Errorf("New error = %v, Validate error = %v; want both or neither", nerr, err)
			}
		})
	}
}

func TestChannels(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	tests := []struct {
		name string
		edit func(*vonage.Config)
		want []otp.Channel
	}{
		{"sms and voice", nil, []otp.Channel{otp.SMS, otp.Voice}},
		{"sms only", func(c *vonage.Config) { c.ApplicationID, c.PrivateKey = "", "" }, []otp.Channel{otp.SMS}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, newProvider(t, fake, tt.edit).Channels()); diff != "" {
				t.Errorf("Channels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendSMS(t *testing.T) {
	tests := []struct {
		name string
		edit func(*vonage.Config)
		msg  func(*otp.OutgoingMessage)
		want vonagetest.SMS
	}{
		{
			name: "gsm text",
			want: vonagetest.SMS{From: "AcmeInc", To: "447700900123", Text: "Your Acme code is 482913.", Type: "text",
				ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70"},
		},
		{
			name: "gsm extension characters stay text",
			msg:  func(m *otp.OutgoingMessage) { m.Body = "Code [482913] {ok} €5 ^~|\\ àé" },
			want: vonagetest.SMS{From: "AcmeInc", To: "447700900123", Text: "Code [482913] {ok} €5 ^~|\\ àé", Type: "text",
				ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70"},
		},
		{
			name: "cyrillic is unicode",
			msg:  func(m *otp.OutgoingMessage) { m.Body = "Ваш код 482913" },
			want: vonagetest.SMS{From: "AcmeInc", To: "447700900123", Text: "Ваш код 482913", Type: "unicode",
				ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70"},
		},
		{
			name: "emoji is unicode",
			msg:  func(m *otp.OutgoingMessage) { m.Body = "Code 482913 🔐" },
			want: vonagetest.SMS{From: "AcmeInc", To: "447700900123", Text: "Code 482913 🔐", Type: "unicode",
				ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70"},
		},
		{
			name: "number sender and callback",
			edit: func(c *vonage.Config) {
				c.From, c.DLRCallbackURL = "+447700900001", "https://otpd.example.com/callbacks/vonage"
			},
			want: vonagetest.SMS{From: "447700900001", To: "447700900123", Text: "Your Acme code is 482913.", Type: "text",
				ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70", Callback: "https://otpd.example.com/callbacks/vonage"},
		},
		{
			name: "caller id allowed",
			edit: func(c *vonage.Config) { c.AllowCallerID = true },
			msg:  func(m *otp.OutgoingMessage) { m.CallerID = "Globex" },
			want: vonagetest.SMS{From: "Globex", To: "447700900123", Text: "Your Acme code is 482913.", Type: "text",
				ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70"},
		},
		{
			name: "caller id not allowed",
			msg:  func(m *otp.OutgoingMessage) { m.CallerID = "Globex" },
			want: vonagetest.SMS{From: "AcmeInc", To: "447700900123", Text: "Your Acme code is 482913.", Type: "text",
				ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70"},
		},
		{
			name: "invalid caller id ignored",
			edit: func(c *vonage.Config) { c.AllowCallerID = true },
			msg:  func(m *otp.OutgoingMessage) { m.CallerID = "Globex Corporation" },
			want: vonagetest.SMS{From: "AcmeInc", To: "447700900123", Text: "Your Acme code is 482913.", Type: "text",
				ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			p := newProvider(t, fake, tt.edit)
			m := smsMessage()
			if tt.msg != nil {
				tt.msg(&m)
			}
			res, err := p.Send(t.Context(), m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := fake.SMS()
			if len(got) != 1 {
				t.Fatalf("fake received %d SMS, want 1", len(got))
			}
			if want := (otp.SendResult{Provider: "vonage-test", ProviderMessageID: got[0].MessageIDs[0]}); res != want {
				t.Errorf("Send = %+v, want %+v", res, want)
			}
			tt.want.MessageIDs = got[0].MessageIDs
			if diff := cmp.Diff(tt.want, got[0]); diff != "" {
				t.Errorf("SMS received (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendSMSMultipart(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, nil)
	m := smsMessage()
	m.Body = strings.Repeat("Ваш код 482913. ", 10) // 160 UCS-2 units: three parts
	res, err := p.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := fake.SMS()
	if len(got) != 1 || len(got[0].MessageIDs) != 3 {
		t.Fatalf("fake received %+v, want one SMS in three parts", got)
	}
	if res.ProviderMessageID != got[0].MessageIDs[0] {
		t.Errorf("ProviderMessageID = %q, want the first part's %q", res.ProviderMessageID, got[0].MessageIDs[0])
	}
}

func TestSendRefusesBadRecipientLocally(t *testing.T) {
	for _, to := range []string{"", "447700900123", "+44 7700 900123", "user@example.com", "+0123456789"} {
		t.Run(to, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			m := smsMessage()
			m.To = to
			_, err := newProvider(t, fake, nil).Send(t.Context(), m)
			if pe := providerError(t, err); !pe.Permanent {
				t.Errorf("error %v is transient, want permanent", err)
			}
			if n := len(fake.SMS()); n != 0 {
				t.Errorf("fake received %d SMS, want none", n)
			}
		})
	}
}

func TestSendUnconfiguredChannel(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	tests := []struct {
		name    string
		edit    func(*vonage.Config)
		channel otp.Channel
	}{
		{"email", nil, otp.Email},
		{"voice without application", func(c *vonage.Config) { c.ApplicationID, c.PrivateKey = "", "" }, otp.Voice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := smsMessage()
			m.Channel = tt.channel
			_, err := newProvider(t, fake, tt.edit).Send(t.Context(), m)
			if pe := providerError(t, err); classOf(pe) != "refused" {
				t.Errorf("error %v is %s; an unconfigured channel is refused so the router fails over at once", err, classOf(pe))
			}
		})
	}
}

func TestSMSStatuses(t *testing.T) {
	tests := []struct {
		status, text string
		class        string // transient, refused or permanent
		retryAfter   time.Duration
	}{
		{"1", "Throttled", "transient", time.Second},
		{"2", "Missing from param", "refused", 0},
		{"3", "Invalid to address", "permanent", 0},
		{"3", "Invalid 'to' parameter", "permanent", 0},
		{"3", "Invalid from param", "refused", 0},
		{"3", "Invalid value for ttl", "refused", 0},
		{"4", "Bad Credentials", "refused", 0},
		{"5", "Internal Error", "transient", 0},
		{"6", "Invalid Message", "refused", 0},
		{"7", "Number barred", "permanent", 0},
		{"8", "Partner account barred", "refused", 0},
		{"9", "Partner quota exceeded", "refused", 0},
		{"10", "Too many existing binds", "transient", time.Second},
		{"11", "Account not enabled for HTTP", "refused", 0},
		{"12", "Message too long", "refused", 0},
		{"14", "Invalid Signature", "refused", 0},
		{"15", "Illegal Sender Address - rejected", "refused", 0},
		{"22", "Invalid Network Code", "refused", 0},
		{"23", "Invalid Callback Url", "refused", 0},
		{"29", "Non White-listed Destination - rejected", "refused", 0},
		{"32", "Signature and api secret disallowed", "refused", 0},
		{"33", "Number de-activated", "permanent", 0},
		{"99", "Something new", "transient", 0},
		{"7", "", "permanent", 0},
	}
	for _, tt := range tests {
		t.Run(tt.status+" "+tt.text, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			fake.FailNext(vonagetest.PathSMS, vonagetest.Failure{Status: tt.status, ErrorText: tt.text})
			_, err := newProvider(t, fake, nil).Send(t.Context(), smsMessage())
			pe := providerError(t, err)
			if pe.Code != tt.status {
				t.Errorf("Code = %q, want %q", pe.Code, tt.status)
			}
			if got := classOf(pe); got != tt.class {
				t.Errorf("classified %s, want %s (%v)", got, tt.class, err)
			}
			if got := errors.Is(err, otp.ErrPermanent); got != (tt.class == "permanent") {
				t.Errorf("errors.Is(err, ErrPermanent) = %v for a %s refusal", got, tt.class)
			}
			if pe.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, tt.retryAfter)
			}
			if pe.Message == "" {
				t.Error("Message is empty")
			}
		})
	}
}

func TestSMSWrongCredentials(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, func(c *vonage.Config) { c.APISecret = "wrong-secret-000" })
	_, err := p.Send(t.Context(), smsMessage())
	pe := providerError(t, err)
	if pe.Code != "4" || classOf(pe) != "refused" {
		t.Errorf("error = %+v, want status 4 refused", pe)
	}
	if strings.Contains(err.Error(), "wrong-secret-000") {
		t.Errorf("error %q contains the API secret", err)
	}
}

func TestSMSTransportFailures(t *testing.T) {
	tests := []struct {
		name       string
		failure    vonagetest.Failure
		timeout    time.Duration
		class      string
		code       string
		retryAfter time.Duration
	}{
		{"429 with Retry-After", vonagetest.Failure{HTTPStatus: 429, RetryAfter: "7"}, 0, "transient", "429", 7 * time.Second},
		{"429 without Retry-After", vonagetest.Failure{HTTPStatus: 429}, 0, "transient", "429", 0},
		{"400", vonagetest.Failure{HTTPStatus: 400}, 0, "refused", "400", 0},
		{"401", vonagetest.Failure{HTTPStatus: 401}, 0, "refused", "401", 0},
		{"403", vonagetest.Failure{HTTPStatus: 403}, 0, "refused", "403", 0},
		{"422", vonagetest.Failure{HTTPStatus: 422}, 0, "refused", "422", 0},
		{"408", vonagetest.Failure{HTTPStatus: 408}, 0, "transient", "408", 0},
		{"500", vonagetest.Failure{HTTPStatus: 500}, 0, "transient", "500", 0},
		{"503", vonagetest.Failure{HTTPStatus: 503, RetryAfter: "2"}, 0, "transient", "503", 0},
		{"malformed", vonagetest.Failure{Malformed: true}, 0, "transient", "", 0},
		{"timeout", vonagetest.Failure{Delay: time.Minute}, 50 * time.Millisecond, "transient", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			fake.FailNext(vonagetest.PathSMS, tt.failure)
			p := newProvider(t, fake, func(c *vonage.Config) { c.Timeout = tt.timeout })
			_, err := p.Send(t.Context(), smsMessage())
			pe := providerError(t, err)
			if got := classOf(pe); got != tt.class {
				t.Errorf("classified %s, want %s (%v)", got, tt.class, err)
			}
			if pe.Code != tt.code {
				t.Errorf("Code = %q, want %q", pe.Code, tt.code)
			}
			if pe.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, tt.retryAfter)
			}
			if strings.Contains(err.Error(), fake.APISecret) {
				t.Errorf("error %q contains the API secret", err)
			}
		})
	}
}

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

// TestUserAgent: the SMS API, the Voice API and the account API are all
// told otpd's name and version, not Go's default.
func TestUserAgent(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, nil)
	if _, err := p.Send(t.Context(), smsMessage()); err != nil {
		t.Fatalf("Send SMS: %v", err)
	}
	if _, err := p.Send(t.Context(), voiceMessage()); err != nil {
		t.Fatalf("Send voice: %v", err)
	}
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	reqs := fake.Requests()
	paths := map[string]bool{}
	for _, r := range reqs {
		paths[r.Path] = true
		if !regexp.MustCompile(`^otpd/\d+\.\d+\.\d+`).MatchString(r.UserAgent) {
			t.Errorf("%s %s: User-Agent %q, want otpd/x.y.z", r.Method, r.Path, r.UserAgent)
		}
	}
	for _, p := range []string{vonagetest.PathSMS, vonagetest.PathCalls, vonagetest.PathBalance} {
		if !paths[p] {
			t.Errorf("no request to %s among %+v", p, reqs)
		}
	}
}

func TestSendHonoursContext(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	fake.FailNext(vonagetest.PathSMS, vonagetest.Failure{Delay: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newProvider(t, fake, nil).Send(ctx, smsMessage())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v, want context.Canceled", err)
	}
}
