package whatsapp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// maxWebhookBody bounds a webhook; Meta batches up to 1000 updates in one.
const maxWebhookBody = 1 << 20

// notification is a webhook's body, as far as message statuses go.
type notification struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				MessagingProduct string `json:"messaging_product"`
				Metadata         struct {
					DisplayPhoneNumber string `json:"display_phone_number"`
					PhoneNumberID      string `json:"phone_number_id"`
				} `json:"metadata"`
				Statuses []messageStatus `json:"statuses"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// messageStatus is one entry of value.statuses: status is sent,
// delivered, read or failed.
type messageStatus struct {
	ID          string          `json:"id"`
	Status      string          `json:"status"`
	Timestamp   flexInt         `json:"timestamp"`
	RecipientID string          `json:"recipient_id"`
	Errors      []statusFailure `json:"errors"`
}

type statusFailure struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// flexInt is a Unix time Meta writes as a string ("1700000000"), or as a
// number.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not a number", b)
	}
	*f = flexInt(n)
	return nil
}

// CallbackHandler serves the app's webhook callback URL.
//
// A GET is Meta's subscription handshake: with hub.mode=subscribe and
// hub.verify_token equal to verify_token it answers 200 with
// hub.challenge, and otherwise 403.
//
// A POST is a notification. It answers 403 without a valid
// X-Hub-Signature-256 (or with no app_secret configured), 400 to a body
// that is not a notification, 500 when sink fails (so that Meta retries)
// and 200 otherwise. Delivered and read statuses become delivered
// receipts, failed ones failed receipts with the first error's code and
// title; sent statuses, other fields (incoming messages…) and statuses of
// other business numbers are acknowledged and dropped: Meta sends one
// app's notifications to one URL, and only this number's messages have
// this provider's name.
func (p *Provider) CallbackHandler(sink otp.ReceiptSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			p.handshake(w, r)
		case http.MethodPost:
			p.notify(w, r, sink)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "webhooks are GET (verification) or POST (notifications)", http.StatusMethodNotAllowed)
		}
	})
}

func (p *Provider) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if p.cfg.VerifyToken == "" || q.Get("hub.mode") != "subscribe" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(p.cfg.VerifyToken)) != 1 {
		http.Error(w, "verification failed", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, q.Get("hub.challenge"))
}

func (p *Provider) notify(w http.ResponseWriter, r *http.Request, sink otp.ReceiptSink) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if err := p.verifySignature(r.Header.Get("X-Hub-Signature-256"), body); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	receipts, err := p.receipts(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, rc := range receipts {
		if err := sink.RecordReceipt(r.Context(), rc); err != nil {
			http.Error(w, "could not record the receipt", http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// verifySignature checks X-Hub-Signature-256 as Meta documents it:
// "sha256=" and the hex HMAC-SHA256 of the raw body, keyed with the app
// secret.
func (p *Provider) verifySignature(header string, body []byte) error {
	if p.cfg.AppSecret == "" {
		return errors.New("app_secret is not configured, so no notification can be trusted")
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return errors.New("missing X-Hub-Signature-256")
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return errors.New("invalid X-Hub-Signature-256")
	}
	mac := hmac.New(sha256.New, []byte(p.cfg.AppSecret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("invalid X-Hub-Signature-256")
	}
	return nil
}

// receipts reads the delivered and failed statuses of this number's
// messages out of a notification.
func (p *Provider) receipts(body []byte) ([]otp.Receipt, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, errors.New("the body is not a webhook notification")
	}
	if n.Object != "whatsapp_business_account" {
		return nil, fmt.Errorf("the notification is about %q, not whatsapp_business_account", n.Object)
	}
	var out []otp.Receipt
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			if c.Field != "messages" {
				continue
			}
			if id := c.Value.Metadata.PhoneNumberID; id != "" && id != p.cfg.PhoneNumberID {
				continue
			}
			for _, s := range c.Value.Statuses {
				if rc, ok := p.receipt(s); ok {
					out = append(out, rc)
				}
			}
		}
	}
	return out, nil
}

// receipt turns one status into a receipt; ok is false for statuses that
// are neither delivered nor failed.
func (p *Provider) receipt(s messageStatus) (rc otp.Receipt, ok bool) {
	if s.ID == "" {
		return rc, false
	}
	rc = otp.Receipt{Provider: p.cfg.Name, ProviderMessageID: s.ID}
	switch s.Status {
	case "delivered", "read": // read implies delivered
		rc.Status = otp.DeliveryDelivered
	case "failed":
		rc.Status, rc.Error = otp.DeliveryFailed, failureText(s.Errors)
	default: // sent, and any status Meta adds later
		return rc, false
	}
	if s.Timestamp > 0 {
		rc.At = time.Unix(int64(s.Timestamp), 0)
	}
	return rc, true
}

// failureText describes a failed status by its first error, e.g.
// "Message undeliverable (code 131026)".
func failureText(errs []statusFailure) string {
	if len(errs) == 0 {
		return "failed"
	}
	e := errs[0]
	text := e.Title
	if text == "" {
		text = e.Message
	}
	if d := e.ErrorData.Details; d != "" && !strings.EqualFold(strings.TrimRight(d, "."), strings.TrimRight(text, ".")) {
		if text != "" {
			text += ": "
		}
		text += d
	}
	if text == "" {
		text = "failed"
	}
	if e.Code != 0 {
		text += fmt.Sprintf(" (code %d)", e.Code)
	}
	return redactNumbers(text)
}
