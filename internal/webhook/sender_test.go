package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// newTestSender allows private destinations because httptest listens on
// 127.0.0.1; TestSendRefusesPrivateDestinations covers the default.
func newTestSender(t *testing.T, c Config) *Sender {
	t.Helper()
	c.AllowPrivate = true
	s := NewSender(c)
	t.Cleanup(s.CloseIdleConnections)
	return s
}

func TestSendSuccess(t *testing.T) {
	type received struct {
		Method, ContentType, UserAgent, Signature, ID string
		Body                                          string
	}
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- received{r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"),
			r.Header.Get("webhook-signature"), r.Header.Get("webhook-id"), string(b)}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)

	body := []byte(vecBody)
	h, err := Sign(Standard, vecSecret, vecID, "otp.verified", time.Unix(vecUnix, 0), body)
	if err != nil {
		t.Fatal(err)
	}
	res := newTestSender(t, Config{UserAgent: "otpd-test/9"}).Send(t.Context(), srv.URL+"/hook?token=x", h, body)
	if res.Err != nil || res.StatusCode != 204 || res.Retryable {
		t.Fatalf("Send = %+v, want 204, no error, not retryable", res)
	}
	if res.Latency <= 0 {
		t.Errorf("Latency = %v, want > 0", res.Latency)
	}
	want := received{"POST", "application/json", "otpd-test/9", h.Get("webhook-signature"), vecID, vecBody}
	if diff := cmp.Diff(want, <-got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
}

// TestSendDefaultUserAgent: without Config.UserAgent a receiver is told
// otpd's name and version, as providers are.
func TestSendDefaultUserAgent(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("User-Agent")
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	if res := newTestSender(t, Config{}).Send(t.Context(), srv.URL+"/hook", nil, []byte(`{}`)); res.Err != nil {
		t.Fatalf("Send = %+v, want no error", res)
	}
	if ua := <-got; !regexp.MustCompile(`^otpd/\d+\.\d+\.\d+`).MatchString(ua) {
		t.Errorf("User-Agent = %q, want otpd/x.y.z", ua)
	}
}

func TestSendStatuses(t *testing.T) {
	tests := []struct {
		status      int
		retryAfter  string
		wantErr     error
		wantRetry   bool
		wantAfter   time.Duration
		wantExcerpt string
	}{
		{status: 200, wantExcerpt: "answer 200"},
		{status: 202, wantExcerpt: "answer 202"},
		{status: 400, wantErr: ErrStatus, wantExcerpt: "answer 400"},
		{status: 401, wantErr: ErrStatus, wantExcerpt: "answer 401"},
		{status: 404, wantErr: ErrStatus, wantExcerpt: "answer 404"},
		{status: 410, wantErr: ErrStatus, wantExcerpt: "answer 410"},
		{status: 408, wantErr: ErrStatus, wantRetry: true, wantExcerpt: "answer 408"},
		{status: 429, retryAfter: "7", wantErr: ErrStatus, wantRetry: true, wantAfter: 7 * time.Second, wantExcerpt: "answer 429"},
		{status: 429, retryAfter: "99999999999999", wantErr: ErrStatus, wantRetry: true, wantAfter: MaxRetryAfter, wantExcerpt: "answer 429"},
		{status: 500, wantErr: ErrStatus, wantRetry: true, wantExcerpt: "answer 500"},
		{status: 502, wantErr: ErrStatus, wantRetry: true, wantExcerpt: "answer 502"},
		{status: 503, retryAfter: "soon", wantErr: ErrStatus, wantRetry: true, wantExcerpt: "answer 503"},
		{status: 504, wantErr: ErrStatus, wantRetry: true, wantExcerpt: "answer 504"},
		{status: 301, wantErr: ErrRedirect, wantExcerpt: "answer 301"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, "answer "+r.URL.Query().Get("s"))
			}))
			t.Cleanup(srv.Close)
			res := newTestSender(t, Config{}).Send(t.Context(), srv.URL+"?s="+strconv.Itoa(tt.status), nil, []byte(`{}`))
			if !errors.Is(res.Err, tt.wantErr) || (tt.wantErr == nil) != (res.Err == nil) {
				t.Errorf("Err = %v, want %v", res.Err, tt.wantErr)
			}
			if res.StatusCode != tt.status || res.Retryable != tt.wantRetry || res.RetryAfter != tt.wantAfter || res.ResponseExcerpt != tt.wantExcerpt {
				t.Errorf("Send = {StatusCode:%d Retryable:%v RetryAfter:%v Excerpt:%q}, want {%d %v %v %q}",
					res.StatusCode, res.Retryable, res.RetryAfter, res.ResponseExcerpt,
					tt.status, tt.wantRetry, tt.wantAfter, tt.wantExcerpt)
			}
		})
	}
}

