package httpapi

import (
	"bytes"
	"cmp"
	"context"
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
	"unicode/utf8"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/version"
)

// maxAnswer bounds how much of an answer is read: an acceptance or a
// refusal is small, and a gateway gone wrong must not fill memory.
const maxAnswer = 1 << 20

// maxReason bounds the gateway's reason quoted in an error.
const maxReason = 200

// do sends one rendered request and reads the answer. Transport failures
// are transient *otp.ProviderError values that do not quote the URL.
func (p *Provider) do(ctx context.Context, method string, r rendered, red redactor) (*answer, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.url, body)
	if err != nil {
		// The URL was checked when rendered; the error would quote it.
		return nil, &otp.ProviderError{Provider: p.cfg.Name, Message: "build request: the rendered URL is not valid"}
	}
	req.Header.Set("User-Agent", version.UserAgent()) // a configured header may replace it
	if r.body != nil {
		req.Header.Set("Content-Type", p.cfg.ContentType)
	}
	for _, h := range r.headers {
		req.Header.Set(h[0], h[1])
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, &otp.ProviderError{Provider: p.cfg.Name, Message: "request failed: " + red.known(transportError(err))}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, &otp.ProviderError{Provider: p.cfg.Name, Message: "read answer: " + red.known(transportError(err))}
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// transportError describes a failed request without its URL, which
// net/http's *url.Error quotes in full (query secrets included).
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// judge decides on an answer to a send: the gateway's message id when it
// accepted (empty when message_id is not configured), otherwise a
// *otp.ProviderError. See the package comment for the order of the rules.
func (p *Provider) judge(a *answer, red redactor) (string, error) {
	if laterStatus(a.status) {
		return "", p.refusal(a, red, transient, "")
	}
	if p.isPermanent(a) {
		return "", p.refusal(a, red, permanent, "")
	}
	if why := p.unaccepted(a); why != "" {
		return "", p.refusal(a, red, byStatus(a.status), red.clean(why))
	}
	if !p.messageID.configured() {
		return "", nil
	}
	id, err := p.messageID.extract(a)
	if err != nil {
		// The gateway may well have sent the message, but an answer
		// that does not have the shape configured cannot be trusted to
		// mean acceptance: a proxy's page, a changed API.
		return "", &otp.ProviderError{Provider: p.cfg.Name, Message: fmt.Sprintf("malformed answer: HTTP %d: message_id: %s", a.status, red.clean(err.Error()))}
	}
	return id, nil
}

// class is what a refusal means for the delivery pipeline: the three
// classes of otp.ProviderError.
type class int

const (
	transient class = iota // retried with backoff
	refused                // this gateway will not take the message; the router fails over at once
	permanent              // the recipient cannot be reached; no provider can help
)

// laterStatus is an answer that asks to come back later whatever its body
// says: 429, 408, 425 and 5xx.
func laterStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusRequestTimeout, http.StatusTooEarly:
		return true
	}
	return status >= 500
}

// byStatus classes an answer that is not an acceptance and that the
// permanent rule does not match: a 4xx (other than a laterStatus) is the
// gateway refusing the request — our credentials, balance, sender or a
// request it calls invalid — which asking again does not change; anything
// else (a 2xx or 3xx that fails a success condition, a malformed body)
// says too little, and is transient.
func byStatus(status int) class {
	if status >= 400 && status <= 499 && !laterStatus(status) {
		return refused
	}
	return transient
}

func (p *Provider) isPermanent(a *answer) bool {
	if slices.Contains(p.cfg.Permanent.Status, a.status) {
		return true
	}
	if p.permPath == nil {
		return false
	}
	doc, err := a.json()
	if err != nil {
		return false // a non-JSON refusal is not known to blame the recipient
	}
	v, err := p.permPath.lookup(doc)
	return err == nil && slices.Contains(p.cfg.Permanent.Values, v)
}

