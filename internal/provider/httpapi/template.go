package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Data is what the url, headers and body templates see: one outgoing
// message, and the operator's Vars.
type Data struct {
	ID             string    // delivery id, stable across retries: an idempotency key
	To             string    // E.164 phone number (+14155550100) or email address
	ToDigits       string    // To without its leading "+"; empty for an email address
	Channel        string    // sms, voice, email, telegram or whatsapp
	Purpose        string    // verification, two_factor, password_reset or transaction
	Locale         string    // BCP 47 tag of the language of Body
	Code           string    // the code itself, for gateways that build their own text
	Body           string    // the text to deliver, code included
	Subject        string    // email subject
	CallerID       string    // requested caller id or sender id; may be empty
	Country        string    // ISO 3166 region of a phone destination; empty for email
	AppName        string    // the application's display name
	VerificationID string    // the verification the message belongs to
	ExpiresAt      time.Time // when the code expires; e.g. {{.ExpiresAt.Unix}}
	// Vars are the operator's Config.Vars (secrets included), e.g.
	// {{urlquery .Vars.api_key}}. A key that is not set is an error.
	Vars map[string]string
}

func messageData(m otp.OutgoingMessage, vars map[string]string) Data {
	var digits string
	if strings.HasPrefix(m.To, "+") {
		digits = m.To[1:]
	}
	return Data{
		ID: m.ID, To: m.To, ToDigits: digits, Channel: string(m.Channel), Purpose: string(m.Purpose),
		Locale: m.Locale, Code: m.Code, Body: m.Body, Subject: m.Subject, CallerID: m.CallerID,
		Country: m.Country, AppName: otp.SafeText(m.AppName), VerificationID: m.VerificationID, ExpiresAt: m.ExpiresAt,
		Vars: vars,
	}
}

// sampleMessage is what the templates are tried on at start-up, once per
// channel served, so that a template naming an unknown field or var fails
// then rather than at the first real message.
func sampleMessage(ch otp.Channel) otp.OutgoingMessage {
	m := otp.OutgoingMessage{
		ID: "dlv_sample", AppID: "app_sample", AppName: "Sample", VerificationID: "ver_sample",
		To: "+14155550100", Channel: ch, Purpose: otp.PurposeVerification, Locale: "en",
		Code: "123456", Body: "Your Sample code is 123456.", Subject: "Your Sample code",
		CallerID: "+14155550199", Country: "US", Attempt: 1,
		ExpiresAt: time.Date(2030, 1, 1, 0, 10, 0, 0, time.UTC),
	}
	if ch == otp.Email {
		m.To, m.Country, m.CallerID = "user@example.com", "", ""
	}
	return m
}

// funcs are the functions templates may call besides text/template's
// builtins. There is deliberately no way to read the environment: secrets
// reach templates only through the configuration (Vars), already expanded.
var funcs = template.FuncMap{
	// urlquery escapes a value for a URL query or a form body.
	"urlquery": url.QueryEscape,
	// pathescape escapes a value for one URL path segment.
	"pathescape": url.PathEscape,
	// json writes a value as a JSON literal, quotes included, for bodies:
	// {"text": {{json .Body}}}.
	"json": jsonLiteral,
}

func jsonLiteral(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<" and "&" are valid JSON; gateways need not see \u003c
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// header is a compiled headers entry.
type header struct {
	key  string // as written in the file, for error messages
	name string // canonical form
	tmpl *template.Template
}

// templates are a configuration's compiled templates.
type templates struct {
	url      *template.Template
	headers  []header // sorted by key, so errors come in a stable order
	body     *template.Template
	checkURL *template.Template // nil without check_url
}

func parseTemplate(key, src string) (*template.Template, error) {
	t, err := template.New(key).Option("missingkey=error").Funcs(funcs).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid template: %w", key, err)
	}
	return t, nil
}

