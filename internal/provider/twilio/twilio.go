// Package twilio delivers SMS and voice calls through Twilio's REST API
// (version 2010-04-01) over plain net/http, and turns Twilio's signed
// status callbacks into delivery receipts.
//
// SMS is a Message resource created with To, From and/or
// MessagingServiceSid, Body and StatusCallback. A voice call is a Call
// resource whose inline TwiML speaks OutgoingMessage.Body once with <Say>:
// the voice templates already repeat the code, so saying the body twice
// would make the callee hear it four times.
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

// DefaultBaseURL is Twilio's REST API endpoint.
const DefaultBaseURL = "https://api.twilio.com"

// DefaultTimeout bounds one request to Twilio when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config is one Twilio provider instance as the operator configures it.
type Config struct {
	// Name is the instance name the operator gave the provider, e.g.
	// "twilio-eu"; it defaults to "twilio".
	Name string `yaml:"-"`

	AccountSID string `yaml:"account_sid"` // AC followed by 32 hex digits
	// AuthToken authenticates API requests unless an API key is set, and
	// is always the key Twilio signs status callbacks with.
	AuthToken string `yaml:"auth_token"`
	// APIKeySID and APIKeySecret, when set, replace the auth token for
	// API requests (HTTP Basic auth as key sid and secret).
	APIKeySID    string `yaml:"api_key_sid"`
	APIKeySecret string `yaml:"api_key_secret"`

	// From is the SMS sender: an E.164 number or an alphanumeric sender
	// id. When it is a number it is also the default caller id.
	From string `yaml:"from"`
	// MessagingServiceSID (MG…) sends SMS through a Messaging Service,
	// instead of or in addition to From.
	MessagingServiceSID string `yaml:"messaging_service_sid"`
	// VoiceFrom is the caller id of calls; it defaults to From.
	VoiceFrom string `yaml:"voice_from"`
	// AllowCallerID lets OutgoingMessage.CallerID replace From for SMS and
	// calls; Twilio still refuses senders the account does not own.
	AllowCallerID bool `yaml:"allow_caller_id"`

	// StatusCallbackURL is the public URL of otpd's callback endpoint for
	// this provider. When set it is sent as StatusCallback with every
	// message and call, and it is the URL callback signatures are checked
	// against (the URL otpd sees behind a proxy may differ).
	StatusCallbackURL string `yaml:"status_callback_url"`

	BaseURL string `yaml:"base_url"` // default DefaultBaseURL; tests point it at a fake
	// Timeout bounds each request, written as a Go duration ("10s");
	// default DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	apiKeySIDPattern  = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	e164Pattern       = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	// Twilio's alphanumeric sender ids: up to 11 letters, digits and
	// spaces, at least one of them a letter (all digits would be a number).
	senderIDPattern = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	letterPattern   = regexp.MustCompile(`[A-Za-z]`)
)