// unaccepted says which success condition a fails, or "" when it meets
// them all. The reason may quote the gateway's answer; callers redact it.
func (p *Provider) unaccepted(a *answer) string {
	if p.successStatus == nil {
		if a.status < 200 || a.status > 299 {
			// Never "": that would read as acceptance.
			return cmp.Or(http.StatusText(a.status), "not a 2xx status")
		}
	} else if !slices.Contains(p.successStatus, a.status) {
		return fmt.Sprintf("status %d is not in success.status", a.status)
	}
	if p.successPath != nil {
		doc, err := a.json()
		if err != nil {
			return "malformed answer: " + err.Error()
		}
		v, err := p.successPath.lookup(doc)
		if err != nil {
			return "malformed answer: " + err.Error()
		}
		if !slices.Contains(p.cfg.Success.Equals, v) {
			return fmt.Sprintf("%s is %q, not one of success.equals", p.successPath, truncate(v, 64))
		}
	}
	if s := p.cfg.Success.BodyContains; s != "" && !bytes.Contains(a.body, []byte(s)) {
		return "the body does not contain success.body_contains"
	}
	return ""
}

// refusal makes the error for an answer that is not an acceptance: the
// gateway's code and reason when error_code and error_message find them,
// else why; and, when transient, the wait the gateway asked for.
func (p *Provider) refusal(a *answer, red redactor, c class, why string) *otp.ProviderError {
	pe := &otp.ProviderError{Provider: p.cfg.Name, Permanent: c == permanent, Refused: c == refused}
	if code, err := p.errorCode.extract(a); err == nil {
		pe.Code = red.clean(truncate(code, 64))
	}
	msg := fmt.Sprintf("HTTP %d", a.status)
	if reason, err := p.errorMessage.extract(a); err == nil && reason != "" {
		msg += ": " + red.clean(truncate(reason, maxReason))
	} else if why != "" {
		msg += ": " + why
	} else if t := http.StatusText(a.status); t != "" {
		msg += " " + t
	}
	pe.Message = msg
	if c == transient {
		pe.RetryAfter = retryAfter(a.header.Get(p.cfg.RetryAfterHeader), p.now())
	}
	return pe
}

// retryAfter reads a Retry-After value: delay-seconds or an HTTP date.
// Anything else, or a time already past, is no wait.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(h, 10, 32); err == nil {
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

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// minSecret is the shortest var value redacted from errors: shorter ones
// are more likely a sender id or a flag than a secret, and replacing them
// would garble messages.
const minSecret = 8

// phoneNumber matches phone numbers as gateways quote them back: seven or
// more digits, possibly grouped.
var phoneNumber = regexp.MustCompile(`(\+|\b)[0-9][0-9 ().-]{5,}[0-9]\b`)

// redactor removes from text bound for an error what must not be there:
// the message's recipient, code and body, the configured secrets, and
// anything that looks like a phone number.
type redactor struct{ r *strings.Replacer }

func newRedactor(m otp.OutgoingMessage, vars map[string]string) redactor {
	var olds []string
	for _, s := range []string{m.Body, m.To, strings.TrimPrefix(m.To, "+"), m.Code} {
		if s != "" {
			olds = append(olds, s)
		}
	}
	for _, v := range vars {
		if len(v) >= minSecret {
			olds = append(olds, v)
		}
		// Templates insert secrets escaped; an error may quote either form.
		if q := url.QueryEscape(v); q != v && len(q) >= minSecret {
			olds = append(olds, q)
		}
	}
	if len(olds) == 0 {
		return redactor{}
	}
	// strings.Replacer tries the old strings in argument order, so the
	// longest goes first: the body before the code it contains.
	slices.SortFunc(olds, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	olds = slices.Compact(olds)
	pairs := make([]string, 0, 2*len(olds))
	for _, s := range olds {
		pairs = append(pairs, s, "[redacted]")
	}
	return redactor{r: strings.NewReplacer(pairs...)}
}

// clean redacts the known values and anything like a phone number, for
// text from the gateway.
func (r redactor) clean(s string) string {
	return phoneNumber.ReplaceAllString(r.known(s), "[number]")
}

// known redacts only the known values, for text from net/http, whose
// addresses (127.0.0.1:8080) the phone number pattern would eat.
func (r redactor) known(s string) string {
	if r.r != nil {
		s = r.r.Replace(s)
	}
	return s
}
