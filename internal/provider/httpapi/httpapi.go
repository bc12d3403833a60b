// Package httpapi is a generic HTTP provider: the operator describes a
// gateway's send request (method, URL, headers, body) as Go text/templates
// and says how to read its answer (which answers mean accepted, where the
// message id is, which refusals are permanent), so that any SMS, voice or
// chat gateway with an HTTP API can be used without code.
//
// Templates see a Data value (.ID .To .ToDigits .Channel .Purpose .Locale
// .Code .Body .Subject .CallerID .Country .AppName .VerificationID
// .ExpiresAt and the operator's .Vars) and may call urlquery, pathescape
// and json besides text/template's builtins. Nothing is escaped for the
// operator: a value put into the url must go through urlquery (query) or
// pathescape (path segment), a value put into a JSON body through json
// (which writes the quotes too), a value put into a form body through
// urlquery. Secrets belong in vars, written as ${ENV_NAME} so the config
// loader expands them, and are then used escaped like any value; a secret
// expanded straight into a template would go unescaped, and be parsed as
// template text. Templates cannot read the environment themselves. Every template is parsed and
// rendered on a sample message of each channel when the provider is
// built, so a typo or an unknown field stops start-up instead of the first
// delivery; a branch the sample does not take is not tried.
//
// A KooKoo-style GET gateway (api_key in the query, a JSON answer whose
// "status" says whether it accepted):
//
//	type: httpapi
//	channels: [sms]
//	method: GET
//	url: >-
//	  https://gateway.example/api/v1/sms?api_key={{urlquery .Vars.api_key}}&phone_no={{urlquery .ToDigits}}&caller_id={{urlquery .CallerID}}&message={{urlquery .Body}}
//	vars:
//	  api_key: ${GATEWAY_API_KEY}
//	success: {json_path: status, equals: [success, queued]}
//	message_id: {json_path: message}
//	error_message: {json_path: message}
//
// A JSON POST gateway:
//
//	type: httpapi
//	channels: [sms, whatsapp]
//	url: https://api.gateway.example/v2/messages
//	headers:
//	  Authorization: 'Bearer {{.Vars.token}}'
//	  Idempotency-Key: '{{.ID}}'
//	body: '{"to": {{json .To}}, "channel": {{json .Channel}}, "text": {{json .Body}}}'
//	vars: {token: "${GATEWAY_TOKEN}"}
//	message_id: {json_path: data.id}
//	permanent: {status: [400, 404], json_path: error.code, values: [invalid_number, blocked]}
//	check_url: https://api.gateway.example/v2/account
//
// An answer is judged in this order: 429, 408, 425 and 5xx are transient
// (with the Retry-After wait when given); an answer matching permanent is
// a permanent refusal; an answer matching every success condition is an
// acceptance; any other 4xx is refused (the gateway will not take the
// message however often it is asked, so the router fails over at once);
// anything else, including a body that is not the JSON a condition
// expects, is a transient refusal. The provider never logs, and
// its errors never quote the rendered URL or body: they hold the code and
// the secrets.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

// DefaultName is the provider name when Config.Name is empty.
const DefaultName = "httpapi"

// DefaultTimeout bounds one request when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// maxRedirects bounds the same-host redirects followed.
const maxRedirects = 5

