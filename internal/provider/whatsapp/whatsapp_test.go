package whatsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/whatsapp"
	"github.com/otpd/otpd/internal/provider/whatsapp/whatsapptest"
)

const (
	recipient = "+447700900123"
	code      = "482913"
	tmpl      = "otp_copy_code"
)

// newProvider returns a provider for the fake's number, whose template is
// approved in en_US and ru; edit adjusts the configuration first.
func newProvider(t *testing.T, s *whatsapptest.Server, edit func(*whatsapp.Config)) *whatsapp.Provider {
	t.Helper()
	s.AddTemplate(tmpl, "en_US", "ru")
	c := whatsapp.Config{
		Name: "whatsapp-main", AccessToken: s.AccessToken, PhoneNumberID: s.PhoneNumberID,
		Template: tmpl, BaseURL: s.URL, AppSecret: s.AppSecret, VerifyToken: "let-me-in",
	}
	if edit != nil {
		edit(&c)
	}
	p, err := whatsapp.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func message() otp.OutgoingMessage {
	return otp.OutgoingMessage{
		ID: "dlv_1", To: recipient, Channel: otp.WhatsApp, Locale: "en", Code: code,
		Body: "Your Acme code is " + code + ".", Attempt: 1, ExpiresAt: time.Now().Add(5 * time.Minute),
	}
}

func TestValidate(t *testing.T) {
	valid := whatsapp.Config{AccessToken: "EAAJB", PhoneNumberID: "106540352242922", Template: tmpl}
	tests := []struct {
		name string
		edit func(*whatsapp.Config)
		want string // substring of the error; "" for valid
	}{
		{"valid", func(*whatsapp.Config) {}, ""},
		{"everything", func(c *whatsapp.Config) {
			c.APIVersion, c.TemplateLanguages, c.LanguageFallback = "v22.0", []string{"ru", "en_GB"}, "en_GB"
			c.AppSecret, c.VerifyToken, c.BaseURL, c.Timeout = "s", "v", "http://127.0.0.1:1", time.Second
		}, ""},
		{"no token", func(c *whatsapp.Config) { c.AccessToken = "" }, "access_token is required"},
		{"no phone number id", func(c *whatsapp.Config) { c.PhoneNumberID = "" }, "phone_number_id is required"},
		{"phone number instead of id", func(c *whatsapp.Config) { c.PhoneNumberID = "+15550100" }, "phone_number_id must be"},
		{"bad version", func(c *whatsapp.Config) { c.APIVersion = "21.0" }, "api_version must look like v21.0"},
		{"no template", func(c *whatsapp.Config) { c.Template = "" }, "template is required"},
		{"bad template", func(c *whatsapp.Config) { c.Template = "OTP Code" }, "template must be"},
		{"bad template language", func(c *whatsapp.Config) { c.TemplateLanguages = []string{"en-US"} }, "template_languages"},
		{"bad fallback", func(c *whatsapp.Config) { c.LanguageFallback = "english" }, "language_fallback"},
		{"fallback not among languages", func(c *whatsapp.Config) { c.TemplateLanguages = []string{"ru"} }, `language_fallback "en_US" must be one of template_languages`},
		{"verify token without secret", func(c *whatsapp.Config) { c.VerifyToken = "v" }, "app_secret is required with verify_token"},
		{"bad base url", func(c *whatsapp.Config) { c.BaseURL = "graph.facebook.com" }, "base_url must be"},
		{"negative timeout", func(c *whatsapp.Config) { c.Timeout = -time.Second }, "timeout must be"},
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
			if _, newErr := whatsapp.New(c); (newErr == nil) != (err == nil) {
				t.Errorf("New() error = %v, Validate() = %v; want them to agree", newErr, err)
			}
		})
	}
}

func TestChannels(t *testing.T) {
	p := newProvider(t, whatsapptest.NewServer(t), nil)
	if diff := cmp.Diff([]otp.Channel{otp.WhatsApp}, p.Channels()); diff != "" {
		t.Errorf("Channels() (-want +got):\n%s", diff)
	}
}