// Validate reports the first setting that is missing or malformed, naming
// its yaml key.
func (c Config) Validate() error {
	switch {
	case c.AccountSID == "":
		return errors.New("account_sid is required")
	case !accountSIDPattern.MatchString(c.AccountSID):
		return errors.New("account_sid must be AC followed by 32 hexadecimal digits")
	case c.APIKeySID != "" && !apiKeySIDPattern.MatchString(c.APIKeySID):
		return errors.New("api_key_sid must be SK followed by 32 hexadecimal digits")
	case c.APIKeySID != "" && c.APIKeySecret == "":
		return errors.New("api_key_secret is required with api_key_sid")
	case c.APIKeySID == "" && c.APIKeySecret != "":
		return errors.New("api_key_sid is required with api_key_secret")
	case c.AuthToken == "" && c.APIKeySID == "":
		return errors.New("auth_token is required (or api_key_sid and api_key_secret)")
	case c.From == "" && c.MessagingServiceSID == "" && c.VoiceFrom == "":
		return errors.New("from is required (or messaging_service_sid for SMS, voice_from for calls)")
	case c.From != "" && !e164Pattern.MatchString(c.From) && !isSenderID(c.From):
		return errors.New("from must be an E.164 number such as +14155550100 or an alphanumeric sender id of at most 11 characters")
	case c.MessagingServiceSID != "" && !serviceSIDPattern.MatchString(c.MessagingServiceSID):
		return errors.New("messaging_service_sid must be MG followed by 32 hexadecimal digits")
	case c.VoiceFrom != "" && !e164Pattern.MatchString(c.VoiceFrom):
		return errors.New("voice_from must be an E.164 number such as +14155550100")
	case c.StatusCallbackURL != "" && !isHTTPURL(c.StatusCallbackURL):
		return errors.New("status_callback_url must be an absolute http or https URL")
	case c.StatusCallbackURL != "" && c.AuthToken == "":
		// Twilio signs callbacks with the auth token even when requests
		// use an API key; without it no callback could be trusted.
		return errors.New("auth_token is required with status_callback_url: Twilio signs status callbacks with it")
	case c.BaseURL != "" && !isHTTPURL(c.BaseURL):
		return errors.New("base_url must be an absolute http or https URL")
	case c.Timeout < 0 || (c.Timeout > 0 && c.Timeout < time.Millisecond):
		return errors.New("timeout must be a positive duration such as 10s")
	}
	return nil
}

