package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// maxCallbackBody bounds a status callback; Twilio's are well under 4 KB.
const maxCallbackBody = 64 << 10

// CallbackHandler receives Twilio's message and call status callbacks.
// It answers 403 to a request without a valid X-Twilio-Signature, 400 to
// one that is neither a message nor a call status, 500 when sink fails
// (so that Twilio retries) and 204 otherwise. Delivered and failed
// statuses become receipts; intermediate ones (queued, sent, ringing…)
// are acknowledged and dropped.
//
// Signatures are checked against status_callback_url when it is set, and
// otherwise against the URL of the request as otpd sees it, which is only
// right when no proxy rewrites scheme, host or path.
func (p *Provider) CallbackHandler(sink otp.ReceiptSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "status callbacks are POSTed", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxCallbackBody)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "unreadable form body", http.StatusBadRequest)
			return
		}
		if !p.validSignature(r) {
			http.Error(w, "invalid X-Twilio-Signature", http.StatusForbidden)
			return
		}
		rc, ok, err := p.receipt(r.PostForm)
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
		w.WriteHeader(http.StatusNoContent)
	})
}

// validSignature checks X-Twilio-Signature as Twilio documents it: the
// base64 HMAC-SHA1, keyed with the auth token, of the full URL followed by
// every POST parameter, sorted by name, as name and value concatenated.
// Like Twilio's own helper libraries it accepts the URL with and without
// the scheme's default port, because Twilio is not consistent about it.
func (p *Provider) validSignature(r *http.Request) bool {
	got := r.Header.Get("X-Twilio-Signature")
	if got == "" || p.cfg.AuthToken == "" {
		return false
	}
	u := p.cfg.StatusCallbackURL
	if u == "" {
		u = requestURL(r)
	}
	valid := false
	for _, candidate := range portVariants(u) {
		// No early return, so the time taken does not depend on which
		// variant matched.
		if hmac.Equal([]byte(signature(p.cfg.AuthToken, candidate, r.PostForm)), []byte(got)) {
			valid = true
		}
	}
	return valid
}

// signature computes an X-Twilio-Signature value. Repeated parameters
// contribute each of their values, in sorted order.
func signature(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		values := slices.Clone(params[name])
		slices.Sort(values)
		for _, v := range values {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// requestURL rebuilds the URL Twilio called from what the server saw.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// portVariants returns u as given plus u with its scheme's default port
// added (or removed, when u carries it).
func portVariants(u string) []string {
	parsed, err := url.Parse(u)
	if err != nil {
		return []string{u}
	}
	def := map[string]string{"http": "80", "https": "443"}[parsed.Scheme]
	if def == "" {
		return []string{u}
	}
	other := *parsed
	switch parsed.Port() {
	case "":
		other.Host = net.JoinHostPort(parsed.Hostname(), def)
	case def:
		other.Host = parsed.Hostname()
		if strings.Contains(other.Host, ":") { // IPv6 literal
			other.Host = "[" + other.Host + "]"
		}
	default:
		return []string{u}
	}
	return []string{u, other.String()}
}

// receipt reads a message or call status callback. ok is false for a
// status that is neither delivered nor failed.
func (p *Provider) receipt(f url.Values) (rc otp.Receipt, ok bool, err error) {
	rc = otp.Receipt{Provider: p.cfg.Name}
	errorCode := f.Get("ErrorCode")
	if errorCode == "0" {
		errorCode = ""
	}
	failure := func(status string) string {
		if errorCode != "" {
			return status + " (ErrorCode " + errorCode + ")"
		}
		return status
	}
	switch {
	case f.Get("MessageSid") != "":
		rc.ProviderMessageID = f.Get("MessageSid")
		status := f.Get("MessageStatus")
		if status == "" {
			status = f.Get("SmsStatus") // the older name Twilio still sends
		}
		switch status {
		case "delivered", "read": // read (WhatsApp, RCS) implies delivered
			rc.Status = otp.DeliveryDelivered
		case "undelivered", "failed":
			rc.Status, rc.Error = otp.DeliveryFailed, failure(status)
		default: // accepted, queued, sending, sent, scheduled, canceled…
			return rc, false, nil
		}
	case f.Get("CallSid") != "":
		rc.ProviderMessageID = f.Get("CallSid")
		status := f.Get("CallStatus")
		switch status {
		case "completed": // answered, and the TwiML ran to its end
			rc.Status = otp.DeliveryDelivered
		case "busy", "no-answer", "failed", "canceled":
			rc.Status, rc.Error = otp.DeliveryFailed, failure("call "+status)
		default: // queued, initiated, ringing, in-progress
			return rc, false, nil
		}
		// Call callbacks carry an RFC 1123 Timestamp; message callbacks
		// carry none that is reliable, so At stays zero (meaning now).
		if t, err := time.Parse(time.RFC1123Z, f.Get("Timestamp")); err == nil {
			rc.At = t
		}
	default:
		return rc, false, errors.New("neither a MessageSid nor a CallSid status callback")
	}
	return rc, true, nil
}
