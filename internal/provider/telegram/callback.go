package telegram

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// maxReportBody bounds a delivery report; a RequestStatus is well under 4 KB.
const maxReportBody = 64 << 10

// maxReportAge is how far X-Request-Timestamp may lie from otpd's clock,
// either way. Telegram asks receivers to check the timestamp so that a
// captured report cannot be replayed later; each of its retries carries a
// fresh one.
const maxReportAge = 5 * time.Minute

// CallbackHandler receives the Gateway API's delivery reports, posted to
// callback_url. It answers 403 to a report without a valid
// X-Request-Signature or with a stale X-Request-Timestamp, 400 to a body
// that is not a RequestStatus, 500 when sink fails and 200 otherwise:
// Telegram retries any other status, up to 10 times. Delivered and read
// messages become delivered receipts, expired and revoked ones failed
// receipts; "sent" is acknowledged and dropped.
//
// In bot mode it is the bot's webhook instead (see botWebhook): the Bot
// API reports no deliveries, but it is how people link their chat.
func (p *Provider) CallbackHandler(sink otp.ReceiptSink) http.Handler {
	if p.cfg.Mode == ModeBot {
		return http.HandlerFunc(p.botWebhook)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "delivery reports are POSTed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReportBody))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := p.verifyReport(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		rc, ok, err := p.report(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if ok {
			if err := sink.RecordReceipt(r.Context(), rc); err != nil {
				http.Error(w, "could not record the receipt", http.StatusInternalServerError)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}

// verifyReport checks a report as Telegram documents it: X-Request-Signature
// is the hex HMAC-SHA-256 of X-Request-Timestamp, a line feed and the raw
// body, keyed with the SHA-256 of the access token.
func (p *Provider) verifyReport(h http.Header, body []byte) error {
	ts, sig := h.Get("X-Request-Timestamp"), h.Get("X-Request-Signature")
	if ts == "" || sig == "" {
		return errors.New("missing X-Request-Timestamp or X-Request-Signature")
	}
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return errors.New("invalid X-Request-Signature")
	}
	if !hmac.Equal(got, ReportSignature(p.cfg.Token, ts, body)) {
		return errors.New("invalid X-Request-Signature")
	}
	// The timestamp is signed too, so it is trusted only now.
	secs, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	if err != nil {
		return errors.New("invalid X-Request-Timestamp")
	}
	if d := p.now().Sub(time.Unix(secs, 0)); d > maxReportAge || d < -maxReportAge {
		return errors.New("stale X-Request-Timestamp")
	}
	return nil
}

// ReportSignature computes the raw signature of a Gateway API delivery
// report (X-Request-Signature is its hex form): HMAC-SHA-256 of timestamp,
// "\n" and body, keyed with SHA-256(token).
func ReportSignature(token, timestamp string, body []byte) []byte {
	key := sha256.Sum256([]byte(token))
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'\n'})
	mac.Write(body)
	return mac.Sum(nil)
}

// report reads a RequestStatus report. ok is false for a status that is
// neither delivered nor failed, and for a report without a delivery status
// (one about the verification only).
func (p *Provider) report(body []byte) (rc otp.Receipt, ok bool, err error) {
	var st requestStatus
	if err := json.Unmarshal(body, &st); err != nil {
		return rc, false, errors.New("the body is not a RequestStatus")
	}
	if st.RequestID == "" {
		return rc, false, errors.New("the RequestStatus has no request_id")
	}
	rc = otp.Receipt{Provider: p.cfg.Name, ProviderMessageID: st.RequestID}
	if st.DeliveryStatus == nil {
		return rc, false, nil
	}
	switch st.DeliveryStatus.Status {
	case "delivered", "read":
		rc.Status = otp.DeliveryDelivered
	case "expired":
		rc.Status, rc.Error = otp.DeliveryFailed, "the message expired before it was delivered"
	case "revoked":
		rc.Status, rc.Error = otp.DeliveryFailed, "the message was revoked"
	default: // sent
		return rc, false, nil
	}
	if st.DeliveryStatus.UpdatedAt > 0 {
		rc.At = time.Unix(st.DeliveryStatus.UpdatedAt, 0)
	}
	return rc, true, nil
}
