// Package vonage delivers SMS through Vonage's SMS API and voice calls
// through its Voice API, over plain net/http, and turns Vonage's signed
// delivery receipts and voice events into otp receipts.
//
// SMS is a form POST to /sms/json authenticated by api_key and api_secret;
// Vonage answers HTTP 200 with one status per message part (see
// smsStatuses). A voice call is a POST to /v1/calls authenticated by a
// JWT that this package signs (RS256) with the application's private key;
// its NCCO is one talk action that speaks OutgoingMessage.Body once, since
// the voice templates already spell out and repeat the code.
//
// Callbacks are only trusted when signed with the account's signature
// secret: delivery receipts carry a sig parameter, voice events a JWT
// (HS256) in the Authorization header. Without a signature secret every
// callback is refused, because an unauthenticated one could forge
// "delivered".
package vonage

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/version"
)

// Default endpoints and limits.
const (
	DefaultSMSBaseURL   = "https://rest.nexmo.com" // SMS and account APIs
	DefaultVoiceBaseURL = "https://api.nexmo.com"  // Voice API
	DefaultTimeout      = 10 * time.Second         // one request, when Config.Timeout is zero
)

// Signature methods Vonage can sign SMS webhooks with, as named in its
// dashboard and SDKs. MD5 hash is Vonage's documented default.
const (
	SignatureMD5Hash = "md5hash" // md5 over the parameters followed by the secret
	SignatureMD5     = "md5"     // HMAC-MD5
	SignatureSHA1    = "sha1"    // HMAC-SHA1
	SignatureSHA256  = "sha256"  // HMAC-SHA256
	SignatureSHA512  = "sha512"  // HMAC-SHA512
)

