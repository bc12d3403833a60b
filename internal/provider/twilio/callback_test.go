package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/twilio"
	"github.com/otpd/otpd/internal/provider/twilio/twiliotest"
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

// callbackFixture is a provider whose status_callback_url is a local
// server running its CallbackHandler, and the fake Twilio that calls it.
type callbackFixture struct {
	twilio *twiliotest.Server
	p      *twilio.Provider
	sink   *sink
	url    string // status_callback_url
}

func newCallbackFixture(t *testing.T) *callbackFixture {
	t.Helper()
	f := &callbackFixture{twilio: twiliotest.NewServer(t), sink: &sink{}}
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	// A query string is part of what Twilio signs.
	f.url = srv.URL + "/callbacks/twilio-eu?tenant=acme&v=1"
	f.p = newProvider(t, f.twilio, func(c *twilio.Config) { c.StatusCallbackURL = f.url })
	handler = f.p.CallbackHandler(f.sink)
	return f
}

func TestCallbackReceipts(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 30, 5, 0, time.UTC)
	tests := []struct {
		name    string
		channel otp.Channel
		status  string
		errCode int
		want    *otp.Receipt // nil: acknowledged, no receipt
	}{
		{"sms delivered", otp.SMS, "delivered", 0, &otp.Receipt{Status: otp.DeliveryDelivered}},
		{"sms undelivered", otp.SMS, "undelivered", 30003, &otp.Receipt{Status: otp.DeliveryFailed, Error: "undelivered (ErrorCode 30003)"}},
		{"sms failed", otp.SMS, "failed", 30008, &otp.Receipt{Status: otp.DeliveryFailed, Error: "failed (ErrorCode 30008)"}},
		{"sms queued", otp.SMS, "queued", 0, nil},
		{"sms sent", otp.SMS, "sent", 0, nil},
		{"sms accepted", otp.SMS, "accepted", 0, nil},
		{"call completed", otp.Voice, "completed", 0, &otp.Receipt{Status: otp.DeliveryDelivered, At: at}},
		{"call busy", otp.Voice, "busy", 0, &otp.Receipt{Status: otp.DeliveryFailed, Error: "call busy", At: at}},
		{"call no-answer", otp.Voice, "no-answer", 0, &otp.Receipt{Status: otp.DeliveryFailed, Error: "call no-answer", At: at}},
		{"call failed", otp.Voice, "failed", 0, &otp.Receipt{Status: otp.DeliveryFailed, Error: "call failed", At: at}},
		{"call canceled", otp.Voice, "canceled", 0, &otp.Receipt{Status: otp.DeliveryFailed, Error: "call canceled", At: at}},
		{"call ringing", otp.Voice, "ringing", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCallbackFixture(t)
			m := smsMessage("code 1")
			m.Channel = tt.channel
			res, err := f.p.Send(t.Context(), m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			var cbURL string
			var params url.Values
			if tt.channel == otp.SMS {
				msg := f.twilio.Messages()[0]
				cbURL, params = msg.StatusCallback, f.twilio.MessageStatus(msg, tt.status, tt.errCode)
			} else {
				call := f.twilio.Calls()[0]
				cbURL, params = call.StatusCallback, f.twilio.CallStatus(call, tt.status, at)
			}
			if cbURL != f.url {
				t.Fatalf("StatusCallback = %q, want %q", cbURL, f.url)
			}
			code, err := f.twilio.SendStatusCallback(cbURL, params)
			if err != nil || code != http.StatusNoContent {
				t.Fatalf("callback answered %d, %v; want 204", code, err)
			}
			var want []otp.Receipt
			if tt.want != nil {
				r := *tt.want
				r.Provider, r.ProviderMessageID = "twilio-eu", res.ProviderMessageID
				want = append(want, r)
			}
			if diff := cmp.Diff(want, f.sink.got()); diff != "" {
				t.Errorf("receipts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCallbackRejects(t *testing.T) {
	f := newCallbackFixture(t)
	if _, err := f.p.Send(t.Context(), smsMessage("code 1")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msg := f.twilio.Messages()[0]
	good := f.twilio.MessageStatus(msg, "delivered", 0)

	post := func(u string, params url.Values, sig string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(params.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			req.Header.Set("X-Twilio-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tampered := url.Values{}
	for k, v := range good {
		tampered[k] = v
	}
	tampered.Set("MessageSid", "SM00000000000000000000000000000099")
	extra := url.Values{"Injected": {"1"}}
	for k, v := range good {
		extra[k] = v
	}

	tests := []struct {
		name   string
		url    string
		params url.Values
		sig    string
		want   int
	}{
		{"missing signature", f.url, good, "", http.StatusForbidden},
		{"tampered parameter", f.url, tampered, twiliotest.Signature(f.twilio.AuthToken, f.url, good), http.StatusForbidden},
		{"added parameter", f.url, extra, twiliotest.Signature(f.twilio.AuthToken, f.url, good), http.StatusForbidden},
		{"other auth token", f.url, good, twiliotest.Signature("not-the-token", f.url, good), http.StatusForbidden},
		{"signed for another URL", f.url, good, twiliotest.Signature(f.twilio.AuthToken, f.url+"&x=2", good), http.StatusForbidden},
		{"garbage signature", f.url, good, "bm90IGEgc2lnbmF0dXJl", http.StatusForbidden},
		{"signed but not a status", f.url, url.Values{"Foo": {"bar"}}, twiliotest.Signature(f.twilio.AuthToken, f.url, url.Values{"Foo": {"bar"}}), http.StatusBadRequest},
	}
	for _, tt := range tests {
		if got := post(tt.url, tt.params, tt.sig); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	if got := f.sink.got(); len(got) != 0 {
		t.Errorf("rejected callbacks recorded %+v, want nothing", got)
	}

	// The same request, correctly signed, is accepted: the rejections
	// above were about the signature and nothing else.
	if got := post(f.url, good, twiliotest.Signature(f.twilio.AuthToken, f.url, good)); got != http.StatusNoContent {
		t.Errorf("correctly signed: status %d, want 204", got)
	}
}

func TestCallbackMethod(t *testing.T) {
	f := newCallbackFixture(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.url+"&MessageSid=SM1&MessageStatus=delivered", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
}

func TestCallbackSinkError(t *testing.T) {
	f := newCallbackFixture(t)
	f.sink.err = errors.New("database is down")
	if _, err := f.p.Send(t.Context(), smsMessage("code 1")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msg := f.twilio.Messages()[0]
	code, err := f.twilio.SendStatusCallback(msg.StatusCallback, f.twilio.MessageStatus(msg, "delivered", 0))
	if err != nil || code != http.StatusInternalServerError {
		t.Errorf("callback answered %d, %v; want 500 so that Twilio retries", code, err)
	}
}

// Without status_callback_url (callbacks configured on a Messaging
// Service, say) the signature is checked against the request's own URL.
func TestCallbackWithoutConfiguredURL(t *testing.T) {
	s := twiliotest.NewServer(t)
	p := newProvider(t, s, nil)
	rec := &sink{}
	srv := httptest.NewServer(p.CallbackHandler(rec))
	t.Cleanup(srv.Close)
	cbURL := srv.URL + "/callbacks/twilio?x=1"
	msg := twiliotest.Message{SID: "SM0123456789abcdef0123456789abcdef", To: recipient, From: sender}
	code, err := s.SendStatusCallback(cbURL, s.MessageStatus(msg, "delivered", 0))
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("callback answered %d, %v; want 204", code, err)
	}
	want := []otp.Receipt{{Provider: "twilio-eu", ProviderMessageID: msg.SID, Status: otp.DeliveryDelivered}}
	if diff := cmp.Diff(want, rec.got()); diff != "" {
		t.Errorf("receipts (-want +got):\n%s", diff)
	}
}

// A provider authenticating with an API key and no auth token cannot
// check signatures, so it trusts no callback.
func TestCallbackWithoutAuthToken(t *testing.T) {
	s := twiliotest.NewServer(t)
	s.AddAPIKey(apiKeySID, "key-secret")
	p := newProvider(t, s, func(c *twilio.Config) { c.AuthToken, c.APIKeySID, c.APIKeySecret = "", apiKeySID, "key-secret" })
	rec := &sink{}
	srv := httptest.NewServer(p.CallbackHandler(rec))
	t.Cleanup(srv.Close)
	msg := twiliotest.Message{SID: "SM0123456789abcdef0123456789abcdef", To: recipient, From: sender}
	code, err := s.SendStatusCallback(srv.URL+"/cb", s.MessageStatus(msg, "delivered", 0))
	if err != nil || code != http.StatusForbidden {
		t.Errorf("callback answered %d, %v; want 403", code, err)
	}
	if got := rec.got(); len(got) != 0 {
		t.Errorf("receipts = %+v, want none", got)
	}
}
