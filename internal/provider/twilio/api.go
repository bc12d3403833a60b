package twilio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/version"
)

// maxAnswer bounds how much of an answer is read; Twilio's are a few KB.
const maxAnswer = 1 << 20

// resource is the part of a created Message or Call that matters here.
type resource struct {
	SID          string   `json:"sid"`
	Status       string   `json:"status"`
	ErrorCode    flexCode `json:"error_code"`
	ErrorMessage string   `json:"error_message"`
}

// apiError is Twilio's error body:
// {"code": 21211, "message": "...", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}.
type apiError struct {
	Code     flexCode `json:"code"`
	Message  string   `json:"message"`
	MoreInfo string   `json:"more_info"`
	Status   int      `json:"status"`
}

// flexCode is an error code Twilio writes as a number, a string or null.
type flexCode int

func (c *flexCode) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*c = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("error code %s is not a number", b)
	}
	*c = flexCode(n)
	return nil
}

// do sends one request to Twilio and decodes a 2xx JSON answer into out.
// Every failure is an *otp.ProviderError.
func (p *Provider) do(ctx context.Context, method, path string, form url.Values, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, p.baseURL+path, body)
	if err != nil {
		return &otp.ProviderError{Provider: p.cfg.Name, Message: "build request: " + err.Error()}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", version.UserAgent())
	req.SetBasicAuth(p.user, p.password)

	resp, err := p.client.Do(req)
	if err != nil {
		// Timeouts, refused connections and cancellations: the URL in
		// err holds the account sid, never a recipient or a secret.
		return &otp.ProviderError{Provider: p.cfg.Name, Message: "request failed: " + err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &otp.ProviderError{Provider: p.cfg.Name, Message: "read answer: " + err.Error()}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return p.refusal(resp, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return p.malformed(fmt.Sprintf("HTTP %d with a body that is not the expected JSON: %v", resp.StatusCode, err))
	}
	return nil
}

// checkCreated accepts a created resource only with a sid, and treats one
// created already failed (Twilio sets status and error_code) as a refusal.
func (p *Provider) checkCreated(res resource) error {
	if res.SID == "" {
		return p.malformed("the created resource has no sid")
	}
	switch res.Status {
	case "failed", "undelivered", "canceled":
		msg := res.ErrorMessage
		if msg == "" {
			msg = "the " + res.Status + " resource " + res.SID
		}
		return p.providerError(int(res.ErrorCode), 0, msg)
	}
	return nil
}

// malformed is an answer otpd cannot understand: transient, since a
// broken proxy or a Twilio incident is more likely than a changed API.
func (p *Provider) malformed(why string) error {
	return &otp.ProviderError{Provider: p.cfg.Name, Message: "malformed answer: " + why}
}

// refusal turns a non-2xx answer into a ProviderError, classified by
// Twilio's error code (see errorClasses) and then by HTTP status.
func (p *Provider) refusal(resp *http.Response, raw []byte) error {
	var e apiError
	_ = json.Unmarshal(raw, &e) // a 502 from a proxy has no Twilio body; the status still counts
	msg := e.Message
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	pe := p.providerError(int(e.Code), resp.StatusCode, msg)
	pe.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), p.now())
	return pe
}

func (p *Provider) providerError(code, status int, msg string) *otp.ProviderError {
	class := classify(code, status)
	pe := &otp.ProviderError{
		Provider:  p.cfg.Name,
		Message:   redactNumbers(msg),
		Permanent: class == permanent,
		Refused:   class == refused,
	}
	if code != 0 {
		pe.Code = strconv.Itoa(code)
	}
	return pe
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// phoneNumber matches what Twilio quotes back in messages such as "The
// 'To' number +15005550001 is not a valid phone number.": seven or more
// digits, possibly grouped. Sids (AC…, SM…) are not matched: their digits
// follow a letter, so there is no word boundary before them.
var phoneNumber = regexp.MustCompile(`(\+|\b)[0-9][0-9 ().-]{5,}[0-9]\b`)

// redactNumbers keeps phone numbers out of error messages, which end up in
// message records and logs.
func redactNumbers(s string) string {
	return phoneNumber.ReplaceAllString(s, "[number]")
}
