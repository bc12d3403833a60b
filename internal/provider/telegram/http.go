package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/version"
)

// maxAnswer bounds how much of an answer is read; Telegram's are small.
const maxAnswer = 1 << 20

// answer is what one HTTP exchange with Telegram returned.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// postJSON POSTs in as JSON to endpoint. A bearer, when set, goes into
// the Authorization header. Every failure to get an answer is a transient
// *otp.ProviderError whose message names neither the URL (bot tokens
// travel in the path) nor anything from the request.
func (p *Provider) postJSON(ctx context.Context, endpoint, bearer string, in any) (answer, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return answer{}, p.fail("", "encode request: "+err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return answer{}, p.fail("", "build request: "+stripURL(err).Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", version.UserAgent())
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return answer{}, p.fail("", "request failed: "+stripURL(err).Error())
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, p.fail("", "read answer: "+stripURL(err).Error())
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// stripURL drops the URL a *url.Error carries: in bot mode it holds the
// bot token.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// unreadable is an answer without the {"ok": …} envelope both APIs use:
// a proxy's error page, a truncated body. It is judged by its HTTP status
// alone, and is never permanent: a 4xx is refused (see refusedStatus),
// 429 is throttling, the rest transient.
func (p *Provider) unreadable(a answer) *otp.ProviderError {
	switch {
	case a.status >= 200 && a.status <= 299:
		return p.fail("", fmt.Sprintf("malformed answer: HTTP %d without the expected JSON", a.status))
	case a.status == http.StatusTooManyRequests:
		pe := p.fail("", "HTTP 429 Too Many Requests")
		pe.RetryAfter = retryAfterHeader(a.header.Get("Retry-After"), p.now())
		return pe
	default:
		pe := p.fail("", fmt.Sprintf("HTTP %d %s", a.status, http.StatusText(a.status)))
		pe.Refused = refusedStatus(a.status)
		return pe
	}
}

// refusedStatus says whether an HTTP status refuses the request for good:
// a 4xx (our token, a request Telegram calls invalid), but not 408, 425
// and 429, which ask to come back later.
func refusedStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return status >= 400 && status <= 499
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