// Config is one generic HTTP gateway as the operator configures it.
type Config struct {
	// Name is the instance name the operator gave the provider, e.g.
	// "kookoo-sms"; it defaults to DefaultName.
	Name string `yaml:"-"`

	// Channels are the channels this gateway delivers; required.
	Channels []otp.Channel `yaml:"channels"`
	// Method is GET, POST or PUT; default POST.
	Method string `yaml:"method"`
	// URL is a template of the absolute http(s) URL of the send request.
	// Inserted values are not escaped for the operator: write
	// {{urlquery .Body}} in the query, {{pathescape .To}} in the path.
	URL string `yaml:"url"`
	// Headers maps header names to value templates.
	Headers map[string]string `yaml:"headers"`
	// Body is a template of the request body; empty for none (always
	// empty with GET).
	Body string `yaml:"body"`
	// ContentType is the body's Content-Type; default application/json
	// when Body is set.
	ContentType string `yaml:"content_type"`
	// Vars are values, typically secrets written as ${ENV_NAME}, that
	// templates read as .Vars.name and must escape like any other value.
	Vars map[string]string `yaml:"vars"`
	// Timeout bounds each request, written as a Go duration ("10s");
	// default DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`

	// Success says which answers mean the gateway accepted the message.
	Success Success `yaml:"success"`
	// MessageID says where the gateway's message id is in an accepted
	// answer; when unset the id is the delivery id (OutgoingMessage.ID).
	MessageID Extract `yaml:"message_id"`
	// ErrorCode and ErrorMessage say where a refusal's code and reason
	// are, for the message record; optional.
	ErrorCode    Extract `yaml:"error_code"`
	ErrorMessage Extract `yaml:"error_message"`
	// Permanent says which refusals blame the recipient or the message,
	// so that no retry or other provider is tried.
	Permanent Permanent `yaml:"permanent"`
	// RetryAfterHeader is the header in which the gateway says how long
	// to wait (seconds or an HTTP date); default Retry-After.
	RetryAfterHeader string `yaml:"retry_after_header"`

	// CheckURL is a template (of .Vars only) of a URL that answers 2xx
	// when the gateway is up and the credentials are good, such as a
	// balance or account endpoint; it is sent with Headers and no body.
	// Without it Check does nothing and HasCheck is false.
	CheckURL string `yaml:"check_url"`
	// CheckMethod is GET, HEAD or POST; default GET.
	CheckMethod string `yaml:"check_method"`
}

// Success describes an accepting answer: every condition set must hold.
type Success struct {
	// Status lists the HTTP statuses of acceptance; default 200–299.
	// 429 and 5xx are always transient and cannot be listed.
	Status []int `yaml:"status"`
	// JSONPath and Equals require the value at a JSON path to be one of
	// Equals (compared exactly), e.g. json_path: status, equals: success.
	JSONPath string     `yaml:"json_path"`
	Equals   StringList `yaml:"equals"`
	// BodyContains requires the raw body to contain this text.
	BodyContains string `yaml:"body_contains"`
}

// Permanent describes a refusal that retrying cannot fix: either
// condition suffices.
type Permanent struct {
	// Status lists 4xx statuses (not 408, 425 or 429, which ask to come
	// back later) that blame the message or the recipient, e.g. [400, 404].
	Status []int `yaml:"status"`
	// JSONPath and Values mark an answer permanent when the value at the
	// path is one of Values, e.g. json_path: error.code, values: [21211].
	JSONPath string     `yaml:"json_path"`
	Values   StringList `yaml:"values"`
}

// Provider delivers messages through one generic HTTP gateway.
type Provider struct {
	cfg  Config
	tmpl *templates

	successStatus []int // nil: 200–299
	successPath   jsonPath
	permPath      jsonPath
	messageID     extractor
	errorCode     extractor
	errorMessage  extractor

	client *http.Client
	now    func() time.Time
}

var (
	_ otp.Sender  = (*Provider)(nil)
	_ otp.Checker = (*Provider)(nil)
)

// Validate reports the first setting that is missing or malformed, naming
// its yaml key, including templates that do not parse or do not render on
// a sample message.
func (c Config) Validate() error {
	_, err := c.build()
	return err
}

