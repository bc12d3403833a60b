package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/version"
)

// Defaults for Config.
const (
	// DefaultTimeout bounds one delivery attempt, from dialling to the end
	// of the response excerpt. Standard Webhooks suggests 15-30 s; otpd
	// uses less because its events are small and receivers should answer
	// before doing slow work.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxResponseExcerpt is how much of a response body is kept for
	// the delivery log.
	DefaultMaxResponseExcerpt = 1024
	// MaxRetryAfter caps the Retry-After a receiver may ask for, so that a
	// receiver cannot park a message beyond the retry schedule.
	MaxRetryAfter = time.Hour
)

// DefaultUserAgent identifies otpd and its version to receivers, as it
// does to providers: "otpd/1.2.3".
var DefaultUserAgent = version.UserAgent()

// drainLimit is how much of a response body beyond the excerpt is read so
// that the connection can be reused; longer bodies close the connection.
const drainLimit = 64 << 10

// Errors wrapped by Result.Err.
var (
	ErrInvalidURL = errors.New("webhook: invalid endpoint URL")
	// ErrURLNotAllowed: the URL is valid but the server's policy refuses
	// it (plain http, a port not allowed, a private host).
	ErrURLNotAllowed = errors.New("webhook: endpoint URL not allowed")
	ErrRedirect      = errors.New("webhook: redirect not followed")
	ErrTimeout       = errors.New("webhook: timed out")
	ErrStatus        = errors.New("webhook: endpoint answered with a failure status")
)