func TestSend(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, nil)
	res, err := p.Send(t.Context(), message())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the fake has %d messages, want 1", len(msgs))
	}
	if want := (otp.SendResult{Provider: "whatsapp-main", ProviderMessageID: msgs[0].ID}); res != want || !strings.HasPrefix(res.ProviderMessageID, "wamid.") {
		t.Errorf("Send = %+v, want %+v with a wamid", res, want)
	}
	var got any
	if err := json.Unmarshal(msgs[0].Raw, &got); err != nil {
		t.Fatalf("request body: %v", err)
	}
	var want any
	json.Unmarshal([]byte(`{
		"messaging_product": "whatsapp",
		"recipient_type": "individual",
		"to": "+447700900123",
		"type": "template",
		"template": {
			"name": "otp_copy_code",
			"language": {"policy": "deterministic", "code": "en_US"},
			"components": [
				{"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
				{"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "482913"}]}
			]
		}
	}`), &want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request body (-want +got):\n%s", diff)
	}
	reqs := s.Requests()
	wantPath := "/" + whatsapp.DefaultAPIVersion + "/" + s.PhoneNumberID + "/messages"
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != wantPath ||
		reqs[0].Authorization != "Bearer "+s.AccessToken || reqs[0].ContentType != "application/json" {
		t.Errorf("requests = %+v, want one JSON POST to %s with the bearer token", reqs, wantPath)
	}
}

func TestSendAPIVersion(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, func(c *whatsapp.Config) { c.APIVersion = "v23.0" })
	if _, err := p.Send(t.Context(), message()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got, want := s.Requests()[0].Path, "/v23.0/"+s.PhoneNumberID+"/messages"; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
}

func TestTemplateLanguage(t *testing.T) {
	tests := []struct {
		name      string
		languages []string // template_languages; nil: any WhatsApp language
		fallback  string
		locale    string
		want      string
	}{
		{"en", nil, "", "en", "en_US"},
		{"en-GB", nil, "", "en-GB", "en_GB"},
		{"en-IN", nil, "", "en-IN", "en_US"},
		{"ru", nil, "", "ru", "ru"},
		{"ru-RU", nil, "", "ru-RU", "ru"},
		{"pt", nil, "", "pt", "pt_BR"},
		{"pt-PT", nil, "", "pt-PT", "pt_PT"},
		{"es-MX", nil, "", "es-MX", "es_MX"},
		{"es-CO", nil, "", "es-CO", "es"},
		{"zh-Hant", nil, "", "zh-Hant", "zh_TW"},
		{"zh-Hant-HK", nil, "", "zh-Hant-HK", "zh_HK"},
		{"zh", nil, "", "zh", "zh_CN"},
		{"Norwegian", nil, "", "no", "nb"},
		{"Filipino", nil, "", "tl", "fil"},
		{"Kinyarwanda", nil, "", "rw", "rw_RW"},
		{"underscore", nil, "", "pt_BR", "pt_BR"},
		{"unsupported", nil, "", "xx", "en_US"},
		{"unsupported to fallback", nil, "es", "xx", "es"},
		{"empty", nil, "", "", "en_US"},
		{"configured bare", []string{"en_US", "ru"}, "", "ru-RU", "ru"},
		{"configured region", []string{"en_GB", "ru"}, "en_GB", "en", "en_GB"},
		{"configured lacks the language", []string{"en_US", "ru"}, "", "de", "en_US"},
		{"configured lacks the region", []string{"en_US", "pt_PT"}, "", "pt-BR", "pt_PT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := whatsapptest.NewServer(t)
			s.AddTemplate(tmpl, tt.want)
			p := newProvider(t, s, func(c *whatsapp.Config) { c.TemplateLanguages, c.LanguageFallback = tt.languages, tt.fallback })
			m := message()
			m.Locale = tt.locale
			if _, err := p.Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := s.Messages()[0].Language; got != tt.want {
				t.Errorf("locale %q: template language %q, want %q", tt.locale, got, tt.want)
			}
		})
	}
}