// New checks c and returns a Provider with its defaults filled in.
func New(c Config) (*Provider, error) {
	p, err := c.build()
	if err != nil {
		return nil, err
	}
	p.now = time.Now
	p.client = &http.Client{
		Transport: telemetry.Transport(nil), // carries the trace context (traceparent)
		Timeout:   p.cfg.Timeout,
		// A redirect to another host would hand the code and the
		// credentials to it, and one from https to http would send them
		// in the clear: only same-host redirects are followed. The last
		// answer, a 3xx, is then judged like any other.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			first := via[0].URL
			if len(via) > maxRedirects || req.URL.Host != first.Host ||
				(first.Scheme == "https" && req.URL.Scheme != "https") {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	return p, nil
}

// build validates c and compiles it, defaults filled in.
func (c Config) build() (*Provider, error) {
	if c.Name == "" {
		c.Name = DefaultName
	}
	c.Method = strings.ToUpper(c.Method)
	if c.Method == "" {
		c.Method = http.MethodPost
	}
	c.CheckMethod = strings.ToUpper(c.CheckMethod)
	if c.CheckMethod == "" {
		c.CheckMethod = http.MethodGet
	}
	if c.Body != "" && c.ContentType == "" {
		c.ContentType = "application/json"
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RetryAfterHeader == "" {
		c.RetryAfterHeader = "Retry-After"
	}
	if err := c.checkSettings(); err != nil {
		return nil, err
	}

	p := &Provider{cfg: c, successStatus: c.Success.Status}
	var err error
	if c.Success.JSONPath != "" {
		if p.successPath, err = parseJSONPath(c.Success.JSONPath); err != nil {
			return nil, fmt.Errorf("success.json_path %w", err)
		}
	}
	if c.Permanent.JSONPath != "" {
		if p.permPath, err = parseJSONPath(c.Permanent.JSONPath); err != nil {
			return nil, fmt.Errorf("permanent.json_path %w", err)
		}
	}
	for _, x := range []struct {
		key string
		e   Extract
		out *extractor
	}{
		{"message_id", c.MessageID, &p.messageID},
		{"error_code", c.ErrorCode, &p.errorCode},
		{"error_message", c.ErrorMessage, &p.errorMessage},
	} {
		if *x.out, err = newExtractor(x.e); err != nil {
			return nil, fmt.Errorf("%s: %w", x.key, err)
		}
	}
	if p.tmpl, err = compileTemplates(c); err != nil {
		return nil, err
	}
	return p, nil
}

// checkSettings checks everything but the templates and extractors.
func (c Config) checkSettings() error {
	if len(c.Channels) == 0 {
		return errors.New("channels is required: list the channels this gateway delivers, e.g. [sms]")
	}
	for i, ch := range c.Channels {
		if !slices.Contains(otp.Channels, ch) {
			return fmt.Errorf("channels: unknown channel %q (want one of %v)", ch, otp.Channels)
		}
		if slices.Contains(c.Channels[:i], ch) {
			return fmt.Errorf("channels: %q is listed twice", ch)
		}
	}
	switch c.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut:
	default:
		return fmt.Errorf("method must be GET, POST or PUT, not %q", c.Method)
	}
	if c.URL == "" {
		return errors.New("url is required")
	}
	if c.Method == http.MethodGet && c.Body != "" {
		return errors.New("body must be empty with method GET: put the values in the url")
	}
	if c.Body == "" && c.ContentType != "" {
		return errors.New("content_type is set but body is empty")
	}
	for k := range c.Headers {
		if !validHeaderName(k) {
			return fmt.Errorf("headers: %q is not a valid header name", k)
		}
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Transfer-Encoding":
			return fmt.Errorf("headers.%s cannot be set: it follows from url and body", k)
		case "Content-Type":
			return fmt.Errorf("headers.%s: set content_type instead", k)
		}
	}
	if c.Timeout < time.Millisecond {
		return errors.New("timeout must be a positive duration such as 10s")
	}
	for _, s := range c.Success.Status {
		if s < 200 || s > 499 || s == http.StatusTooManyRequests {
			return fmt.Errorf("success.status: %d cannot mean success (429 and 5xx are always transient)", s)
		}
	}
	if c.Success.JSONPath != "" && len(c.Success.Equals) == 0 {
		return errors.New("success.equals is required with success.json_path")
	}
	if c.Success.JSONPath == "" && len(c.Success.Equals) > 0 {
		return errors.New("success.json_path is required with success.equals")
	}
	for _, s := range c.Permanent.Status {
		if s < 400 || s > 499 || laterStatus(s) {
			return fmt.Errorf("permanent.status: %d is not a 4xx status other than 408, 425 and 429", s)
		}
		if slices.Contains(c.Success.Status, s) {
			return fmt.Errorf("permanent.status: %d is also in success.status", s)
		}
	}
	if c.Permanent.JSONPath != "" && len(c.Permanent.Values) == 0 {
		return errors.New("permanent.values is required with permanent.json_path")
	}
	if c.Permanent.JSONPath == "" && len(c.Permanent.Values) > 0 {
		return errors.New("permanent.json_path is required with permanent.values")
	}
	if !validHeaderName(c.RetryAfterHeader) {
		return fmt.Errorf("retry_after_header: %q is not a valid header name", c.RetryAfterHeader)
	}
	switch c.CheckMethod {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		return fmt.Errorf("check_method must be GET, HEAD or POST, not %q", c.CheckMethod)
	}
	return nil
}

// Channels returns the configured channels.
func (p *Provider) Channels() []otp.Channel { return slices.Clone(p.cfg.Channels) }

// HasCheck reports whether check_url is configured, that is whether Check
// asks the gateway anything; without it Check returns nil untested, and
// `otpd providers check` should say "not checked".
func (p *Provider) HasCheck() bool { return p.tmpl.checkURL != nil }

// Send renders the request for m, sends it and judges the answer.
// Refusals are *otp.ProviderError, permanent only when the answer matches
// the permanent settings, refused for other 4xx answers.
func (p *Provider) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.To == "" {
		return otp.SendResult{}, &otp.ProviderError{Provider: p.cfg.Name, Message: "the message has no recipient", Permanent: true}
	}
	if !slices.Contains(p.cfg.Channels, m.Channel) {
		// Refused, not permanent: the router should try another provider at once.
		return otp.SendResult{}, &otp.ProviderError{Provider: p.cfg.Name, Message: fmt.Sprintf("channel %q is not configured for this provider", m.Channel), Refused: true}
	}
	red := newRedactor(m, p.cfg.Vars)
	r, err := p.tmpl.render(messageData(m, p.cfg.Vars), red)
	if err != nil {
		// The templates rendered at start-up, so this is a branch the
		// sample did not take: the configuration's fault, not the
		// message's, so another provider may do better, at once.
		return otp.SendResult{}, &otp.ProviderError{Provider: p.cfg.Name, Message: "render request: " + err.Error(), Refused: true}
	}
	a, err := p.do(ctx, p.cfg.Method, r, red)
	if err != nil {
		return otp.SendResult{}, err
	}
	id, err := p.judge(a, red)
	if err != nil {
		return otp.SendResult{}, err
	}
	if id == "" {
		id = m.ID
	}
	return otp.SendResult{Provider: p.cfg.Name, ProviderMessageID: id}, nil
}

// Check asks check_url and wants a 2xx answer. Without check_url it
// returns nil without any request: reachability is then unknown (see
// HasCheck). A refusal is an *otp.ProviderError, refused for a 4xx.
func (p *Provider) Check(ctx context.Context) error {
	if p.tmpl.checkURL == nil {
		return nil
	}
	red := newRedactor(otp.OutgoingMessage{}, p.cfg.Vars)
	r, err := p.tmpl.renderCheck(Data{Vars: p.cfg.Vars}, red)
	if err != nil {
		return &otp.ProviderError{Provider: p.cfg.Name, Message: "render check request: " + err.Error()}
	}
	a, err := p.do(ctx, p.cfg.CheckMethod, r, red)
	if err != nil {
		return err
	}
	if a.status < 200 || a.status > 299 {
		return p.refusal(a, red, byStatus(a.status), "the check URL did not answer 2xx")
	}
	return nil
}
