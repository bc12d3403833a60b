package vonage_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/vonage"
	"github.com/otpd/otpd/internal/provider/vonage/vonagetest"
)

// recorder is a ReceiptSink that keeps what it is given, or fails.
type recorder struct {
	mu       sync.Mutex
	receipts []otp.Receipt
	err      error
}

func (r *recorder) RecordReceipt(_ context.Context, rec otp.Receipt) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.receipts = append(r.receipts, rec)
	return nil
}

func (r *recorder) got() []otp.Receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]otp.Receipt(nil), r.receipts...)
}

// callbackServer serves p's callback handler and returns its URL.
func callbackServer(t *testing.T, p *vonage.Provider, sink otp.ReceiptSink) string {
	t.Helper()
	srv := httptest.NewServer(p.CallbackHandler(sink))
	t.Cleanup(srv.Close)
	return srv.URL + "/callbacks/vonage"
}

func TestDeliveryReceipts(t *testing.T) {
	delivered := vonagetest.DLR{
		MessageID: "0A0000001234567B", MSISDN: "447700900123", To: "AcmeInc", NetworkCode: "23410",
		Price: "0.03330000", Status: "delivered", SCTS: "2001011400", ErrCode: "0",
		ClientRef: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f70", MessageTimestamp: "2020-01-01 14:00:05",
	}
	failed := delivered
	failed.Status, failed.ErrCode, failed.SCTS = "failed", "9", ""
	expired := delivered
	expired.Status, expired.ErrCode = "expired", "2"
	rejected := delivered
	rejected.Status, rejected.ErrCode = "rejected", "6"
	mystery := delivered
	mystery.Status, mystery.ErrCode = "failed", "77"

	at := time.Date(2020, 1, 1, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		dlr  vonagetest.DLR
		want otp.Receipt
	}{
		{"delivered", delivered, otp.Receipt{Provider: "vonage-test", ProviderMessageID: "0A0000001234567B",
			Status: otp.DeliveryDelivered, At: at}},
		{"failed without scts", failed, otp.Receipt{Provider: "vonage-test", ProviderMessageID: "0A0000001234567B",
			Status: otp.DeliveryFailed, Error: "failed: err-code 9 (illegal number)", At: time.Date(2020, 1, 1, 14, 0, 5, 0, time.UTC)}},
		{"expired", expired, otp.Receipt{Provider: "vonage-test", ProviderMessageID: "0A0000001234567B",
			Status: otp.DeliveryFailed, Error: "expired: err-code 2 (absent subscriber, temporary)", At: at}},
		{"rejected", rejected, otp.Receipt{Provider: "vonage-test", ProviderMessageID: "0A0000001234567B",
			Status: otp.DeliveryFailed, Error: "rejected: err-code 6 (anti-spam rejection)", At: at}},
		{"unknown err-code", mystery, otp.Receipt{Provider: "vonage-test", ProviderMessageID: "0A0000001234567B",
			Status: otp.DeliveryFailed, Error: "failed: err-code 77", At: at}},
	}
	encodings := []struct {
		name string
		enc  vonagetest.Encoding
	}{{"GET", vonagetest.GET}, {"POST form", vonagetest.POSTForm}, {"POST JSON", vonagetest.POSTJSON}}
	methods := []string{vonage.SignatureMD5Hash, vonage.SignatureMD5, vonage.SignatureSHA1, vonage.SignatureSHA256, vonage.SignatureSHA512}
	for _, method := range methods {
		for _, enc := range encodings {
			for _, tt := range tests {
				t.Run(method+"/"+enc.name+"/"+tt.name, func(t *testing.T) {
					fake := vonagetest.NewServer(t, vonagetest.Options{SignatureMethod: method})
					p := newProvider(t, fake, func(c *vonage.Config) { c.SignatureMethod = method })
					sink := &recorder{}
					status, err := fake.SendDLR(t.Context(), callbackServer(t, p, sink), tt.dlr, enc.enc)
					if err != nil {
						t.Fatal(err)
					}
					if status != http.StatusNoContent {
						t.Fatalf("callback answered %d, want 204", status)
					}
					if diff := cmp.Diff([]otp.Receipt{tt.want}, sink.got()); diff != "" {
						t.Errorf("receipts (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}

func TestDeliveryReceiptsIgnored(t *testing.T) {
	for _, status := range []string{"accepted", "buffered", "unknown", ""} {
		t.Run(status, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			p := newProvider(t, fake, nil)
			sink := &recorder{}
			code, err := fake.SendDLR(t.Context(), callbackServer(t, p, sink),
				vonagetest.DLR{MessageID: "0A0000001234567B", Status: status}, vonagetest.POSTForm)
			if err != nil {
				t.Fatal(err)
			}
			if code != http.StatusNoContent {
				t.Errorf("callback answered %d, want 204", code)
			}
			if got := sink.got(); len(got) != 0 {
				t.Errorf("recorded %+v, want nothing", got)
			}
		})
	}
}

func TestDeliveryReceiptsRefused(t *testing.T) {
	dlr := vonagetest.DLR{MessageID: "0A0000001234567B", MSISDN: "447700900123", Status: "delivered", ErrCode: "0"}
	stale := dlr
	stale.SignedAt = time.Now().Add(-10 * time.Minute)
	future := dlr
	future.SignedAt = time.Now().Add(10 * time.Minute)
	tests := []struct {
		name string
		opts vonagetest.Options
		edit func(*vonage.Config)
		dlr  vonagetest.DLR
		enc  vonagetest.Encoding
	}{
		{name: "wrong secret", opts: vonagetest.Options{SignatureSecret: "another-secret"}, dlr: dlr, enc: vonagetest.POSTForm},
		{name: "wrong secret JSON", opts: vonagetest.Options{SignatureSecret: "another-secret"}, dlr: dlr, enc: vonagetest.POSTJSON},
		{name: "wrong method", opts: vonagetest.Options{SignatureMethod: "sha256"}, dlr: dlr, enc: vonagetest.GET},
		{name: "stale", dlr: stale, enc: vonagetest.GET},
		{name: "from the future", dlr: future, enc: vonagetest.POSTJSON},
		{name: "no secret configured", edit: func(c *vonage.Config) { c.SignatureSecret = "" }, dlr: dlr, enc: vonagetest.POSTForm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vonagetest.NewServer(t, tt.opts)
			p := newProvider(t, fake, func(c *vonage.Config) {
				c.SignatureSecret = vonagetest.DefaultSignatureSecret
				if tt.edit != nil {
					tt.edit(c)
				}
			})
			sink := &recorder{}
			code, err := fake.SendDLR(t.Context(), callbackServer(t, p, sink), tt.dlr, tt.enc)
			if err != nil {
				t.Fatal(err)
			}
			if code != http.StatusForbidden {
				t.Errorf("callback answered %d, want 403", code)
			}
			if got := sink.got(); len(got) != 0 {
				t.Errorf("recorded %+v, want nothing", got)
			}
		})
	}
}

func TestDeliveryReceiptForged(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, nil)
	sink := &recorder{}
	u := callbackServer(t, p, sink)
	tests := []struct{ name, query string }{
		{"unsigned", "messageId=0A0000001234567B&status=delivered"},
		{"altered after signing", alteredQuery(fake)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(u + "?" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("callback answered %d, want 403", resp.StatusCode)
			}
		})
	}
	if got := sink.got(); len(got) != 0 {
		t.Errorf("recorded %+v, want nothing", got)
	}
}

// alteredQuery signs a failed receipt and then claims it was delivered.
func alteredQuery(fake *vonagetest.Server) string {
	params := map[string]string{
		"messageId": "0A0000001234567B", "status": "failed", "err-code": "1",
		"timestamp": strconv.FormatInt(time.Now().Unix(), 10),
	}
	params["sig"] = vonagetest.Sign(params, fake.SignatureSecret, fake.SignatureMethod)
	params["status"], params["err-code"] = "delivered", "0"
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	return q.Encode()
}

func TestCallbackSinkFailure(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, nil)
	sink := &recorder{err: errors.New("database is down")}
	code, err := fake.SendDLR(t.Context(), callbackServer(t, p, sink),
		vonagetest.DLR{MessageID: "0A0000001234567B", Status: "delivered", ErrCode: "0"}, vonagetest.GET)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusInternalServerError {
		t.Errorf("callback answered %d, want 500 so that Vonage retries", code)
	}
}

func TestCallbackMethodNotAllowed(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	u := callbackServer(t, newProvider(t, fake, nil), &recorder{})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT answered %d, want 405", resp.StatusCode)
	}
}

func TestVoiceEvents(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name  string
		event vonagetest.CallEvent
		want  []otp.Receipt
	}{
		{"completed", vonagetest.CallEvent{Status: "completed", Duration: "12"},
			[]otp.Receipt{{Provider: "vonage-test", ProviderMessageID: "63f61863-4a51-4f6b-86e1-46edebcf9356", Status: otp.DeliveryDelivered, At: at}}},
		{"failed", vonagetest.CallEvent{Status: "failed", Detail: "cannot_route"},
			[]otp.Receipt{{Provider: "vonage-test", ProviderMessageID: "63f61863-4a51-4f6b-86e1-46edebcf9356", Status: otp.DeliveryFailed, Error: "call failed (cannot_route)", At: at}}},
		{"rejected", vonagetest.CallEvent{Status: "rejected"},
			[]otp.Receipt{{Provider: "vonage-test", ProviderMessageID: "63f61863-4a51-4f6b-86e1-46edebcf9356", Status: otp.DeliveryFailed, Error: "call rejected", At: at}}},
		{"busy", vonagetest.CallEvent{Status: "busy"},
			[]otp.Receipt{{Provider: "vonage-test", ProviderMessageID: "63f61863-4a51-4f6b-86e1-46edebcf9356", Status: otp.DeliveryFailed, Error: "call busy", At: at}}},
		{"timeout", vonagetest.CallEvent{Status: "timeout"},
			[]otp.Receipt{{Provider: "vonage-test", ProviderMessageID: "63f61863-4a51-4f6b-86e1-46edebcf9356", Status: otp.DeliveryFailed, Error: "call timeout", At: at}}},
		{"unanswered", vonagetest.CallEvent{Status: "unanswered"},
			[]otp.Receipt{{Provider: "vonage-test", ProviderMessageID: "63f61863-4a51-4f6b-86e1-46edebcf9356", Status: otp.DeliveryFailed, Error: "call unanswered", At: at}}},
		{"started", vonagetest.CallEvent{Status: "started"}, nil},
		{"ringing", vonagetest.CallEvent{Status: "ringing"}, nil},
		{"answered", vonagetest.CallEvent{Status: "answered"}, nil},
		{"completed without being heard", vonagetest.CallEvent{Status: "completed", Duration: "0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			p := newProvider(t, fake, nil)
			sink := &recorder{}
			ev := tt.event
			ev.UUID, ev.Timestamp = "63f61863-4a51-4f6b-86e1-46edebcf9356", at
			ev.From, ev.To = "447700900001", "447700900123"
			code, err := fake.SendCallEvent(t.Context(), callbackServer(t, p, sink), ev)
			if err != nil {
				t.Fatal(err)
			}
			if code != http.StatusNoContent {
				t.Fatalf("callback answered %d, want 204", code)
			}
			if diff := cmp.Diff(tt.want, sink.got()); diff != "" {
				t.Errorf("receipts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVoiceEventsRefused(t *testing.T) {
	tests := []struct {
		name  string
		opts  vonagetest.Options
		edit  func(*vonage.Config)
		event vonagetest.CallEvent
	}{
		{name: "wrong secret", opts: vonagetest.Options{SignatureSecret: "another-secret"}},
		{name: "stale", event: vonagetest.CallEvent{IssuedAt: time.Now().Add(-10 * time.Minute)}},
		{name: "tampered body", event: vonagetest.CallEvent{TamperBody: true}},
		{name: "no payload_hash", event: vonagetest.CallEvent{OmitPayloadHash: true}},
		{name: "tampered body without payload_hash", event: vonagetest.CallEvent{OmitPayloadHash: true, TamperBody: true}},
		{name: "no secret configured", edit: func(c *vonage.Config) { c.SignatureSecret = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vonagetest.NewServer(t, tt.opts)
			p := newProvider(t, fake, func(c *vonage.Config) {
				c.SignatureSecret = vonagetest.DefaultSignatureSecret
				if tt.edit != nil {
					tt.edit(c)
				}
			})
			sink := &recorder{}
			ev := tt.event
			ev.UUID, ev.Status, ev.Duration = "63f61863-4a51-4f6b-86e1-46edebcf9356", "failed", ""
			code, err := fake.SendCallEvent(t.Context(), callbackServer(t, p, sink), ev)
			if err != nil {
				t.Fatal(err)
			}
			if code != http.StatusForbidden {
				t.Errorf("callback answered %d, want 403", code)
			}
			if got := sink.got(); len(got) != 0 {
				t.Errorf("recorded %+v, want nothing", got)
			}
		})
	}
}

func TestVoiceEventWithForeignAlgorithm(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	sink := &recorder{}
	u := callbackServer(t, newProvider(t, fake, nil), sink)
	// An unsigned token ("alg":"none") must not pass for a signed one.
	token := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpYXQiOjE3MDAwMDAwMDB9."
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u,
		strings.NewReader(`{"uuid":"63f61863-4a51-4f6b-86e1-46edebcf9356","status":"completed","duration":"9"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("callback answered %d, want 403", resp.StatusCode)
	}
	if got := sink.got(); len(got) != 0 {
		t.Errorf("recorded %+v, want nothing", got)
	}
}