// refusal is what a test expects of a failed Send or Check.
type refusal struct {
	permanent  bool
	refused    bool // Meta will not take it from us: the router fails over at once
	code       string
	retryAfter time.Duration
	message    string // substring of the error
}

// checkRefusal checks that err is a ProviderError from the named provider
// as described, and that it gives away neither the code nor the number.
func checkRefusal(t *testing.T, err error, want refusal) {
	t.Helper()
	var pe *otp.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want an *otp.ProviderError", err, err)
	}
	if pe.Provider != "whatsapp-main" || pe.Permanent != want.permanent || pe.Refused != want.refused || pe.Code != want.code || pe.RetryAfter != want.retryAfter {
		t.Errorf("error = %+v, want provider whatsapp-main, permanent %v, refused %v, code %q, retry after %v",
			*pe, want.permanent, want.refused, want.code, want.retryAfter)
	}
	if errors.Is(err, otp.ErrPermanent) != want.permanent {
		t.Errorf("errors.Is(err, ErrPermanent) = %v, want %v", !want.permanent, want.permanent)
	}
	if !strings.Contains(err.Error(), want.message) {
		t.Errorf("error = %q, want it to contain %q", err, want.message)
	}
	for _, secret := range []string{code, recipient, strings.TrimPrefix(recipient, "+")} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q gives away %q", err, secret)
		}
	}
}

