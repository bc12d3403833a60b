package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/client"
	"github.com/otpd/otpd/internal/dialecttest"
)

// onEachEngine runs f against otpd in this process, on SQLite and on
// PostgreSQL, with a client of a new test application.
func onEachEngine(t *testing.T, f func(t *testing.T, h *dialecttest.Harness, c *client.Client)) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		f(t, h, client.New(h.URL, h.CreateApp("test", "").APIKey))
	})
}

// TestVerificationLifecycle drives every verification call against
// otpd: create with options, read, list, check wrong then right, the
// messages, the users, and erasure.
func TestVerificationLifecycle(t *testing.T) {
	onEachEngine(t, testVerificationLifecycle)
}

func testVerificationLifecycle(t *testing.T, h *dialecttest.Harness, c *client.Client) {
	ctx := t.Context()
	v, err := c.CreateVerification(ctx, client.CreateVerificationRequest{
		To: "+44 20 7946 0958", Channel: client.SMS, Purpose: "two_factor", TTL: 120, CodeLength: 8, Locale: "en",
		Metadata: json.RawMessage(`{"order":42}`), IdempotencyKey: "lifecycle-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if v.ID == "" || v.To != "+442079460958" || v.Purpose != "two_factor" || v.Status != "pending" || v.Replayed ||
		v.ExpiresAt.Sub(v.CreatedAt) != 120*time.Second || string(v.Metadata) != `{"order":42}` {
		t.Errorf("created %+v", v)
	}

	got, err := c.GetVerification(ctx, v.ID)
	if err != nil || got.ID != v.ID || got.Channel != client.SMS {
		t.Errorf("GetVerification = %+v, %v", got, err)
	}
	list, page, err := c.ListVerifications(ctx, client.ListVerificationsOptions{To: "+442079460958", Status: "pending", Limit: 5})
	if err != nil || len(list) != 1 || list[0].ID != v.ID || page == nil || page.Limit != 5 || page.HasMore {
		t.Errorf("ListVerifications = %+v, %+v, %v", list, page, err)
	}

	h.Deliver(&dialecttest.Recorder{})
	inbox, err := c.TestMessages(ctx, v.To)
	if err != nil || len(inbox) != 1 || inbox[0].VerificationID != v.ID || len(inbox[0].Code) != 8 {
		t.Fatalf("TestMessages = %+v, %v", inbox, err)
	}
	wrong := strings.Repeat("0", 8)
	if wrong == inbox[0].Code {
		wrong = strings.Repeat("1", 8)
	}
	res, err := c.Check(ctx, v.ID, wrong)
	if err != nil || res.Valid || res.Status != "pending" || res.AttemptsRemaining != v.AttemptsRemaining-1 {
		t.Errorf("wrong code: %+v, %v", res, err)
	}
	res, err = c.Check(ctx, v.ID, inbox[0].Code)
	if err != nil || !res.Valid || res.Status != "verified" || res.VerifiedAt == nil {
		t.Errorf("right code: %+v, %v", res, err)
	}

	// The retry of a check whose answer was lost, as the package doc says.
	res, err = c.Check(ctx, v.ID, inbox[0].Code)
	if err != nil || res.Valid || res.Status != "verified" {
		t.Errorf("the same check again: %+v, %v; want valid false, status verified", res, err)
	}
	if _, err := c.CheckDestination(ctx, v.To, inbox[0].Code); !client.IsCode(err, "NOT_FOUND") {
		t.Errorf("a check by destination after success: %v, want NOT_FOUND", err)
	}

	msgs, err := c.Messages(ctx, v.ID)
	if err != nil || len(msgs) == 0 || msgs[0].Channel != client.SMS || msgs[0].To != "+442079460958" {
		t.Errorf("Messages = %+v, %v", msgs, err)
	}

	h.ConsumeEvents()
	users, _, err := c.ListUsers(ctx, 0, "")
	if err != nil || len(users) != 1 || users[0].PhoneNumber != "+442079460958" || users[0].VerifiedCount != 1 {
		t.Errorf("ListUsers = %+v, %v", users, err)
	}
	u, err := c.GetUser(ctx, "+442079460958")
	if err != nil || u.VerifiedByChannel[client.SMS] != 1 {
		t.Errorf("GetUser = %+v, %v", u, err)
	}
	erased, err := c.EraseUser(ctx, "+442079460958")
	if err != nil || erased.Users != 1 || erased.Verifications != 1 || erased.Remaining != 0 {
		t.Errorf("EraseUser = %+v, %v", erased, err)
	}
	if _, err := c.GetUser(ctx, "+442079460958"); !client.IsCode(err, "NOT_FOUND") {
		t.Errorf("GetUser after erasure: %v, want NOT_FOUND", err)
	}
}

// TestCreateRetryWithIdempotencyKey: the same key and body answer the
// first verification, marked replayed; the same key with another body
// is refused.
func TestCreateRetryWithIdempotencyKey(t *testing.T) {
	onEachEngine(t, testCreateRetryWithIdempotencyKey)
}

func testCreateRetryWithIdempotencyKey(t *testing.T, h *dialecttest.Harness, c *client.Client) {
	ctx := t.Context()
	req := client.CreateVerificationRequest{To: "+14155550123", IdempotencyKey: "retry-1"}
	first, err := c.CreateVerification(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateVerification(ctx, req)
	if err != nil || again.ID != first.ID || !again.Replayed || first.Replayed {
		t.Errorf("retry = %+v, %v; want %s replayed", again, err, first.ID)
	}
	h.Deliver(&dialecttest.Recorder{})
	inbox, err := c.TestMessages(ctx, "+14155550123")
	if err != nil || len(inbox) != 1 {
		t.Errorf("test inbox after a retry: %d messages, %v; want 1", len(inbox), err)
	}
	req.To = "+14155550124"
	_, err = c.CreateVerification(ctx, req)
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusConflict && e.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("same key, other body: %v, want a refusal", err)
	}
}

// TestResendAndCancel: a resend before the cooldown is refused with a
// Retry-After; cancel ends the verification, and checking it then fails.
func TestResendAndCancel(t *testing.T) {
	onEachEngine(t, func(t *testing.T, h *dialecttest.Harness, c *client.Client) {
		testResendAndCancel(t, c)
	})
}

func testResendAndCancel(t *testing.T, c *client.Client) {
	ctx := t.Context()
	v, err := c.CreateVerification(ctx, client.CreateVerificationRequest{To: "grace@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Resend(ctx, v.ID, "")
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusTooManyRequests || e.RetryAfter <= 0 {
		t.Errorf("resend at once: %v (%+v), want 429 with Retry-After", err, e)
	}
	canceled, err := c.Cancel(ctx, v.ID)
	if err != nil || canceled.Status != "canceled" {
		t.Fatalf("Cancel = %+v, %v", canceled, err)
	}
	if _, err := c.Cancel(ctx, v.ID); !client.IsCode(err, "CONFLICT") {
		t.Errorf("a second cancel: %v, want CONFLICT", err)
	}
}

// TestErrorsFromOTPD: otpd's error answers become *client.Error with the
// code, the status, the message and details.
func TestErrorsFromOTPD(t *testing.T) {
	onEachEngine(t, func(t *testing.T, h *dialecttest.Harness, c *client.Client) {
		testErrorsFromOTPD(t, h, c)
	})
}

func testErrorsFromOTPD(t *testing.T, h *dialecttest.Harness, c *client.Client) {
	ctx := t.Context()
	_, err := c.GetVerification(ctx, "ver_nope")
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != 404 || e.Code != "NOT_FOUND" || e.Message == "" {
		t.Errorf("unknown verification: %#v", err)
	}
	_, err = c.CreateVerification(ctx, client.CreateVerificationRequest{To: "+1415", Channel: client.SMS})
	if !errors.As(err, &e) || e.StatusCode != 400 || e.Code != "INVALID_PHONE" || e.Field() != "to" {
		t.Errorf("bad phone: %#v", err)
	}
	_, err = c.CreateVerification(ctx, client.CreateVerificationRequest{To: "+14155552671", Channel: "pigeon"})
	if !errors.As(err, &e) || e.Code != "INVALID_PARAMETER" || e.Field() != "channel" {
		t.Errorf("bad channel: %#v", err)
	}
	_, err = client.New(h.URL, "otpd_test_api_wrong").GetVerification(ctx, "ver_nope")
	if !client.IsCode(err, "UNAUTHENTICATED") || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong key: %v", err)
	}
}

// fakeOTPD answers every request with status, headers and body, and keeps
// the last request it got.
func fakeOTPD(t *testing.T, status int, body string, header ...string) (*httptest.Server, func() *http.Request) {
	var last *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		last = r.Clone(context.Background())
		last.Body = io.NopCloser(strings.NewReader(string(b)))
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() *http.Request { return last }
}

func TestErrorShapes(t *testing.T) {
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	tests := []struct {
		name, body     string
		status         int
		header         []string
		code, message  string
		retryAfter     time.Duration
		detail, detval string
	}{
		{"rate limited", `{"error":{"code":"RATE_LIMITED","message":"Too many","details":{"retryAfter":7}}}`, 429,
			[]string{"Retry-After", "7"}, "RATE_LIMITED", "Too many", 7 * time.Second, "", ""},
		{"unavailable", `{"error":{"code":"UNAVAILABLE","message":"The database is unreachable","details":{"reason":"database"}}}`, 503,
			[]string{"Retry-After", "2"}, "UNAVAILABLE", "The database is unreachable", 2 * time.Second, "reason", "database"},
		{"not otpd's shape", "<html>Bad Gateway</html>", 502, nil, "HTTP_502", "<html>Bad Gateway</html>", 0, "", ""},
		{"empty", "", 504, nil, "HTTP_504", "Gateway Timeout", 0, "", ""},
		{"a long page, cut whole characters", strings.Repeat("é", 150), 502, nil, "HTTP_502", strings.Repeat("é", 100), 0, "", ""},
		{"a Retry-After date gone by", `{"error":{"code":"SERVICE_BUSY","message":"busy"}}`, 503,
			[]string{"Retry-After", past}, "SERVICE_BUSY", "busy", 0, "", ""},
		{"a Retry-After that is no number", `{"error":{"code":"SERVICE_BUSY","message":"busy"}}`, 503,
			[]string{"Retry-After", "soon"}, "SERVICE_BUSY", "busy", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := fakeOTPD(t, tt.status, tt.body, tt.header...)
			_, err := client.New(srv.URL, "k").GetVerification(t.Context(), "ver_1")
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %#v, want a *client.Error", err)
			}
			if e.StatusCode != tt.status || e.Code != tt.code || e.Message != tt.message || e.RetryAfter != tt.retryAfter {
				t.Errorf("got %+v, want %d %s %q Retry-After %v", e, tt.status, tt.code, tt.message, tt.retryAfter)
			}
			if tt.detail != "" && e.Details[tt.detail] != tt.detval {
				t.Errorf("details = %v, want %s=%s", e.Details, tt.detail, tt.detval)
			}
			if !client.IsCode(fmt.Errorf("wrapped: %w", err), tt.code) || client.IsCode(err, "SOMETHING_ELSE") {
				t.Error("IsCode does not see the code through wrapping, or sees another")
			}
		})
	}
}

// TestRequestsCarryTheOptions: the key, the User-Agent, the
// Idempotency-Key, a JSON body, escaped path segments, the query, and
// the configured http.Client.
func TestRequestsCarryTheOptions(t *testing.T) {
	srv, last := fakeOTPD(t, 201, `{"data":{"id":"ver_1","status":"pending"}}`, "Idempotent-Replayed", "true")
	c := client.New(srv.URL+"/", "otpd_live_api_k")
	v, err := c.CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+14155552671", TTL: 60, IdempotencyKey: "idem-1",
		Fallback: []client.FallbackStep{{Channel: client.SMS}, {Channel: client.Voice, Timeout: 30}}})
	if err != nil || v.ID != "ver_1" || !v.Replayed {
		t.Fatalf("create = %+v, %v", v, err)
	}
	r := last()
	body, _ := io.ReadAll(r.Body)
	want := `{"to":"+14155552671","ttl":60,"fallback":[{"channel":"sms"},{"channel":"voice","timeout":30}]}`
	if r.Method != "POST" || r.URL.Path != "/v1/verifications" || string(body) != want {
		t.Errorf("sent %s %s %s, want POST /v1/verifications %s", r.Method, r.URL.Path, body, want)
	}
	for h, want := range map[string]string{"Authorization": "Bearer otpd_live_api_k", "Idempotency-Key": "idem-1",
		"Content-Type": "application/json", "User-Agent": client.DefaultUserAgent} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}

	c.UserAgent = "shop/1.0"
	sent := 0
	c.HTTPClient = &http.Client{Transport: countingTransport{&sent}}
	c.GetUser(t.Context(), "a+b@example.com")
	if r := last(); r.URL.EscapedPath() != "/v1/users/a+b@example.com" || r.Header.Get("User-Agent") != "shop/1.0" || sent != 1 {
		t.Errorf("GET %s with User-Agent %q through the given client %d times", r.URL.EscapedPath(), r.Header.Get("User-Agent"), sent)
	}
	c.GetVerification(t.Context(), "ver/../x")
	if r := last(); r.URL.EscapedPath() != "/v1/verifications/ver%2F..%2Fx" {
		t.Errorf("an id with a slash went to %s", r.URL.EscapedPath())
	}
	from := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c.ListVerifications(t.Context(), client.ListVerificationsOptions{Channel: client.Email, CreatedFrom: from, Limit: 3, Cursor: "cur"})
	if q := last().URL.Query().Encode(); q != "channel=email&createdFrom=2026-01-02T03%3A04%3A05Z&cursor=cur&limit=3" {
		t.Errorf("query %s", q)
	}
	c.Resend(t.Context(), "ver_1", "")
	if r := last(); r.Header.Get("Content-Type") != "" || r.ContentLength > 0 {
		t.Errorf("a resend on the same channel sent a body (%d bytes)", r.ContentLength)
	}
}

type countingTransport struct{ n *int }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	*c.n++
	return http.DefaultTransport.RoundTrip(r)
}

// TestNoRetries: a 503 is returned to the caller after one request.
func TestNoRetries(t *testing.T) {
	srv, _ := fakeOTPD(t, 503, `{"error":{"code":"UNAVAILABLE","message":"down"}}`, "Retry-After", "1")
	sent := 0
	c := client.New(srv.URL, "k")
	c.HTTPClient = &http.Client{Transport: countingTransport{&sent}}
	if _, err := c.CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+14155552671"}); !client.IsCode(err, "UNAVAILABLE") || sent != 1 {
		t.Errorf("%v after %d requests, want UNAVAILABLE after 1", err, sent)
	}
}

// TestContextEndsTheCall: a canceled context is the call's error, not an
// *Error.
func TestContextEndsTheCall(t *testing.T) {
	srv, _ := fakeOTPD(t, 200, `{"data":{}}`)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := client.New(srv.URL, "k").Health(ctx)
	var e *client.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &e) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