func isSenderID(s string) bool {
	return senderIDPattern.MatchString(s) && letterPattern.MatchString(s)
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Provider sends SMS and voice calls through one Twilio account.
type Provider struct {
	cfg      Config
	baseURL  string
	user     string // HTTP Basic auth: account sid or API key sid
	password string
	client   *http.Client
	now      func() time.Time
}

var (
	_ otp.Sender  = (*Provider)(nil)
	_ otp.Checker = (*Provider)(nil)
)

// New checks c and returns a Provider with its defaults filled in.
func New(c Config) (*Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Name == "" {
		c.Name = "twilio"
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	p := &Provider{
		cfg:      c,
		baseURL:  strings.TrimRight(c.BaseURL, "/"),
		user:     c.AccountSID,
		password: c.AuthToken,
		now:      time.Now,
		client: &http.Client{
			Transport: telemetry.Transport(nil), // carries the trace context (traceparent)
			Timeout:   c.Timeout,
			// Twilio's API does not redirect; following one would at
			// best turn a POST into a GET and at worst hand the
			// message to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	if c.APIKeySID != "" {
		p.user, p.password = c.APIKeySID, c.APIKeySecret
	}
	return p, nil
}

// Channels lists the channels the configuration can send on: SMS with a
// sender or messaging service, voice with a caller id number.
func (p *Provider) Channels() []otp.Channel {
	var out []otp.Channel
	if p.cfg.From != "" || p.cfg.MessagingServiceSID != "" {
		out = append(out, otp.SMS)
	}
	if p.voiceFrom() != "" {
		out = append(out, otp.Voice)
	}
	return out
}

func (p *Provider) voiceFrom() string {
	if p.cfg.VoiceFrom != "" {
		return p.cfg.VoiceFrom
	}
	if e164Pattern.MatchString(p.cfg.From) {
		return p.cfg.From
	}
	return ""
}

// Send creates a Message (SMS) or a Call (voice) for m. Refusals are
// *otp.ProviderError: permanent only when Twilio blames the recipient,
// refused when Twilio will not take the message (see errorClasses).
func (p *Provider) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.To == "" {
		return otp.SendResult{}, &otp.ProviderError{Provider: p.cfg.Name, Message: "the message has no recipient", Permanent: true}
	}
	var (
		path string
		form url.Values
	)
	switch m.Channel {
	case otp.SMS:
		if !slices.Contains(p.Channels(), otp.SMS) {
			return otp.SendResult{}, p.notConfigured(m.Channel)
		}
		path, form = p.accountPath()+"/Messages.json", p.messageForm(m)
	case otp.Voice:
		if !slices.Contains(p.Channels(), otp.Voice) && !p.callerIDAllowed(m) {
			return otp.SendResult{}, p.notConfigured(m.Channel)
		}
		path, form = p.accountPath()+"/Calls.json", p.callForm(m)
	default:
		return otp.SendResult{}, p.notConfigured(m.Channel)
	}
	var res resource
	if err := p.do(ctx, http.MethodPost, path, form, &res); err != nil {
		return otp.SendResult{}, err
	}
	if err := p.checkCreated(res); err != nil {
		return otp.SendResult{}, err
	}
	return otp.SendResult{Provider: p.cfg.Name, ProviderMessageID: res.SID}, nil
}

// notConfigured is refused, not permanent: the router should try another
// provider at once.
func (p *Provider) notConfigured(c otp.Channel) error {
	return &otp.ProviderError{Provider: p.cfg.Name, Message: fmt.Sprintf("channel %q is not configured for this provider", c), Refused: true}
}

func (p *Provider) callerIDAllowed(m otp.OutgoingMessage) bool {
	return p.cfg.AllowCallerID && m.CallerID != ""
}

func (p *Provider) accountPath() string {
	return "/2010-04-01/Accounts/" + p.cfg.AccountSID
}

func (p *Provider) messageForm(m otp.OutgoingMessage) url.Values {
	f := url.Values{"To": {m.To}, "Body": {m.Body}}
	from := p.cfg.From
	if p.callerIDAllowed(m) {
		from = m.CallerID
	}
	// Twilio accepts From alongside MessagingServiceSid: the service
	// then sends from that sender.
	if from != "" {
		f.Set("From", from)
	}
	if p.cfg.MessagingServiceSID != "" {
		f.Set("MessagingServiceSid", p.cfg.MessagingServiceSID)
	}
	if p.cfg.StatusCallbackURL != "" {
		f.Set("StatusCallback", p.cfg.StatusCallbackURL)
	}
	return f
}

func (p *Provider) callForm(m otp.OutgoingMessage) url.Values {
	from := p.voiceFrom()
	if p.callerIDAllowed(m) {
		from = m.CallerID
	}
	f := url.Values{"To": {m.To}, "From": {from}, "Twiml": {sayTwiML(sayLanguage(m.Locale), m.Body)}}
	if p.cfg.StatusCallbackURL != "" {
		f.Set("StatusCallback", p.cfg.StatusCallbackURL)
		// Only the final status decides delivery; the intermediate
		// events would be ignored anyway.
		f.Set("StatusCallbackEvent", "completed")
	}
	return f
}

// Check confirms that Twilio is reachable and accepts the credentials,
// sending nothing. With the auth token it fetches the Account and wants
// it active; Standard API keys may not read the Account resource, so with
// an API key it lists one Message instead.
func (p *Provider) Check(ctx context.Context) error {
	if p.cfg.APIKeySID != "" {
		var page struct {
			Messages *[]resource `json:"messages"`
		}
		if err := p.do(ctx, http.MethodGet, p.accountPath()+"/Messages.json?PageSize=1", nil, &page); err != nil {
			return err
		}
		if page.Messages == nil {
			return p.malformed("the message list has no messages field")
		}
		return nil
	}
	var acct struct {
		SID    string `json:"sid"`
		Status string `json:"status"`
	}
	if err := p.do(ctx, http.MethodGet, p.accountPath()+".json", nil, &acct); err != nil {
		return err
	}
	if acct.SID != p.cfg.AccountSID {
		return p.malformed("the account answer names another account")
	}
	if acct.Status != "active" {
		return &otp.ProviderError{Provider: p.cfg.Name, Message: fmt.Sprintf("the account is %s, not active", acct.Status), Refused: true}
	}
	return nil
}
