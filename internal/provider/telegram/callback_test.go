package telegram_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/telegram"
	"github.com/otpd/otpd/internal/provider/telegram/telegramtest"
)

// sink records receipts, or fails with err.
type sink struct {
	mu       sync.Mutex
	receipts []otp.Receipt
	err      error
}

func (s *sink) RecordReceipt(_ context.Context, r otp.Receipt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.receipts = append(s.receipts, r)
	return nil
}

func (s *sink) got() []otp.Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.receipts
}

// sent sends one message through a fresh fake and returns its request id,
// with the fake, the provider and otpd's report endpoint serving sk.
func sent(t *testing.T, sk *sink) (*telegramtest.GatewayServer, *telegram.Provider, string, string) {
	t.Helper()
	s := telegramtest.NewGatewayServer(t)
	p := newGateway(t, s, func(c *telegram.Config) { c.CallbackURL = callbackURL })
	res, err := p.Send(t.Context(), message())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	endpoint := httptest.NewServer(p.CallbackHandler(sk))
	t.Cleanup(endpoint.Close)
	return s, p, res.ProviderMessageID, endpoint.URL
}

func TestReports(t *testing.T) {
	tests := []struct {
		status string
		want   []otp.Receipt // At is checked separately
	}{
		{"delivered", []otp.Receipt{{Provider: "telegram-main", Status: otp.DeliveryDelivered}}},
		{"read", []otp.Receipt{{Provider: "telegram-main", Status: otp.DeliveryDelivered}}},
		{"expired", []otp.Receipt{{Provider: "telegram-main", Status: otp.DeliveryFailed, Error: "the message expired before it was delivered"}}},
		{"revoked", []otp.Receipt{{Provider: "telegram-main", Status: otp.DeliveryFailed, Error: "the message was revoked"}}},
		{"sent", nil},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			sk := &sink{}
			s, _, rid, endpoint := sent(t, sk)
			before := time.Now().Add(-time.Second)
			status, err := s.SendReport(t.Context(), endpoint, rid, tt.status)
			if err != nil || status != http.StatusOK {
				t.Fatalf("SendReport = %d, %v; want 200 (Telegram retries anything else)", status, err)
			}
			got := sk.got()
			for i := range tt.want {
				tt.want[i].ProviderMessageID = rid
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(otp.Receipt{}, "At")); diff != "" {
				t.Errorf("receipts (-want +got):\n%s", diff)
			}
			for _, r := range got {
				if r.At.Before(before) || r.At.After(time.Now()) {
					t.Errorf("receipt At = %v, want the report's updated_at (about now)", r.At)
				}
			}
		})
	}
}

func TestReportAuthentication(t *testing.T) {
	sk := &sink{}
	s, _, rid, endpoint := sent(t, sk)
	body, err := s.Report(rid, "delivered")
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	tests := []struct {
		name    string
		ts, sig string
		body    string
	}{
		{"tampered body", now, telegramtest.ReportSignature(s.Token, now, body), strings.Replace(string(body), "delivered", "read", 1) + " "},
		{"tampered timestamp", strconv.FormatInt(time.Now().Unix()+1, 10), telegramtest.ReportSignature(s.Token, now, body), string(body)},
		{"wrong key", now, telegramtest.ReportSignature("another token", now, body), string(body)},
		{"missing signature", now, "", string(body)},
		{"missing timestamp", "", telegramtest.ReportSignature(s.Token, now, body), string(body)},
		{"signature not hex", now, "zz" + telegramtest.ReportSignature(s.Token, now, body)[2:], string(body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint, strings.NewReader(tt.body))
			if tt.ts != "" {
				req.Header.Set("X-Request-Timestamp", tt.ts)
			}
			if tt.sig != "" {
				req.Header.Set("X-Request-Signature", tt.sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status = %d, want 403", resp.StatusCode)
			}
		})
	}
	if got := sk.got(); len(got) != 0 {
		t.Errorf("receipts = %+v, want none from unauthenticated reports", got)
	}

	// The same report, signed properly, passes: the cases above failed for
	// their defect alone.
	if status, err := s.PostReport(t.Context(), endpoint, body, time.Now()); err != nil || status != http.StatusOK {
		t.Errorf("PostReport = %d, %v; want 200", status, err)
	}
}

func TestReportStaleTimestamp(t *testing.T) {
	sk := &sink{}
	s, _, rid, endpoint := sent(t, sk)
	body, err := s.Report(rid, "delivered")
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	for _, at := range []time.Time{time.Now().Add(-time.Hour), time.Now().Add(time.Hour)} {
		if status, err := s.PostReport(t.Context(), endpoint, body, at); err != nil || status != http.StatusForbidden {
			t.Errorf("PostReport stamped %v = %d, %v; want 403", at, status, err)
		}
	}
	if got := sk.got(); len(got) != 0 {
		t.Errorf("receipts = %+v, want none from stale reports", got)
	}
}

func TestReportRejects(t *testing.T) {
	sk := &sink{}
	s, _, _, endpoint := sent(t, sk)
	tests := []struct {
		name string
		body string
		want int
	}{
		{"not json", `{"request_id":`, http.StatusBadRequest},
		{"no request id", `{"delivery_status":{"status":"delivered","updated_at":1}}`, http.StatusBadRequest},
		{"verification only", `{"request_id":"abc","verification_status":{"status":"code_valid","updated_at":1}}`, http.StatusOK},
	}
	for _, tt := range tests {
		status, err := s.PostReport(t.Context(), endpoint, []byte(tt.body), time.Now())
		if err != nil || status != tt.want {
			t.Errorf("%s: PostReport = %d, %v; want %d", tt.name, status, err, tt.want)
		}
	}
	if got := sk.got(); len(got) != 0 {
		t.Errorf("receipts = %+v, want none", got)
	}

	resp, err := http.Get(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET status = %d, want 405", resp.StatusCode)
	}
}

func TestReportSinkFailure(t *testing.T) {
	sk := &sink{err: errors.New("database is closed")}
	s, _, rid, endpoint := sent(t, sk)
	status, err := s.SendReport(t.Context(), endpoint, rid, "delivered")
	if err != nil || status != http.StatusInternalServerError {
		t.Errorf("SendReport = %d, %v; want 500 so that Telegram retries", status, err)
	}
}

func TestBotWebhookNeedsTheSecret(t *testing.T) {
	p := newBot(t, telegramtest.NewBotServer(t), func(c *telegram.Config) { c.WebhookSecret = "s3cret" })
	for _, secret := range []string{"", "wrong"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"update_id":1}`))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		p.CallbackHandler(&sink{}).ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("secret %q: status = %d, want 403", secret, rec.Code)
		}
	}
	noSecret := newBot(t, telegramtest.NewBotServer(t), nil)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"update_id":1}`))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "")
	noSecret.CallbackHandler(&sink{}).ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("no webhook_secret configured: status = %d, want 403", rec.Code)
	}
}