func TestSendRefusals(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*whatsapptest.Server, *whatsapp.Config, *otp.OutgoingMessage)
		want     refusal
		requests int
	}{
		{"undeliverable", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Fault{Status: 400, Code: 131026, Message: "(#131026) Message undeliverable",
				Details: "Message Undeliverable to +447700900123"})
		}, refusal{permanent: true, code: "131026", message: "Message undeliverable"}, 1},
		{"recipient is sender", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(400, 131021, "(#131021) Recipient cannot be sender"))
		}, refusal{permanent: true, code: "131021", message: "Recipient cannot be sender"}, 1},
		{"re-engagement", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(400, 131047, "(#131047) Re-engagement message"))
		}, refusal{refused: true, code: "131047", message: "Re-engagement"}, 1},
		{"expired token", func(_ *whatsapptest.Server, c *whatsapp.Config, _ *otp.OutgoingMessage) {
			c.AccessToken = "EAAJBexpired"
		}, refusal{refused: true, code: "190", message: "Invalid OAuth access token"}, 1},
		{"wrong phone number id", func(_ *whatsapptest.Server, c *whatsapp.Config, _ *otp.OutgoingMessage) {
			c.PhoneNumberID = "1065403522429"
		}, refusal{refused: true, code: "100", message: "does not exist"}, 1},
		{"template missing in the language", func(_ *whatsapptest.Server, c *whatsapp.Config, _ *otp.OutgoingMessage) {
			c.TemplateLanguages = []string{"en_GB"}
			c.LanguageFallback = "en_GB"
		}, refusal{refused: true, code: "132001", message: "does not exist in the translation"}, 1},
		{"unknown template", func(_ *whatsapptest.Server, c *whatsapp.Config, _ *otp.OutgoingMessage) {
			c.Template = "no_such_template"
		}, refusal{refused: true, code: "132001", message: "Template name does not exist"}, 1},
		{"template paused", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(400, 132015, "(#132015) Template is paused"))
		}, refusal{refused: true, code: "132015", message: "paused"}, 1},
		{"permission", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(403, 200, "(#200) Permissions error"))
		}, refusal{refused: true, code: "200", message: "Permissions"}, 1},
		{"recipient not in the allowed list", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(400, 131030, "(#131030) Recipient phone number not in allowed list"))
		}, refusal{refused: true, code: "131030", message: "allowed list"}, 1},
		{"permission denied", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(403, 10, "(#10) Application does not have permission for this action"))
		}, refusal{refused: true, code: "10", message: "permission"}, 1},
		{"template parameter mismatch", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(400, 132000, "(#132000) Number of parameters does not match"))
		}, refusal{refused: true, code: "132000", message: "Number of parameters"}, 1},
		{"unknown code with HTTP 400", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(400, 139999, "(#139999) Something new"))
		}, refusal{refused: true, code: "139999", message: "Something new"}, 1},
		{"unknown code Meta calls transient", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Fault{Status: 400, Body: `{"error":{"message":"(#139998) Try again","type":"OAuthException","code":139998,"is_transient":true}}`})
		}, refusal{code: "139998", message: "Try again"}, 1},
		{"unknown code with HTTP 500", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(500, 139997, "(#139997) Something broke"))
		}, refusal{code: "139997", message: "Something broke"}, 1},
		{"something went wrong", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(500, 131000, "(#131000) Something went wrong"))
		}, refusal{code: "131000", message: "Something went wrong"}, 1},
		{"api service", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(500, 2, "(#2) Service temporarily unavailable"))
		}, refusal{code: "2", message: "temporarily unavailable"}, 1},
		{"bare 401", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.HTTPError(http.StatusUnauthorized, ""))
		}, refusal{refused: true, message: "HTTP 401"}, 1},
		{"throughput", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.RateLimited(130429, 0))
		}, refusal{code: "130429", retryAfter: time.Second, message: "Rate limit hit"}, 1},
		{"pair rate limit", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.RateLimited(131056, 0))
		}, refusal{code: "131056", retryAfter: 6 * time.Second, message: "Rate limit"}, 1},
		{"account rate limit with usage header", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.RateLimited(80007, 3))
		}, refusal{code: "80007", retryAfter: 3 * time.Minute, message: "Rate limit"}, 1},
		{"app rate limit with retry-after", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			f := whatsapptest.RateLimited(4, 0)
			f.RetryAfter = "45"
			s.FailNext(1, f)
		}, refusal{code: "4", retryAfter: 45 * time.Second, message: "Rate limit"}, 1},
		{"spam rate limit", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.RateLimited(131048, 0))
		}, refusal{code: "131048", message: "Rate limit"}, 1},
		{"bare 429", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.HTTPError(http.StatusTooManyRequests, "12"))
		}, refusal{retryAfter: 12 * time.Second, message: "HTTP 429"}, 1},
		{"service unavailable", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Error(503, 131016, "(#131016) Service unavailable"))
		}, refusal{code: "131016", message: "Service unavailable"}, 1},
		{"bad gateway", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.HTTPError(http.StatusBadGateway, ""))
		}, refusal{message: "HTTP 502"}, 1},
		{"malformed", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Malformed())
		}, refusal{message: "malformed answer"}, 1},
		{"no message id", func(s *whatsapptest.Server, _ *whatsapp.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, whatsapptest.Fault{Status: 200, Body: `{"messaging_product":"whatsapp","messages":[]}`})
		}, refusal{message: "no message id"}, 1},
		{"timeout", func(s *whatsapptest.Server, c *whatsapp.Config, _ *otp.OutgoingMessage) {
			c.Timeout = 50 * time.Millisecond
			s.FailNext(1, whatsapptest.Slow(10*time.Second))
		}, refusal{message: "request failed"}, 1},
		{"not e164", func(_ *whatsapptest.Server, _ *whatsapp.Config, m *otp.OutgoingMessage) {
			m.To = "07700900123"
		}, refusal{permanent: true, message: "not an E.164"}, 0},
		{"code too long", func(_ *whatsapptest.Server, _ *whatsapp.Config, m *otp.OutgoingMessage) {
			m.Code = "1234567890123456"
		}, refusal{refused: true, message: "at most 15 characters"}, 0},
		{"other channel", func(_ *whatsapptest.Server, _ *whatsapp.Config, m *otp.OutgoingMessage) {
			m.Channel = otp.SMS
		}, refusal{refused: true, message: "not served"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := whatsapptest.NewServer(t)
			s.AddTemplate(tmpl, "en_US")
			c := whatsapp.Config{
				Name: "whatsapp-main", AccessToken: s.AccessToken, PhoneNumberID: s.PhoneNumberID,
				Template: tmpl, BaseURL: s.URL,
			}
			m := message()
			tt.setup(s, &c, &m)
			p, err := whatsapp.New(c)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			res, err := p.Send(t.Context(), m)
			if err == nil {
				t.Fatalf("Send = %+v, want an error", res)
			}
			checkRefusal(t, err, tt.want)
			if got := len(s.Requests()); got != tt.requests {
				t.Errorf("the fake got %d requests, want %d", got, tt.requests)
			}
		})
	}
}