// Config is one Vonage provider instance as the operator configures it.
type Config struct {
	// Name is the instance name the operator gave the provider, e.g.
	// "vonage-eu"; it defaults to "vonage".
	Name string `yaml:"-"`

	APIKey    string `yaml:"api_key"`    // account API key, for SMS and the balance check
	APISecret string `yaml:"api_secret"` // account API secret

	// SignatureSecret verifies callbacks: the sig of delivery receipts and
	// the JWT of voice events. Without it every callback is refused.
	SignatureSecret string `yaml:"signature_secret"`
	// SignatureMethod is the method chosen in the dashboard for signing
	// SMS webhooks: md5hash (default), md5, sha1, sha256 or sha512.
	SignatureMethod string `yaml:"signature_method"`

	// From is the SMS sender: an E.164 number (with or without "+") or an
	// alphanumeric sender id of at most 11 characters.
	From string `yaml:"from"`

	// ApplicationID and PrivateKey (PEM text of the application's RSA key)
	// enable voice calls; voice is off when they are absent.
	ApplicationID string `yaml:"application_id"`
	PrivateKey    string `yaml:"private_key"`
	// VoiceFrom is the caller id number of calls; it defaults to From
	// when From is a number.
	VoiceFrom string `yaml:"voice_from"`
	// VoiceEventURL, when set, is sent as the call's event_url, overriding
	// the application's; point it at CallbackHandler to get receipts.
	VoiceEventURL string `yaml:"voice_event_url"`

	// AllowCallerID lets OutgoingMessage.CallerID replace the SMS sender
	// and, when it is a number, the caller id of calls.
	AllowCallerID bool `yaml:"allow_caller_id"`

	// DLRCallbackURL, when set, is sent as callback with every SMS so its
	// delivery receipt reaches CallbackHandler whatever the dashboard says.
	// It should have no query string: Vonage does not sign one.
	DLRCallbackURL string `yaml:"dlr_callback_url"`

	SMSBaseURL   string `yaml:"sms_base_url"`   // default DefaultSMSBaseURL; tests point it at a fake
	VoiceBaseURL string `yaml:"voice_base_url"` // default DefaultVoiceBaseURL
	// Timeout bounds each request, written as a Go duration ("10s");
	// default DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

var (
	numberPattern   = regexp.MustCompile(`^\+?[1-9][0-9]{6,14}$`)
	senderIDPattern = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	letterPattern   = regexp.MustCompile(`[A-Za-z]`)
	uuidPattern     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// Validate reports the first setting that is missing or malformed, naming
// its yaml key.
func (c Config) Validate() error {
	switch {
	case c.APIKey == "":
		return errors.New("api_key is required")
	case c.APISecret == "":
		return errors.New("api_secret is required")
	case c.From == "":
		return errors.New("from is required")
	case !isNumber(c.From) && !isSenderID(c.From):
		return errors.New("from must be an E.164 number such as +447700900000 or an alphanumeric sender id of at most 11 characters")
	case c.SignatureMethod != "" && !slices.Contains(signatureMethods, c.SignatureMethod):
		return fmt.Errorf("signature_method must be one of %s", strings.Join(signatureMethods, ", "))
	case c.SignatureMethod != "" && c.SignatureSecret == "":
		return errors.New("signature_secret is required with signature_method")
	case c.ApplicationID != "" && c.PrivateKey == "":
		return errors.New("private_key is required with application_id")
	case c.ApplicationID == "" && c.PrivateKey != "":
		return errors.New("application_id is required with private_key")
	case c.ApplicationID != "" && !uuidPattern.MatchString(c.ApplicationID):
		return errors.New("application_id must be a UUID such as aaaaaaaa-bbbb-cccc-dddd-0123456789ab")
	case c.VoiceFrom != "" && !isNumber(c.VoiceFrom):
		return errors.New("voice_from must be an E.164 number such as +447700900000")
	case c.ApplicationID != "" && c.VoiceFrom == "" && !isNumber(c.From):
		return errors.New("voice_from is required with application_id when from is not a number")
	case c.VoiceEventURL != "" && !isHTTPURL(c.VoiceEventURL):
		return errors.New("voice_event_url must be an absolute http or https URL")
	case c.DLRCallbackURL != "" && !isHTTPURL(c.DLRCallbackURL):
		return errors.New("dlr_callback_url must be an absolute http or https URL")
	case c.SMSBaseURL != "" && !isHTTPURL(c.SMSBaseURL):
		return errors.New("sms_base_url must be an absolute http or https URL")
	case c.VoiceBaseURL != "" && !isHTTPURL(c.VoiceBaseURL):
		return errors.New("voice_base_url must be an absolute http or https URL")
	case c.Timeout < 0 || (c.Timeout > 0 && c.Timeout < time.Millisecond):
		return errors.New("timeout must be a positive duration such as 10s")
	}
	if c.PrivateKey != "" {
		if _, err := parsePrivateKey(c.PrivateKey); err != nil {
			return fmt.Errorf("private_key: %w", err)
		}
	}
	return nil
}

var signatureMethods = []string{SignatureMD5Hash, SignatureMD5, SignatureSHA1, SignatureSHA256, SignatureSHA512}

func isNumber(s string) bool { return numberPattern.MatchString(s) }

func isSenderID(s string) bool {
	return senderIDPattern.MatchString(s) && letterPattern.MatchString(s)
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Provider sends SMS and voice calls through one Vonage account.
type Provider struct {
	cfg       Config
	smsBase   string
	voiceBase string
	key       *rsa.PrivateKey // nil when voice is not configured
	client    *http.Client
	now       func() time.Time
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
		c.Name = "vonage"
	}
	if c.SignatureMethod == "" {
		c.SignatureMethod = SignatureMD5Hash
	}
	if c.SMSBaseURL == "" {
		c.SMSBaseURL = DefaultSMSBaseURL
	}
	if c.VoiceBaseURL == "" {
		c.VoiceBaseURL = DefaultVoiceBaseURL
	}
	if c.VoiceFrom == "" && isNumber(c.From) {
		c.VoiceFrom = c.From
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	p := &Provider{
		cfg:       c,
		smsBase:   strings.TrimRight(c.SMSBaseURL, "/"),
		voiceBase: strings.TrimRight(c.VoiceBaseURL, "/"),
		now:       time.Now,
		client: &http.Client{
			Transport: telemetry.Transport(nil), // carries the trace context (traceparent)
			Timeout:   c.Timeout,
			// Vonage's APIs do not redirect; following one would at best
			// turn a POST into a GET and at worst hand the credentials
			// and the message to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	if c.PrivateKey != "" {
		key, err := parsePrivateKey(c.PrivateKey)
		if err != nil { // Validate parsed it already
			return nil, fmt.Errorf("private_key: %w", err)
		}
		p.key = key
	}
	return p, nil
}

// Channels lists SMS, and voice when an application and its private key
// are configured.
func (p *Provider) Channels() []otp.Channel {
	if p.key != nil {
		return []otp.Channel{otp.SMS, otp.Voice}
	}
	return []otp.Channel{otp.SMS}
}

// Send sends m as an SMS or a voice call. Refusals are *otp.ProviderError:
// permanent only when Vonage blames the recipient, refused when Vonage
// will not take the message (our account, credentials, sender, request).
func (p *Provider) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.Channel != otp.SMS && (m.Channel != otp.Voice || p.key == nil) {
		// Refused, not permanent: the router should try another provider at once.
		e := p.refusal("", fmt.Sprintf("channel %q is not configured for this provider", m.Channel), false)
		e.Refused = true
		return otp.SendResult{}, e
	}
	to, ok := vonageNumber(m.To)
	if !ok {
		return otp.SendResult{}, p.refusal("", "the recipient is not an E.164 phone number", true)
	}
	if m.Channel == otp.Voice {
		return p.call(ctx, m, to)
	}
	return p.sendSMS(ctx, m, to)
}

// vonageNumber turns an E.164 number into Vonage's form: digits without
// the leading "+".
func vonageNumber(s string) (string, bool) {
	if !strings.HasPrefix(s, "+") || !isNumber(s) {
		return "", false
	}
	return s[1:], true
}

// Check confirms, sending nothing, that the SMS API accepts the key and
// secret (by reading the account balance) and, when voice is configured,
// that the Voice API accepts a JWT signed with the private key (by listing
// one call).
func (p *Provider) Check(ctx context.Context) error {
	q := url.Values{"api_key": {p.cfg.APIKey}, "api_secret": {p.cfg.APISecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.smsBase+"/account/get-balance?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("vonage check: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, body, err := p.do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		e := p.refusal("401", "the account API rejected api_key and api_secret", false)
		e.Refused = true
		return e
	}
	if resp.StatusCode != http.StatusOK {
		return p.httpError(resp, "")
	}
	var balance struct {
		Value *json.Number `json:"value"`
	}
	if err := json.Unmarshal(body, &balance); err != nil || balance.Value == nil {
		return p.malformed("the balance answer has no value")
	}
	if p.key == nil {
		return nil
	}
	token, err := p.voiceToken()
	if err != nil {
		return err
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, p.voiceBase+"/v1/calls?page_size=1", nil)
	if err != nil {
		return fmt.Errorf("vonage check: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, body, err = p.do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return p.voiceError(resp, body)
	}
	var list struct {
		Count *int `json:"count"`
	}
	if err := json.Unmarshal(body, &list); err != nil || list.Count == nil {
		return p.malformed("the call list has no count")
	}
	return nil
}

// maxAnswer bounds how much of an answer is read; Vonage's are small.
const maxAnswer = 1 << 20

// do sends req, naming otpd and its version in the User-Agent, and reads
// the answer. Transport failures and timeouts are transient refusals.
func (p *Provider) do(req *http.Request) (*http.Response, []byte, error) {
	req.Header.Set("User-Agent", version.UserAgent())
	resp, err := p.client.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, nil, fmt.Errorf("vonage: %w", ctxErr)
		}
		// The error names the URL, whose query may hold the API secret.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, nil, p.refusal("", "request failed: "+err.Error(), false)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, nil, p.refusal("", "reading the answer failed: "+err.Error(), false)
	}
	return resp, body, nil
}

// httpError maps an unexpected HTTP status. Nothing at this level blames
// the recipient. A 4xx is Vonage refusing the request (our credentials,
// application, balance or a request it calls invalid), which asking again
// does not change; 429 (with Retry-After), 408, 425, 5xx and the rest are
// transient.
func (p *Provider) httpError(resp *http.Response, detail string) *otp.ProviderError {
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if detail != "" {
		msg += ": " + detail
	}
	e := p.refusal(strconv.Itoa(resp.StatusCode), msg, false)
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), p.now())
	case code == http.StatusRequestTimeout || code == http.StatusTooEarly:
	case code >= 400 && code <= 499:
		e.Refused = true
	}
	return e
}

func (p *Provider) malformed(what string) error {
	return p.refusal("", "malformed answer: "+what, false)
}

func (p *Provider) refusal(code, msg string, permanent bool) *otp.ProviderError {
	return &otp.ProviderError{Provider: p.cfg.Name, Code: code, Message: redactNumbers(msg), Permanent: permanent}
}

// longDigits finds runs of digits long enough to be a phone number.
var longDigits = regexp.MustCompile(`\+?[0-9]{7,}`)

// redactNumbers hides phone numbers a vendor may echo in its reasons, so
// they never reach the message record or a log.
func redactNumbers(s string) string {
	return longDigits.ReplaceAllStringFunc(s, func(d string) string {
		return "…" + d[len(d)-2:]
	})
}

// retryAfter reads a Retry-After header: seconds or an HTTP date. It
// returns zero when the header is absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
