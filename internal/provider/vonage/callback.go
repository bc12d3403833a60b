package vonage

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// signatureWindow is how far a callback's signing time may be from ours:
// Vonage asks receivers to refuse older signatures, which stops a captured
// callback from being replayed later.
const signatureWindow = 5 * time.Minute

// maxCallback bounds a callback body; Vonage's are a few hundred bytes.
const maxCallback = 64 << 10

// callbackError is a refused callback and the HTTP status that says why.
type callbackError struct {
	status int
	msg    string
}

func (e *callbackError) Error() string { return e.msg }

func forbidden(msg string) error  { return &callbackError{http.StatusForbidden, msg} }
func badRequest(msg string) error { return &callbackError{http.StatusBadRequest, msg} }

// CallbackHandler receives Vonage's SMS delivery receipts (GET with a
// query, POST with a form or JSON) and Voice API events (POST JSON with a
// JWT in Authorization), verifies their signature with signature_secret,
// and records delivered and failed outcomes in sink.
//
// It answers 204 when the callback was accepted or is of no interest, 403
// when it is not correctly signed, or is stale, or when no
// signature_secret is configured (so every callback is refused), 400 when
// it is signed but unreadable, and 500 when sink fails, so that Vonage
// retries.
func (p *Provider) CallbackHandler(sink otp.ReceiptSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.cfg.SignatureSecret == "" {
			http.Error(w, "callbacks are refused: no signature_secret is configured", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallback))
		if err != nil {
			http.Error(w, "the callback body is too large or unreadable", http.StatusBadRequest)
			return
		}
		var (
			rec otp.Receipt
			ok  bool
		)
		if token, found := bearerToken(r); found {
			rec, ok, err = p.voiceEvent(r, token, body)
		} else {
			rec, ok, err = p.deliveryReceipt(r, body)
		}
		if err != nil {
			status := http.StatusBadRequest
			var ce *callbackError
			if errors.As(err, &ce) {
				status = ce.status
			}
			http.Error(w, err.Error(), status)
			return
		}
		if ok {
			if err := sink.RecordReceipt(r.Context(), rec); err != nil {
				http.Error(w, "recording the receipt failed", http.StatusInternalServerError)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// deliveryReceipt verifies and reads an SMS delivery receipt. Only
// delivered, failed, expired and rejected decide anything; accepted,
// buffered and unknown are interim and ignored.
func (p *Provider) deliveryReceipt(r *http.Request, body []byte) (otp.Receipt, bool, error) {
	params, err := receiptParams(r, body)
	if err != nil {
		return otp.Receipt{}, false, err
	}
	if err := p.verifySignature(params); err != nil {
		return otp.Receipt{}, false, err
	}
	rec := otp.Receipt{Provider: p.cfg.Name, ProviderMessageID: params["messageId"], At: receiptTime(params)}
	switch status := params["status"]; status {
	case "delivered":
		rec.Status = otp.DeliveryDelivered
	case "failed", "expired", "rejected":
		rec.Status = otp.DeliveryFailed
		rec.Error = receiptError(status, params["err-code"])
	default:
		return otp.Receipt{}, false, nil
	}
	if rec.ProviderMessageID == "" {
		return otp.Receipt{}, false, badRequest("the delivery receipt has no messageId")
	}
	return rec, true, nil
}

// receiptParams collects a receipt's parameters as Vonage signed them:
// the query of a GET, the form of a POST, or the members of a POSTed JSON
// object, whose values Vonage sends as strings. A POST's query is left
// out because Vonage did not sign it; dlr_callback_url should carry no
// query of its own, which a GET receipt could not tell from Vonage's.
func receiptParams(r *http.Request, body []byte) (map[string]string, error) {
	params := map[string]string{}
	if r.Method != http.MethodPost {
		for k, v := range r.URL.Query() {
			params[k] = v[0]
		}
		return params, nil
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var fields map[string]any
		if err := dec.Decode(&fields); err != nil {
			return nil, badRequest("the delivery receipt is not a JSON object")
		}
		for k, v := range fields {
			switch v := v.(type) {
			case string:
				params[k] = v
			case json.Number:
				params[k] = v.String()
			case bool:
				params[k] = strconv.FormatBool(v)
			case nil:
				params[k] = ""
			default:
				return nil, badRequest("the delivery receipt has a nested field " + strconv.Quote(k))
			}
		}
		return params, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badRequest("the delivery receipt form is unreadable")
	}
	for k, v := range form {
		params[k] = v[0]
	}
	return params, nil
}

// verifySignature checks the sig parameter Vonage adds to signed SMS
// webhooks, and that the signing timestamp is recent.
func (p *Provider) verifySignature(params map[string]string) error {
	sig := params["sig"]
	if sig == "" {
		return forbidden("the callback is not signed")
	}
	want := smsSignature(params, p.cfg.SignatureSecret, p.cfg.SignatureMethod)
	// md5hash signatures are lower-case hex, HMAC ones upper-case.
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(strings.ToLower(want))) != 1 {
		return forbidden("the callback signature does not match signature_secret and signature_method")
	}
	ts, err := strconv.ParseInt(params["timestamp"], 10, 64)
	if err != nil {
		return forbidden("the signed callback has no timestamp")
	}
	if !p.fresh(time.Unix(ts, 0)) {
		return forbidden("the callback signature is stale")
	}
	return nil
}

func (p *Provider) fresh(t time.Time) bool {
	d := p.now().Sub(t)
	return d <= signatureWindow && d >= -signatureWindow
}

// smsSignature computes Vonage's signature of SMS API parameters: every
// parameter but sig, sorted by name, written "&name=value" with "&" and
// "=" in values replaced by "_"; then md5 of that followed by the secret
// (md5hash), or an HMAC keyed by the secret, in hex.
func smsSignature(params map[string]string, secret, method string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "sig" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	clean := strings.NewReplacer("&", "_", "=", "_")
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("&" + k + "=" + clean.Replace(params[k]))
	}
	var h func() hash.Hash
	switch method {
	case SignatureMD5:
		h = md5.New
	case SignatureSHA1:
		h = sha1.New
	case SignatureSHA256:
		h = sha256.New
	case SignatureSHA512:
		h = sha512.New
	default: // md5hash
		sum := md5.Sum([]byte(b.String() + secret))
		return hex.EncodeToString(sum[:])
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(mac.Sum(nil)))
}

// receiptTime is when the carrier reported the outcome (scts, YYMMDDHHMM),
// or failing that when Vonage sent the receipt, both UTC.
func receiptTime(params map[string]string) time.Time {
	if t, err := time.Parse("0601021504", params["scts"]); err == nil {
		return t
	}
	if t, err := time.Parse(time.DateTime, params["message-timestamp"]); err == nil {
		return t
	}
	return time.Time{}
}

// receiptErrors names Vonage's delivery receipt err-codes.
var receiptErrors = map[string]string{
	"1": "unknown", "2": "absent subscriber, temporary", "3": "absent subscriber, permanent",
	"4": "call barred by user", "5": "portability error", "6": "anti-spam rejection",
	"7": "handset busy", "8": "network error", "9": "illegal number", "10": "illegal message",
	"11": "unroutable", "12": "destination unreachable", "13": "subscriber age restriction",
	"14": "number blocked by carrier",
}

func receiptError(status, code string) string {
	if code == "" {
		return status + ": no err-code"
	}
	msg := status + ": err-code " + code
	if name, ok := receiptErrors[code]; ok {
		msg += " (" + name + ")"
	}
	return msg
}

// voiceEvent verifies and reads a Voice API event. completed means the
// callee answered and heard the message; failed, rejected, busy, timeout,
// unanswered and cancelled mean the call never reached them. Other events
// (started, ringing, answered, machine…) are ignored.
func (p *Provider) voiceEvent(r *http.Request, token string, body []byte) (otp.Receipt, bool, error) {
	claims, err := verifyHS256(token, p.cfg.SignatureSecret)
	if err != nil {
		return otp.Receipt{}, false, forbidden(err.Error())
	}
	if claims.IssuedAt == nil || !p.fresh(time.Unix(*claims.IssuedAt, 0)) {
		return otp.Receipt{}, false, forbidden("the event JWT is stale or has no iat")
	}
	if claims.Expires != nil && p.now().After(time.Unix(*claims.Expires, 0)) {
		return otp.Receipt{}, false, forbidden("the event JWT has expired")
	}
	// Vonage signs every event's body into payload_hash. Without it the
	// JWT vouches for no body, and one captured token could carry any
	// event for its five minutes, so a token without one is refused.
	if claims.PayloadHash == "" {
		return otp.Receipt{}, false, forbidden("the event JWT has no payload_hash")
	}
	sum := sha256.Sum256(body)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(claims.PayloadHash)), []byte(hex.EncodeToString(sum[:]))) != 1 {
		return otp.Receipt{}, false, forbidden("the event body does not match the JWT's payload_hash")
	}
	if r.Method != http.MethodPost {
		return otp.Receipt{}, false, badRequest("voice events must be POSTed as JSON (event_method POST)")
	}
	var ev struct {
		UUID      string `json:"uuid"`
		Status    string `json:"status"`
		Timestamp string `json:"timestamp"`
		Duration  string `json:"duration"`
		Detail    string `json:"detail"` // why a call failed, e.g. "cannot_route"
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return otp.Receipt{}, false, badRequest("the voice event is not JSON")
	}
	rec := otp.Receipt{Provider: p.cfg.Name, ProviderMessageID: ev.UUID}
	if t, err := time.Parse(time.RFC3339Nano, ev.Timestamp); err == nil {
		rec.At = t
	}
	switch ev.Status {
	case "completed":
		if ev.Duration == "0" {
			// A completed call that lasted nothing was never heard;
			// its failure, if any, came as an earlier event.
			return otp.Receipt{}, false, nil
		}
		rec.Status = otp.DeliveryDelivered
	case "failed", "rejected", "busy", "timeout", "unanswered", "cancelled":
		rec.Status = otp.DeliveryFailed
		rec.Error = "call " + ev.Status
		if ev.Detail != "" {
			rec.Error += " (" + redactNumbers(ev.Detail) + ")"
		}
	default:
		return otp.Receipt{}, false, nil
	}
	if rec.ProviderMessageID == "" {
		return otp.Receipt{}, false, badRequest("the voice event has no uuid")
	}
	return rec, true, nil
}
