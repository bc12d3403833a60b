package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// maxAnswer bounds how much of an answer is read; Meta's are a few KB.
const maxAnswer = 1 << 20

// graphError is the Graph API's error body:
// {"error": {"message": "(#131026) Message undeliverable", "type": "OAuthException",
// "code": 131026, "error_subcode": 2494010, "error_data": {"messaging_product": "whatsapp",
// "details": "…"}, "fbtrace_id": "…"}}.
type graphError struct {
	Error *struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         int    `json:"code"`
		ErrorSubcode int    `json:"error_subcode"`
		ErrorData    struct {
			Details string `json:"details"`
		} `json:"error_data"`
		FBTraceID   string `json:"fbtrace_id"`
		IsTransient bool   `json:"is_transient"`
	} `json:"error"`
}

// do sends one request to the Graph API with the access token and decodes
// a 2xx JSON answer into out. Every failure is an *otp.ProviderError.
func (p *Provider) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return p.fail(0, "encode request: "+err.Error())
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.baseURL+path, body)
	if err != nil {
		return p.fail(0, "build request: "+stripURL(err).Error())
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", version.UserAgent()) // Meta's specification wants name/x.y.z
	req.Header.Set("Authorization", "Bearer "+p.cfg.AccessToken)

	resp, err := p.client.Do(req)
	if err != nil {
		return p.fail(0, "request failed: "+stripURL(err).Error())
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return p.fail(0, "read answer: "+stripURL(err).Error())
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return p.refusal(resp, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return p.fail(0, fmt.Sprintf("malformed answer: HTTP %d with a body that is not the expected JSON", resp.StatusCode))
	}
	return nil
}

// stripURL drops the URL a *url.Error carries: nothing secret is in it
// today, but errors end up in message records and logs.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// refusal turns a non-2xx answer into a ProviderError, classified by the
// Graph error code (see errorClasses) and then by HTTP status.
func (p *Provider) refusal(resp *http.Response, raw []byte) *otp.ProviderError {
	var e graphError
	_ = json.Unmarshal(raw, &e) // a 502 from a proxy has no Graph body; the status still counts
	if e.Error == nil || e.Error.Code == 0 {
		pe := p.fail(0, fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
		switch classify(0, resp.StatusCode, false) {
		case throttled:
			pe.RetryAfter = p.retryAfter(resp.Header, 0)
		case refused:
			pe.Refused = true
		}
		return pe
	}
	msg := e.Error.Message
	if d := e.Error.ErrorData.Details; d != "" && d != msg {
		msg += ": " + d
	}
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if e.Error.FBTraceID != "" {
		msg += " (fbtrace_id " + e.Error.FBTraceID + ")" // what Meta's support asks for
	}
	pe := p.fail(e.Error.Code, redactNumbers(msg))
	switch classify(e.Error.Code, resp.StatusCode, e.Error.IsTransient) {
	case permanent:
		pe.Permanent = true
	case refused:
		pe.Refused = true
	case throttled:
		pe.RetryAfter = p.retryAfter(resp.Header, e.Error.Code)
	}
	return pe
}

// retryAfter is how long Meta asks to wait: a Retry-After header if there
// is one, else the largest estimated_time_to_regain_access (minutes) of
// the X-Business-Use-Case-Usage header Graph sends with rate-limited
// answers, else otpd's default for the code.
func (p *Provider) retryAfter(h http.Header, code int) time.Duration {
	if d := retryAfterHeader(h.Get("Retry-After"), p.now()); d > 0 {
		return d
	}
	if d := regainAccess(h.Get("X-Business-Use-Case-Usage")); d > 0 {
		return d
	}
	return defaultRetryAfter[code]
}

// regainAccess reads X-Business-Use-Case-Usage:
// {"<business id>": [{"type": "whatsapp", "call_count": 100, …, "estimated_time_to_regain_access": 2}]}.
func regainAccess(h string) time.Duration {
	if h == "" {
		return 0
	}
	var usage map[string][]struct {
		EstimatedTimeToRegainAccess int `json:"estimated_time_to_regain_access"`
	}
	if err := json.Unmarshal([]byte(h), &usage); err != nil {
		return 0
	}
	most := 0
	for _, entries := range usage {
		for _, u := range entries {
			most = max(most, u.EstimatedTimeToRegainAccess)
		}
	}
	return time.Duration(most) * time.Minute
}

// retryAfterHeader reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfterHeader(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil {
		return max(time.Duration(secs)*time.Second, 0)
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// phoneNumber matches seven or more digits, possibly grouped, as a phone
// number quoted in an error message would be.
var phoneNumber = regexp.MustCompile(`(\+|\b)[0-9][0-9 ().-]{5,}[0-9]\b`)

// redactNumbers keeps phone numbers out of error messages, which end up
// in message records and logs.
func redactNumbers(s string) string {
	return phoneNumber.ReplaceAllString(s, "[number]")
}