// Config configures a Sender.
type Config struct {
	// Timeout bounds one attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// AllowPrivate lets webhooks reach loopback, private, link-local and
	// other non-public addresses (OTPD_WEBHOOK_ALLOW_PRIVATE). Only for
	// development or for deployments where every application owner is
	// trusted with the server's network.
	// It lifts the scheme and port rules too, as otp.WebhookURLPolicy does.
	AllowPrivate bool
	// AllowHTTP lets webhooks go to plain http URLs
	// (OTPD_WEBHOOK_ALLOW_HTTP); otherwise only https.
	AllowHTTP bool
	// AllowedPorts are the ports webhooks may go to; empty means
	// otp.DefaultWebhookPorts (OTPD_WEBHOOK_ALLOWED_PORTS).
	AllowedPorts []int
	// MaxResponseExcerpt is how many bytes of the response body Result
	// keeps; zero means DefaultMaxResponseExcerpt.
	MaxResponseExcerpt int
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// Dial, if set, opens connections in place of the network, and the
	// address check of AllowPrivate does not apply to them. It exists for
	// tests with an in-memory receiver (a testing/synctest bubble cannot
	// wait on sockets); otpd never sets it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Sender posts webhooks. It is safe for concurrent use and keeps
// connections to endpoints alive between deliveries.
type Sender struct {
	client     *http.Client
	transport  *http.Transport
	timeout    time.Duration
	maxExcerpt int
	userAgent  string
	urls       otp.WebhookURLPolicy
}

// Result is the outcome of one delivery attempt.
type Result struct {
	// StatusCode is the HTTP status of the answer, or 0 if none came.
	StatusCode int
	// Latency is how long the attempt took.
	Latency time.Duration
	// ResponseExcerpt is the start of the response body, valid UTF-8, at
	// most MaxResponseExcerpt bytes, for showing to the application owner.
	ResponseExcerpt string
	// Err is nil when the endpoint answered 2xx, and otherwise says why the
	// delivery failed. It never contains the URL, whose query may hold a
	// token.
	Err error
	// Retryable says whether the same message may succeed later: true for
	// 5xx, 408, 429, timeouts and network errors; false for success, other
	// 4xx, 3xx, refused addresses and invalid URLs. 410 Gone is not
	// retryable and, per Standard Webhooks, means the endpoint should be
	// disabled.
	Retryable bool
	// RetryAfter is the wait the endpoint asked for with Retry-After on a
	// retryable answer, capped at MaxRetryAfter; the next attempt should
	// be no earlier than the later of this and NextAttempt.
	RetryAfter time.Duration
}

// NewSender returns a Sender for c, filling in defaults.
//
// Redirects are never followed, to the same host or another: Standard
// Webhooks treats 3xx as a failure, and following one would let a public
// endpoint bounce the request to a URL nobody validated. The endpoint
// owner must register the final URL instead. Proxy environment variables
// are ignored, because the address check must see the real destination.
func NewSender(c Config) *Sender {
	s := &Sender{
		timeout:    c.Timeout,
		maxExcerpt: c.MaxResponseExcerpt,
		userAgent:  c.UserAgent,
		urls:       otp.WebhookURLPolicy{AllowPrivate: c.AllowPrivate, AllowHTTP: c.AllowHTTP, Ports: c.AllowedPorts},
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.maxExcerpt <= 0 {
		s.maxExcerpt = DefaultMaxResponseExcerpt
	}
	if s.userAgent == "" {
		s.userAgent = DefaultUserAgent
	}
	dialer := &net.Dialer{Timeout: s.timeout}
	if !c.AllowPrivate {
		dialer.Control = checkDial
	}
	dial := dialer.DialContext
	if c.Dial != nil {
		dial = c.Dial
	}
	s.transport = &http.Transport{
		Proxy:                  nil,
		DialContext:            dial,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    s.timeout,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	s.client = &http.Client{
		Transport: telemetry.Transport(s.transport),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return s
}

// CloseIdleConnections closes connections kept alive for later deliveries;
// call it on shutdown.
func (s *Sender) CloseIdleConnections() { s.transport.CloseIdleConnections() }

// Send posts body to rawURL with header (usually from Sign) plus
// Content-Type application/json and the User-Agent. It never returns an
// error separately: everything about the attempt is in the Result.
//
// Each call is a span, the root of a trace of its own when ctx holds none
// (the background poster), and the request carries its traceparent.
func (s *Sender) Send(ctx context.Context, rawURL string, header http.Header, body []byte) Result {
	ctx, span := telemetry.Start(ctx, "webhook.send", telemetry.Internal)
	defer span.End()
	start := time.Now()
	res := s.send(ctx, rawURL, header, body)
	res.Latency = time.Since(start)
	if span.IsRecording() {
		if res.StatusCode != 0 {
			span.SetAttributes(telemetry.HTTPStatus.Int(res.StatusCode))
		}
		if res.Err != nil {
			span.Fail()
		}
	}
	return res
}

func (s *Sender) send(ctx context.Context, rawURL string, header http.Header, body []byte) Result {
	u, err := url.Parse(rawURL)
	switch {
	case err != nil:
		return Result{Err: fmt.Errorf("%w: cannot parse", ErrInvalidURL)}
	case u.Scheme != "http" && u.Scheme != "https":
		return Result{Err: fmt.Errorf("%w: scheme %q, want http or https", ErrInvalidURL, u.Scheme)}
	case u.Hostname() == "":
		return Result{Err: fmt.Errorf("%w: no host", ErrInvalidURL)}
	}
	// The rule the URL passed when it was registered, again: the operator
	// may have tightened it since.
	if err := s.urls.Check(rawURL); err != nil {
		if e := otp.ErrorOf(err); e != nil {
			return Result{Err: fmt.Errorf("%w: %s", ErrURLNotAllowed, e.Message)}
		}
		return Result{Err: fmt.Errorf("%w: %v", ErrURLNotAllowed, err)}
	}

	attemptCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(attemptCtx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Result{Err: fmt.Errorf("%w: %v", ErrInvalidURL, err)}
	}
	for k, v := range header {
		req.Header[k] = append([]string(nil), v...)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)

	resp, err := s.client.Do(req)
	if err != nil {
		return s.transportFailure(ctx, err)
	}
	defer resp.Body.Close()
	res := Result{StatusCode: resp.StatusCode, ResponseExcerpt: s.readExcerpt(resp.Body)}
	code := resp.StatusCode
	switch {
	case code >= 200 && code <= 299:
		// Delivered, even if reading the excerpt failed afterwards.
	case code >= 300 && code <= 399:
		res.Err = fmt.Errorf("%w: %d %s to %s; register the final URL instead", ErrRedirect, code, http.StatusText(code), locationHost(resp))
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		res.Err = fmt.Errorf("%w: %d %s", ErrStatus, code, http.StatusText(code))
		res.Retryable = true
		res.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	default:
		// Other 4xx: the receiver rejected this request as such (bad
		// signature, unknown route, gone); sending it again will not help.
		res.Err = fmt.Errorf("%w: %d %s", ErrStatus, code, http.StatusText(code))
	}
	return res
}

// transportFailure classifies an error from Do, when no answer came.
func (s *Sender) transportFailure(ctx context.Context, err error) Result {
	// url.Error carries the URL, which must not reach logs; keep the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, ErrBlockedAddress):
		return Result{Err: err}
	case ctx.Err() != nil:
		// The caller gave up (shutdown): not the endpoint's fault.
		return Result{Err: fmt.Errorf("webhook: delivery abandoned: %w", ctx.Err()), Retryable: true}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return Result{Err: fmt.Errorf("%w: no answer within %s", ErrTimeout, s.timeout), Retryable: true}
	}
	return Result{Err: fmt.Errorf("webhook: post: %w", err), Retryable: true}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readExcerpt keeps the first maxExcerpt bytes of body, cut at a character
// boundary, and drains a little more so the connection can be reused.
func (s *Sender) readExcerpt(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, int64(s.maxExcerpt)))
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	// Drop a character the limit cut in two.
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	// "?" rather than U+FFFD so the excerpt never grows past the limit.
	return strings.ToValidUTF8(string(b), "?")
}

// locationHost names where a redirect pointed without its path or query.
func locationHost(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil || loc.Host == "" {
		return "an unknown location"
	}
	return loc.Scheme + "://" + loc.Host
}

// retryAfter parses Retry-After, in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		// Compare before multiplying: a huge value would overflow.
		d = time.Duration(min(secs, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}