func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
	}{
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), MaxRetryAfter},
		{"-5", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.v, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestSendTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close

	res := newTestSender(t, Config{Timeout: 50 * time.Millisecond}).Send(t.Context(), srv.URL, nil, []byte(`{}`))
	if !errors.Is(res.Err, ErrTimeout) || !res.Retryable || res.StatusCode != 0 {
		t.Errorf("Send = %+v, want ErrTimeout, retryable, no status", res)
	}
}

func TestSendCallerCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res := newTestSender(t, Config{}).Send(ctx, srv.URL, nil, nil)
	if !errors.Is(res.Err, context.Canceled) || !res.Retryable {
		t.Errorf("Send = %+v, want context.Canceled, retryable", res)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close()
	res := newTestSender(t, Config{}).Send(t.Context(), url+"/hook?token=secret-in-query", nil, nil)
	if res.Err == nil || !res.Retryable || res.StatusCode != 0 {
		t.Fatalf("Send = %+v, want an error, retryable", res)
	}
	if strings.Contains(res.Err.Error(), "secret-in-query") {
		t.Errorf("Err = %q, leaks the URL query", res.Err)
	}
}

func TestSendRedirectNotFollowed(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
	}))
	t.Cleanup(other.Close)
	for _, code := range []int{301, 302, 307, 308} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/elsewhere?k=v", code)
			}))
			t.Cleanup(srv.Close)
			res := newTestSender(t, Config{}).Send(t.Context(), srv.URL, nil, []byte(`{}`))
			if !errors.Is(res.Err, ErrRedirect) || res.Retryable || res.StatusCode != code {
				t.Errorf("Send = %+v, want ErrRedirect, not retryable, status %d", res, code)
			}
			if msg := res.Err.Error(); !strings.Contains(msg, other.URL) || strings.Contains(msg, "k=v") {
				t.Errorf("Err = %q, want the target host %s without its query", msg, other.URL)
			}
		})
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("redirect target received %d requests, want 0", n)
	}
}

func TestSendExcerptTruncated(t *testing.T) {
	tests := []struct {
		name, body string
		max        int
		want       string
	}{
		{"ascii", strings.Repeat("x", 5000), 100, strings.Repeat("x", 100)},
		{"default limit", strings.Repeat("y", 5000), 0, strings.Repeat("y", DefaultMaxResponseExcerpt)},
		{"cut inside a character", "ab" + strings.Repeat("é", 10), 5, "abé"}, // é is 2 bytes: 5 bytes end mid-character
		{"invalid bytes", "ok\xff\xfe rest", 100, "ok? rest"},
		{"short", "fine", 100, "fine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(500)
				io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			res := newTestSender(t, Config{MaxResponseExcerpt: tt.max}).Send(t.Context(), srv.URL, nil, nil)
			if res.ResponseExcerpt != tt.want {
				t.Errorf("ResponseExcerpt = %q, want %q", res.ResponseExcerpt, tt.want)
			}
			if !utf8.ValidString(res.ResponseExcerpt) {
				t.Errorf("ResponseExcerpt %q is not valid UTF-8", res.ResponseExcerpt)
			}
		})
	}
}

func TestSendInvalidURL(t *testing.T) {
	s := newTestSender(t, Config{})
	for _, u := range []string{"", "ftp://example.com/x", "file:///etc/passwd", "gopher://example.com", "http://", "https:///path", "://bad", "example.com/hook"} {
		res := s.Send(t.Context(), u, nil, nil)
		if !errors.Is(res.Err, ErrInvalidURL) || res.Retryable {
			t.Errorf("Send(%q) = %+v, want ErrInvalidURL, not retryable", u, res)
		}
	}
}

func TestNewSenderDefaults(t *testing.T) {
	s := NewSender(Config{})
	got := []any{s.timeout, s.maxExcerpt, s.userAgent, s.transport.Proxy == nil}
	want := []any{10 * time.Second, 1024, DefaultUserAgent, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults mismatch (-want +got):\n%s", diff)
	}
}