// compileTemplates parses every template of c and renders each once per
// channel with a sample message. Errors name the yaml key, and never
// quote a rendered value (they hold secrets).
func compileTemplates(c Config) (*templates, error) {
	var ts templates
	var err error
	if ts.url, err = parseTemplate("url", c.URL); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(c.Headers))
	for k := range c.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t, err := parseTemplate("headers."+k, c.Headers[k])
		if err != nil {
			return nil, err
		}
		ts.headers = append(ts.headers, header{key: "headers." + k, name: http.CanonicalHeaderKey(k), tmpl: t})
	}
	if c.Body != "" {
		if ts.body, err = parseTemplate("body", c.Body); err != nil {
			return nil, err
		}
	}
	if c.CheckURL != "" {
		if ts.checkURL, err = parseTemplate("check_url", c.CheckURL); err != nil {
			return nil, err
		}
	}

	red := newRedactor(otp.OutgoingMessage{}, c.Vars)
	try := func(d Data, what string) error {
		if _, err := ts.render(d, red); err != nil {
			return fmt.Errorf("%w (rendered for %s)", err, what)
		}
		return nil
	}
	for _, ch := range c.Channels {
		if err := try(messageData(sampleMessage(ch), c.Vars), "a sample "+string(ch)+" message"); err != nil {
			return nil, err
		}
	}
	if ts.checkURL != nil {
		if _, err := ts.renderCheck(Data{Vars: c.Vars}, red); err != nil {
			return nil, fmt.Errorf("%w (rendered for the check)", err)
		}
	}
	return &ts, nil
}

// rendered is one request's url, headers and body.
type rendered struct {
	url     string
	headers [][2]string // canonical name, value
	body    []byte      // nil without a body template
}

// render executes the send templates on d. Errors name the key and pass
// through red, since template errors can quote the data.
func (ts *templates) render(d Data, red redactor) (rendered, error) {
	var r rendered
	var err error
	if r.url, err = execURL(ts.url, d, red); err != nil {
		return rendered{}, err
	}
	if r.headers, err = ts.renderHeaders(d, red); err != nil {
		return rendered{}, err
	}
	if ts.body != nil {
		s, err := exec(ts.body, d, red)
		if err != nil {
			return rendered{}, err
		}
		r.body = []byte(s)
	}
	return r, nil
}

// renderCheck executes check_url and the headers on d, which carries
// only the Vars: a check has no message.
func (ts *templates) renderCheck(d Data, red redactor) (rendered, error) {
	var r rendered
	var err error
	if r.url, err = execURL(ts.checkURL, d, red); err != nil {
		return rendered{}, err
	}
	if r.headers, err = ts.renderHeaders(d, red); err != nil {
		return rendered{}, err
	}
	return r, nil
}

func (ts *templates) renderHeaders(d Data, red redactor) ([][2]string, error) {
	out := make([][2]string, 0, len(ts.headers))
	for _, h := range ts.headers {
		v, err := exec(h.tmpl, d, red)
		if err != nil {
			return nil, err
		}
		if !validHeaderValue(v) {
			return nil, fmt.Errorf("%s: the rendered value has a line break or control character", h.key)
		}
		out = append(out, [2]string{h.name, v})
	}
	return out, nil
}

func exec(t *template.Template, d Data, red redactor) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("%s: %s", t.Name(), red.clean(err.Error()))
	}
	return b.String(), nil
}

func execURL(t *template.Template, d Data, red redactor) (string, error) {
	s, err := exec(t, d, red)
	if err != nil {
		return "", err
	}
	if err := checkRenderedURL(s); err != nil {
		return "", fmt.Errorf("%s: %w", t.Name(), err)
	}
	return s, nil
}

// checkRenderedURL wants an absolute http(s) URL. Its errors do not quote
// the URL, which holds secrets and the message.
func checkRenderedURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("the rendered URL does not parse: escape inserted values with urlquery or pathescape")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("the rendered URL must start with http:// or https://")
	case u.Host == "":
		return errors.New("the rendered URL has no host")
	}
	return nil
}

// validHeaderValue refuses what would split or corrupt a header: line
// breaks and other control characters except tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validHeaderName is RFC 9110's token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