// TestUserAgent: Meta's specification wants name/x.y.z, and the fake
// refuses anything else.
func TestUserAgent(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, nil)
	if _, err := p.Send(t.Context(), message()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("the fake got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if !regexp.MustCompile(`^otpd/\d+\.\d+\.\d+`).MatchString(r.UserAgent) {
			t.Errorf("%s %s: User-Agent %q, want otpd/x.y.z", r.Method, r.Path, r.UserAgent)
		}
	}
}

func TestSendHonoursContext(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := p.Send(ctx, message())
	checkRefusal(t, err, refusal{message: "context canceled"})
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*whatsapptest.Server, *whatsapp.Config)
		want  *refusal // nil: the check passes
	}{
		{"connected", func(*whatsapptest.Server, *whatsapp.Config) {}, nil},
		{"flagged but sending", func(s *whatsapptest.Server, _ *whatsapp.Config) { s.SetStatus("FLAGGED") }, nil},
		{"banned", func(s *whatsapptest.Server, _ *whatsapp.Config) { s.SetStatus("BANNED") },
			&refusal{refused: true, message: "status is BANNED"}},
		{"expired token", func(_ *whatsapptest.Server, c *whatsapp.Config) { c.AccessToken = "EAAJBexpired" },
			&refusal{refused: true, code: "190", message: "Invalid OAuth access token"}},
		{"wrong id", func(_ *whatsapptest.Server, c *whatsapp.Config) { c.PhoneNumberID = "1065403522429" },
			&refusal{refused: true, code: "100", message: "does not exist"}},
		{"down", func(s *whatsapptest.Server, _ *whatsapp.Config) {
			s.FailNext(1, whatsapptest.HTTPError(http.StatusServiceUnavailable, ""))
		}, &refusal{message: "HTTP 503"}},
		{"another number's answer", func(s *whatsapptest.Server, _ *whatsapp.Config) {
			s.FailNext(1, whatsapptest.Fault{Status: 200, Body: `{"id":"42","status":"CONNECTED"}`})
		}, &refusal{message: "malformed answer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := whatsapptest.NewServer(t)
			c := whatsapp.Config{
				Name: "whatsapp-main", AccessToken: s.AccessToken, PhoneNumberID: s.PhoneNumberID,
				Template: tmpl, BaseURL: s.URL,
			}
			tt.setup(s, &c)
			p, err := whatsapp.New(c)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			err = p.Check(t.Context())
			if tt.want == nil {
				if err != nil {
					t.Errorf("Check = %v, want nil", err)
				}
			} else {
				if err == nil {
					t.Fatal("Check = nil, want an error")
				}
				checkRefusal(t, err, *tt.want)
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/"+whatsapp.DefaultAPIVersion+"/"+c.PhoneNumberID {
				t.Errorf("requests = %+v, want one GET of the phone number", reqs)
			}
			if n := len(s.Messages()); n != 0 {
				t.Errorf("Check sent %d messages, want none", n)
			}
		})
	}
}

func TestCheckUnreachable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	p, err := whatsapp.New(whatsapp.Config{
		Name: "whatsapp-main", AccessToken: "EAAJB", PhoneNumberID: "106540352242922", Template: tmpl, BaseURL: dead.URL,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	checkRefusal(t, p.Check(t.Context()), refusal{message: "request failed"})
}
