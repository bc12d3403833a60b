package whatsapp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/whatsapp"
	"github.com/otpd/otpd/internal/provider/whatsapp/whatsapptest"
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

// endpoint serves p's webhook handler, recording into sk.
func endpoint(t *testing.T, p *whatsapp.Provider, sk *sink) string {
	t.Helper()
	srv := httptest.NewServer(p.CallbackHandler(sk))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestWebhookStatuses(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, nil)
	res, err := p.Send(t.Context(), message())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	wamid := res.ProviderMessageID
	at := time.Unix(1700000000, 0)
	tests := []struct {
		name   string
		status whatsapptest.Status
		want   []otp.Receipt
	}{
		{"delivered", whatsapptest.Status{ID: wamid, Status: "delivered", Timestamp: at},
			[]otp.Receipt{{Provider: "whatsapp-main", ProviderMessageID: wamid, Status: otp.DeliveryDelivered, At: at}}},
		{"read", whatsapptest.Status{ID: wamid, Status: "read", Timestamp: at},
			[]otp.Receipt{{Provider: "whatsapp-main", ProviderMessageID: wamid, Status: otp.DeliveryDelivered, At: at}}},
		{"failed", whatsapptest.Status{ID: wamid, Status: "failed", Timestamp: at, Errors: []whatsapptest.StatusError{
			{Code: 131026, Title: "Message undeliverable", Details: "Message Undeliverable."},
		}}, []otp.Receipt{{
			Provider: "whatsapp-main", ProviderMessageID: wamid, Status: otp.DeliveryFailed, At: at,
			Error: "Message undeliverable (code 131026)",
		}}},
		{"failed with details", whatsapptest.Status{ID: wamid, Status: "failed", Timestamp: at, Errors: []whatsapptest.StatusError{
			{Code: 131049, Title: "This message was not delivered to maintain healthy ecosystem engagement.", Details: "Meta chose not to deliver."},
		}}, []otp.Receipt{{
			Provider: "whatsapp-main", ProviderMessageID: wamid, Status: otp.DeliveryFailed, At: at,
			Error: "This message was not delivered to maintain healthy ecosystem engagement.: Meta chose not to deliver. (code 131049)",
		}}},
		{"sent", whatsapptest.Status{ID: wamid, Status: "sent", Timestamp: at}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sk := &sink{}
			status, err := s.SendWebhook(t.Context(), endpoint(t, p, sk), s.Notification(tt.status))
			if err != nil || status != http.StatusOK {
				t.Fatalf("SendWebhook = %d, %v; want 200", status, err)
			}
			if diff := cmp.Diff(tt.want, sk.got()); diff != "" {
				t.Errorf("receipts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWebhookBatchAndOtherNumbers(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, nil)
	sk := &sink{}
	url := endpoint(t, p, sk)
	at := time.Unix(1700000000, 0)
	body := s.Notification(
		whatsapptest.Status{ID: "wamid.A", Status: "sent", Timestamp: at},
		whatsapptest.Status{ID: "wamid.A", Status: "delivered", Timestamp: at},
		whatsapptest.Status{ID: "wamid.B", Status: "failed", Timestamp: at, Errors: []whatsapptest.StatusError{{Code: 131026, Title: "Message undeliverable"}}},
	)
	if status, err := s.SendWebhook(t.Context(), url, body); err != nil || status != http.StatusOK {
		t.Fatalf("SendWebhook = %d, %v; want 200", status, err)
	}
	other := s.NotificationFor("999999999999999", whatsapptest.Status{ID: "wamid.C", Status: "delivered", Timestamp: at})
	if status, err := s.SendWebhook(t.Context(), url, other); err != nil || status != http.StatusOK {
		t.Fatalf("SendWebhook for another number = %d, %v; want 200", status, err)
	}
	want := []otp.Receipt{
		{Provider: "whatsapp-main", ProviderMessageID: "wamid.A", Status: otp.DeliveryDelivered, At: at},
		{Provider: "whatsapp-main", ProviderMessageID: "wamid.B", Status: otp.DeliveryFailed, At: at, Error: "Message undeliverable (code 131026)"},
	}
	if diff := cmp.Diff(want, sk.got()); diff != "" {
		t.Errorf("receipts (-want +got):\n%s", diff)
	}
}

func TestWebhookSignature(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, nil)
	sk := &sink{}
	url := endpoint(t, p, sk)
	body := s.Notification(whatsapptest.Status{ID: "wamid.A", Status: "delivered", Timestamp: time.Now()})
	tampered := strings.Replace(string(body), "wamid.A", "wamid.B", 1)
	tests := []struct {
		name string
		sig  string
		body string
	}{
		{"tampered body", whatsapptest.Signature(s.AppSecret, body), tampered},
		{"wrong secret", whatsapptest.Signature("another secret", body), string(body)},
		{"missing signature", "", string(body)},
		{"sha1 signature", "sha1=" + strings.TrimPrefix(whatsapptest.Signature(s.AppSecret, body), "sha256="), string(body)},
		{"not hex", "sha256=zz", string(body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(tt.body))
			if tt.sig != "" {
				req.Header.Set("X-Hub-Signature-256", tt.sig)
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
		t.Errorf("receipts = %+v, want none from unauthenticated notifications", got)
	}
	// The same body, signed properly, passes.
	if status, err := s.SendWebhook(t.Context(), url, body); err != nil || status != http.StatusOK {
		t.Errorf("SendWebhook = %d, %v; want 200", status, err)
	}
}

func TestWebhookWithoutAppSecret(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, func(c *whatsapp.Config) { c.AppSecret, c.VerifyToken = "", "" })
	body := s.Notification(whatsapptest.Status{ID: "wamid.A", Status: "delivered", Timestamp: time.Now()})
	if status, err := s.SendWebhook(t.Context(), endpoint(t, p, &sink{}), body); err != nil || status != http.StatusForbidden {
		t.Errorf("SendWebhook = %d, %v; want 403: nothing can be verified without app_secret", status, err)
	}
}

func TestWebhookRejects(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, nil)
	sk := &sink{}
	url := endpoint(t, p, sk)
	tests := []struct {
		name string
		body string
		want int
	}{
		{"not json", `{"object":`, http.StatusBadRequest},
		{"another object", `{"object":"page","entry":[]}`, http.StatusBadRequest},
		{"incoming message only", `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",
			"value":{"messaging_product":"whatsapp","messages":[{"from":"447700900123","id":"wamid.in","type":"text"}]}}]}]}`, http.StatusOK},
	}
	for _, tt := range tests {
		if status, err := s.SendWebhook(t.Context(), url, []byte(tt.body)); err != nil || status != tt.want {
			t.Errorf("%s: SendWebhook = %d, %v; want %d", tt.name, status, err, tt.want)
		}
	}
	if got := sk.got(); len(got) != 0 {
		t.Errorf("receipts = %+v, want none", got)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT status = %d, want 405", resp.StatusCode)
	}
}

func TestWebhookSinkFailure(t *testing.T) {
	s := whatsapptest.NewServer(t)
	p := newProvider(t, s, nil)
	body := s.Notification(whatsapptest.Status{ID: "wamid.A", Status: "delivered", Timestamp: time.Now()})
	sk := &sink{err: errors.New("database is closed")}
	if status, err := s.SendWebhook(t.Context(), endpoint(t, p, sk), body); err != nil || status != http.StatusInternalServerError {
		t.Errorf("SendWebhook = %d, %v; want 500 so that Meta retries", status, err)
	}
}

func TestWebhookVerification(t *testing.T) {
	s := whatsapptest.NewServer(t)
	tests := []struct {
		name       string
		configured string // verify_token
		sent       string
		wantStatus int
		wantEcho   bool
	}{
		{"matching token", "let-me-in", "let-me-in", http.StatusOK, true},
		{"wrong token", "let-me-in", "let-me-out", http.StatusForbidden, false},
		{"empty token", "let-me-in", "", http.StatusForbidden, false},
		{"nothing configured", "", "", http.StatusForbidden, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t, s, func(c *whatsapp.Config) { c.VerifyToken = tt.configured })
			status, echoed, err := s.VerifyWebhook(t.Context(), endpoint(t, p, &sink{}), tt.sent)
			if err != nil || status != tt.wantStatus || echoed != tt.wantEcho {
				t.Errorf("VerifyWebhook = %d, echoed %v, %v; want %d, echoed %v", status, echoed, err, tt.wantStatus, tt.wantEcho)
			}
		})
	}

	p := newProvider(t, s, nil)
	rec := httptest.NewRecorder()
	p.CallbackHandler(&sink{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
		"/?hub.mode=unsubscribe&hub.verify_token=let-me-in&hub.challenge=42", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("hub.mode=unsubscribe: status = %d, want 403", rec.Code)
	}
}
