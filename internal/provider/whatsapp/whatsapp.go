// Package whatsapp delivers verification codes on the whatsapp channel
// through Meta's WhatsApp Cloud API over plain net/http, and turns its
// signed status webhooks into delivery receipts.
//
// WhatsApp only lets a business start a conversation with an approved
// template, and codes must go in one of the authentication category: its
// text is Meta's own ("<code> is your verification code."), so
// OutgoingMessage.Body is not used. The code fills the template's one body
// parameter and the parameter of its copy-code button, as Meta documents
// for authentication templates.
package whatsapp

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

// Defaults.
const (
	DefaultBaseURL    = "https://graph.facebook.com"
	DefaultAPIVersion = "v21.0"
	DefaultLanguage   = "en_US"
	// DefaultTimeout bounds one request to Meta when Config.Timeout is zero.
	DefaultTimeout = 10 * time.Second
)

// maxCode is the longest code an authentication template carries.
const maxCode = 15

// Config is one WhatsApp Business phone number as the operator configures it.
type Config struct {
	// Name is the instance name the operator gave the provider; it
	// defaults to "whatsapp".
	Name string `yaml:"-"`

	// AccessToken is a system user access token with the
	// whatsapp_business_messaging permission.
	AccessToken string `yaml:"access_token"`
	// PhoneNumberID is the id of the business phone number that sends
	// (not the number itself).
	PhoneNumberID string `yaml:"phone_number_id"`
	// APIVersion is the Graph API version, e.g. "v21.0"; default
	// DefaultAPIVersion.
	APIVersion string `yaml:"api_version"`

	// Template is the name of the approved authentication template with a
	// copy-code button.
	Template string `yaml:"template"`
	// TemplateLanguages lists the language codes the template is approved
	// in (e.g. [en_US, ru, pt_BR]). When set, a message's locale is only
	// mapped to one of these; otherwise to any language WhatsApp supports,
	// which fails for languages the template lacks.
	TemplateLanguages []string `yaml:"template_languages"`
	// LanguageFallback is the template language for locales with no
	// match; default DefaultLanguage.
	LanguageFallback string `yaml:"language_fallback"`

	// AppSecret is the Meta app's secret, which signs status webhooks
	// (X-Hub-Signature-256). Without it CallbackHandler refuses them.
	AppSecret string `yaml:"app_secret"`
	// VerifyToken is the token entered in the app's webhook settings;
	// CallbackHandler answers Meta's subscription handshake only when it
	// matches.
	VerifyToken string `yaml:"verify_token"`

	BaseURL string `yaml:"base_url"` // default DefaultBaseURL; tests point it at a fake
	// Timeout bounds each request, written as a Go duration ("10s");
	// default DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

var (
	idPattern       = regexp.MustCompile(`^[0-9]{5,}$`)
	versionPattern  = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
	templatePattern = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	e164Pattern     = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
)

// Validate reports the first setting that is missing or malformed, naming
// its yaml key.
func (c Config) Validate() error {
	switch {
	case c.AccessToken == "":
		return errors.New("access_token is required")
	case c.PhoneNumberID == "":
		return errors.New("phone_number_id is required (the id Meta gives the business phone number, not the number)")
	case !idPattern.MatchString(c.PhoneNumberID):
		return errors.New("phone_number_id must be the numeric id Meta gives the business phone number, not the number")
	case c.APIVersion != "" && !versionPattern.MatchString(c.APIVersion):
		return errors.New("api_version must look like v21.0")
	case c.Template == "":
		return errors.New("template is required (the name of an approved authentication template)")
	case !templatePattern.MatchString(c.Template):
		return errors.New("template must be a template name: lowercase letters, digits and underscores")
	case c.BaseURL != "" && !isHTTPURL(c.BaseURL):
		return errors.New("base_url must be an absolute http or https URL")
	case c.Timeout < 0 || (c.Timeout > 0 && c.Timeout < time.Millisecond):
		return errors.New("timeout must be a positive duration such as 10s")
	case c.VerifyToken != "" && c.AppSecret == "":
		return errors.New("app_secret is required with verify_token: status webhooks are verified with it")
	}
	for _, l := range c.TemplateLanguages {
		if !supportedLanguages[l] {
			return fmt.Errorf("template_languages: %q is not a WhatsApp template language code (such as en_US, ru, pt_BR)", l)
		}
	}
	if c.LanguageFallback != "" {
		if !supportedLanguages[c.LanguageFallback] {
			return fmt.Errorf("language_fallback: %q is not a WhatsApp template language code (such as en_US, ru, pt_BR)", c.LanguageFallback)
		}
	}
	if fb := cmpOr(c.LanguageFallback, DefaultLanguage); len(c.TemplateLanguages) > 0 && !slices.Contains(c.TemplateLanguages, fb) {
		return fmt.Errorf("language_fallback %q must be one of template_languages", fb)
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Provider sends authentication templates from one business phone number.
type Provider struct {
	cfg     Config
	baseURL string // with the API version
	client  *http.Client
	now     func() time.Time
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
	c.Name = cmpOr(c.Name, "whatsapp")
	c.APIVersion = cmpOr(c.APIVersion, DefaultAPIVersion)
	c.LanguageFallback = cmpOr(c.LanguageFallback, DefaultLanguage)
	c.BaseURL = cmpOr(c.BaseURL, DefaultBaseURL)
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return &Provider{
		cfg:     c,
		baseURL: strings.TrimRight(c.BaseURL, "/") + "/" + c.APIVersion,
		now:     time.Now,
		client: &http.Client{
			Transport: telemetry.Transport(nil), // carries the trace context (traceparent)
			Timeout:   c.Timeout,
			// The Graph API does not redirect; following one would at
			// best turn a POST into a GET and at worst hand the code and
			// the access token to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Channels lists the one channel the provider delivers on.
func (p *Provider) Channels() []otp.Channel { return []otp.Channel{otp.WhatsApp} }

// templateMessage is the body of POST /<phone-number-id>/messages for a
// template.
type templateMessage struct {
	MessagingProduct string   `json:"messaging_product"`
	RecipientType    string   `json:"recipient_type"`
	To               string   `json:"to"`
	Type             string   `json:"type"`
	Template         template `json:"template"`
}

type template struct {
	Name       string      `json:"name"`
	Language   language    `json:"language"`
	Components []component `json:"components"`
}

// language is the template's language. Meta's specification requires
// the policy beside the code, and "deterministic" is its only value:
// the template is rendered in exactly this language.
type language struct {
	Policy string `json:"policy"`
	Code   string `json:"code"`
}

type component struct {
	Type       string      `json:"type"`
	SubType    string      `json:"sub_type,omitempty"`
	Index      string      `json:"index,omitempty"`
	Parameters []parameter `json:"parameters"`
}

type parameter struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// sendAnswer is the part of a successful send's answer that matters.
type sendAnswer struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

// Send sends the authentication template with m.Code to m.To, in the
// template language closest to m.Locale. The provider message id is the
// wamid that status webhooks name. Refusals are *otp.ProviderError,
// permanent only when Meta blames the recipient and refused when Meta will
// not take the message from us (see errorClasses).
func (p *Provider) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	switch {
	case m.Channel != otp.WhatsApp:
		// Refused, not permanent: the router should try a provider that has it.
		return otp.SendResult{}, p.refused(fmt.Sprintf("channel %q is not served by this provider", m.Channel))
	case m.To == "":
		return otp.SendResult{}, p.permanent("the message has no recipient")
	case !e164Pattern.MatchString(m.To):
		return otp.SendResult{}, p.permanent("the recipient is not an E.164 phone number")
	case m.Code == "":
		return otp.SendResult{}, p.refused("the message has no code for the authentication template")
	case len([]rune(m.Code)) > maxCode:
		// otpd's code settings, not the message's fault: another
		// provider may carry the code.
		return otp.SendResult{}, p.refused(fmt.Sprintf("authentication templates carry codes of at most %d characters", maxCode))
	}
	code := []parameter{{Type: "text", Text: m.Code}}
	body := templateMessage{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               m.To,
		Type:             "template",
		Template: template{
			Name:     p.cfg.Template,
			Language: language{Policy: "deterministic", Code: p.templateLanguage(m.Locale)},
			Components: []component{
				{Type: "body", Parameters: code},
				{Type: "button", SubType: "url", Index: "0", Parameters: code},
			},
		},
	}
	var ans sendAnswer
	if err := p.do(ctx, http.MethodPost, "/"+p.cfg.PhoneNumberID+"/messages", body, &ans); err != nil {
		return otp.SendResult{}, err
	}
	if len(ans.Messages) == 0 || ans.Messages[0].ID == "" {
		return otp.SendResult{}, p.fail(0, "malformed answer: no message id")
	}
	return otp.SendResult{Provider: p.cfg.Name, ProviderMessageID: ans.Messages[0].ID}, nil
}

// unusableStatuses are business phone number statuses in which nothing
// can be sent.
var unusableStatuses = []string{"BANNED", "DELETED", "DISCONNECTED", "PENDING", "RESTRICTED"}

// Check fetches the business phone number with the access token, which
// proves both, and fails when its status says it cannot send. It sends
// nothing.
func (p *Provider) Check(ctx context.Context) error {
	var phone struct {
		ID                 string `json:"id"`
		DisplayPhoneNumber string `json:"display_phone_number"`
		Status             string `json:"status"`
	}
	path := "/" + p.cfg.PhoneNumberID + "?fields=id,display_phone_number,status"
	if err := p.do(ctx, http.MethodGet, path, nil, &phone); err != nil {
		return err
	}
	if phone.ID != p.cfg.PhoneNumberID {
		return p.fail(0, "malformed answer: the phone number answer names another id")
	}
	if slices.Contains(unusableStatuses, phone.Status) {
		return p.refused(fmt.Sprintf("the business phone number's status is %s", phone.Status))
	}
	return nil
}

// fail is a transient refusal; code 0 means none.
func (p *Provider) fail(code int, msg string) *otp.ProviderError {
	pe := &otp.ProviderError{Provider: p.cfg.Name, Message: msg}
	if code != 0 {
		pe.Code = fmt.Sprint(code)
	}
	return pe
}

// refused is a refusal Meta would repeat however often it is asked,
// though another provider may take the message.
func (p *Provider) refused(msg string) *otp.ProviderError {
	return &otp.ProviderError{Provider: p.cfg.Name, Message: msg, Refused: true}
}

// permanent is a refusal that no retry can fix.
func (p *Provider) permanent(msg string) *otp.ProviderError {
	return &otp.ProviderError{Provider: p.cfg.Name, Message: msg, Permanent: true}
}
