package telegramtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// MessageCost is what the fake charges for a message or a positive
// checkSendAbility, in credits.
const MessageCost = 0.01

// GatewayServer is a running fake of the Telegram Gateway API for one
// account.
type GatewayServer struct {
	URL   string // base URL, for Config.BaseURL
	Token string // the access token, random per server

	srv    *httptest.Server
	client *http.Client

	mu       sync.Mutex
	balance  float64
	notOnTG  map[string]bool // E.164 numbers without a Telegram account
	channels map[string]bool // verified channels the account owns
	faults   []GatewayFault
	requests []GatewayRequest
	messages []VerificationMessage
	checked  map[string]string // checkSendAbility request id → phone number
	byID     map[string]int    // request id → index in messages
}

// GatewayRequest is one request the server received, whatever it answered.
type GatewayRequest struct {
	HTTPMethod    string            // GET or POST
	Method        string            // the API method as called, e.g. "sendVerificationMessage"
	Authorization string            // the Authorization header as sent
	ContentType   string            // the Content-Type header as sent
	UserAgent     string            // the User-Agent header as sent
	Params        map[string]string // every parameter, from the query string and the body
}

// VerificationMessage is a message sendVerificationMessage accepted.
type VerificationMessage struct {
	RequestID      string
	PhoneNumber    string // as sent, E.164
	Code           string
	TTL            int // 0 when not sent
	Payload        string
	CallbackURL    string
	SenderUsername string
	Status         string // delivery status: sent, delivered, read, expired or revoked
	Params         map[string]string
}

// GatewayFault is a scripted answer. A zero fault answers normally after
// Delay.
type GatewayFault struct {
	Error      string        // a Gateway error string, e.g. "BALANCE_NOT_ENOUGH", answered as {"ok": false, "error": …}
	Status     int           // HTTP status of the answer; default 200 with Error
	RetryAfter string        // Retry-After header value, if any
	Body       string        // a raw body sent as is (malformed answers, proxy pages)
	Delay      time.Duration // wait this long (or until the client gives up) before answering
}

// GatewayError is the Gateway's refusal with error string code, such as
// "PHONE_NUMBER_INVALID" or "ACCESS_TOKEN_INVALID".
func GatewayError(code string) GatewayFault { return GatewayFault{Error: code} }

// GatewayFloodWait is the Gateway's throttling answer, FLOOD_WAIT_<secs>.
func GatewayFloodWait(secs int) GatewayFault {
	return GatewayFault{Error: fmt.Sprintf("FLOOD_WAIT_%d", secs)}
}

// GatewayHTTPError is a bare HTTP error such as a proxy's 502, without the
// Gateway's JSON envelope.
func GatewayHTTPError(status int, retryAfter string) GatewayFault {
	return GatewayFault{Status: status, RetryAfter: retryAfter, Body: "<html><body>" + http.StatusText(status) + "</body></html>"}
}

// GatewayMalformed is a 200 answer whose body is cut short.
func GatewayMalformed() GatewayFault {
	return GatewayFault{Status: http.StatusOK, Body: `{"ok":true,"result":{"request_id":`}
}

// GatewaySlow delays the answer by d, then answers normally.
func GatewaySlow(d time.Duration) GatewayFault { return GatewayFault{Delay: d} }

// NewGatewayServer starts a fake for a fresh account with a balance of 10
// credits and closes it when the test ends.
func NewGatewayServer(tb testing.TB) *GatewayServer {
	tb.Helper()
	s := &GatewayServer{
		Token:    "AAE" + randomToken(40),
		client:   &http.Client{Timeout: 10 * time.Second},
		balance:  10,
		notOnTG:  map[string]bool{},
		channels: map[string]bool{},
		checked:  map[string]string{},
		byID:     map[string]int{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// SetBalance sets the account's balance in credits.
func (s *GatewayServer) SetBalance(credits float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balance = credits
}

// MarkNotOnTelegram makes the server answer PHONE_NUMBER_NOT_FOUND for
// the E.164 number phone, as for a number with no Telegram account.
func (s *GatewayServer) MarkNotOnTelegram(phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notOnTG[phone] = true
}

// AddChannel makes username a verified channel the account owns, usable
// as sender_username.
func (s *GatewayServer) AddChannel(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[strings.ToLower(username)] = true
}

// FailNext answers the next n requests with f.
func (s *GatewayServer) FailNext(n int, f GatewayFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Requests returns every request received so far.
func (s *GatewayServer) Requests() []GatewayRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Messages returns the messages sendVerificationMessage accepted so far.
func (s *GatewayServer) Messages() []VerificationMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

func (s *GatewayServer) serve(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeRaw(w, http.StatusMethodNotAllowed, "text/plain", "Method Not Allowed")
		return
	}
	// An unreadable body leaves only the query string's parameters, and
	// so, in the end, a complaint about a missing one.
	p, _ := params(r, body)
	method := strings.Trim(r.URL.Path, "/")
	s.mu.Lock()
	s.requests = append(s.requests, GatewayRequest{
		HTTPMethod: r.Method, Method: method, Authorization: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), UserAgent: r.UserAgent(), Params: p,
	})
	var fault *GatewayFault
	if len(s.faults) > 0 {
		fault = &s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()

	if fault != nil {
		if !wait(r, fault.Delay) {
			return
		}
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		switch {
		case fault.Body != "":
			writeRaw(w, cmpOr(fault.Status, http.StatusOK), "", fault.Body)
			return
		case fault.Error != "":
			gatewayFail(w, cmpOr(fault.Status, http.StatusOK), fault.Error)
			return
		case fault.Status != 0:
			w.WriteHeader(fault.Status)
			return
		}
	}
	// The token goes in the Authorization header or as access_token.
	token, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !hasBearer {
		token = p["access_token"]
	}
	switch {
	case token == "":
		gatewayFail(w, http.StatusOK, "ACCESS_TOKEN_REQUIRED")
		return
	case token != s.Token:
		gatewayFail(w, http.StatusOK, "ACCESS_TOKEN_INVALID")
		return
	}
	// Method names are case-insensitive.
	switch strings.ToLower(method) {
	case "sendverificationmessage":
		s.sendVerificationMessage(w, p)
	case "checksendability":
		s.checkSendAbility(w, p)
	case "checkverificationstatus":
		s.checkVerificationStatus(w, p)
	case "revokeverificationmessage":
		s.revokeVerificationMessage(w, p)
	default:
		gatewayFail(w, http.StatusOK, "UNKNOWN_METHOD")
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// gatewayFail writes the Gateway's error envelope. The documentation says
// nothing of the HTTP status; its tutorial reads errors from answers it
// first checks are 200, so that is the fake's default.
func gatewayFail(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]any{"ok": false, "error": code})
}

func gatewayOK(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

var (
	e164        = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	numericCode = regexp.MustCompile(`^[0-9]{4,8}$`)
)

func (s *GatewayServer) sendVerificationMessage(w http.ResponseWriter, p map[string]string) {
	phone := p["phone_number"]
	if !e164.MatchString(phone) {
		gatewayFail(w, http.StatusOK, "PHONE_NUMBER_INVALID")
		return
	}
	code := p["code"]
	switch {
	case code != "" && !numericCode.MatchString(code):
		gatewayFail(w, http.StatusOK, "CODE_INVALID")
		return
	case code == "" && p["code_length"] == "":
		gatewayFail(w, http.StatusOK, "CODE_LENGTH_REQUIRED")
		return
	case code == "":
		n, err := strconv.Atoi(p["code_length"])
		if err != nil || n < 4 || n > 8 {
			gatewayFail(w, http.StatusOK, "CODE_LENGTH_INVALID")
			return
		}
		code = randomDigits(n)
	}
	ttl := 0
	if v, ok := p["ttl"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 30 || n > 3600 {
			gatewayFail(w, http.StatusOK, "TTL_INVALID")
			return
		}
		ttl = n
	}
	if cb, ok := p["callback_url"]; ok && cb != "" {
		u, err := url.Parse(cb)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(cb) > 256 {
			gatewayFail(w, http.StatusOK, "CALLBACK_URL_INVALID")
			return
		}
	}
	if len(p["payload"]) > 128 {
		gatewayFail(w, http.StatusOK, "PAYLOAD_INVALID")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sender := p["sender_username"]; sender != "" && !s.channels[strings.ToLower(sender)] {
		gatewayFail(w, http.StatusOK, "SENDER_USERNAME_INVALID")
		return
	}
	if s.notOnTG[phone] {
		gatewayFail(w, http.StatusOK, "PHONE_NUMBER_NOT_FOUND")
		return
	}
	free := false
	if rid := p["request_id"]; rid != "" {
		checkedPhone, ok := s.checked[rid]
		switch {
		case !ok:
			gatewayFail(w, http.StatusOK, "REQUEST_ID_INVALID")
			return
		case checkedPhone != phone:
			gatewayFail(w, http.StatusOK, "PHONE_NUMBER_MISMATCH")
			return
		}
		delete(s.checked, rid) // one free message per checkSendAbility
		free = true
	}
	if !free && s.balance < MessageCost {
		gatewayFail(w, http.StatusOK, "BALANCE_NOT_ENOUGH")
		return
	}
	if !free {
		s.balance -= MessageCost
	}
	m := VerificationMessage{
		RequestID: newRequestID(), PhoneNumber: phone, Code: code, TTL: ttl, Payload: p["payload"],
		CallbackURL: p["callback_url"], SenderUsername: p["sender_username"], Status: "sent", Params: maps.Clone(p),
	}
	s.messages = append(s.messages, m)
	s.byID[m.RequestID] = len(s.messages) - 1
	gatewayOK(w, s.requestStatus(m, time.Now(), true))
}

func (s *GatewayServer) checkSendAbility(w http.ResponseWriter, p map[string]string) {
	phone := p["phone_number"]
	if !e164.MatchString(phone) {
		gatewayFail(w, http.StatusOK, "PHONE_NUMBER_INVALID")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notOnTG[phone] {
		gatewayFail(w, http.StatusOK, "PHONE_NUMBER_NOT_FOUND")
		return
	}
	if s.balance < MessageCost {
		gatewayFail(w, http.StatusOK, "BALANCE_NOT_ENOUGH")
		return
	}
	s.balance -= MessageCost
	id := newRequestID()
	s.checked[id] = phone
	gatewayOK(w, map[string]any{
		"request_id": id, "phone_number": strings.TrimPrefix(phone, "+"),
		"request_cost": MessageCost, "remaining_balance": s.balance,
	})
}

func (s *GatewayServer) checkVerificationStatus(w http.ResponseWriter, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rid := p["request_id"]
	if rid == "" {
		gatewayFail(w, http.StatusOK, "REQUEST_ID_REQUIRED")
		return
	}
	i, ok := s.byID[rid]
	if !ok {
		gatewayFail(w, http.StatusOK, "REQUEST_ID_INVALID")
		return
	}
	st := s.requestStatus(s.messages[i], time.Now(), false)
	if code, ok := p["code"]; ok {
		vs := "code_invalid"
		if hmac.Equal([]byte(code), []byte(s.messages[i].Code)) {
			vs = "code_valid"
		}
		st["verification_status"] = map[string]any{"status": vs, "updated_at": time.Now().Unix(), "code_entered": code}
	}
	gatewayOK(w, st)
}

func (s *GatewayServer) revokeVerificationMessage(w http.ResponseWriter, p map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.byID[p["request_id"]]
	if !ok {
		gatewayFail(w, http.StatusOK, "REQUEST_ID_INVALID")
		return
	}
	// Delivered or read messages stay; the call succeeds either way.
	if m := &s.messages[i]; m.Status == "sent" {
		m.Status = "revoked"
	}
	gatewayOK(w, true)
}

// requestStatus renders m as a RequestStatus; the phone number comes back
// without its "+", as the live API writes it. s.mu must be held.
func (s *GatewayServer) requestStatus(m VerificationMessage, at time.Time, charged bool) map[string]any {
	st := map[string]any{
		"request_id":      m.RequestID,
		"phone_number":    strings.TrimPrefix(m.PhoneNumber, "+"),
		"request_cost":    MessageCost,
		"delivery_status": map[string]any{"status": m.Status, "updated_at": at.Unix()},
	}
	if charged {
		st["remaining_balance"] = s.balance
	}
	if m.Payload != "" {
		st["payload"] = m.Payload
	}
	if m.Status == "expired" {
		st["is_refunded"] = true
	}
	return st
}

// Report sets the delivery status of the message with request id rid to
// status (sent, delivered, read, expired or revoked) and returns the
// report body Telegram would post about it: its RequestStatus.
func (s *GatewayServer) Report(rid, status string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.byID[rid]
	if !ok {
		return nil, fmt.Errorf("no message has request id %q", rid)
	}
	s.messages[i].Status = status
	return json.Marshal(s.requestStatus(s.messages[i], time.Now(), false))
}

// SendReport sets the delivery status of the message with request id rid
// and posts the report to the message's callback_url, or to callbackURL
// when it is not empty (tests serve otpd's handler on plain HTTP, which
// the Gateway would refuse as a callback_url). It returns the HTTP status
// the receiver answered.
func (s *GatewayServer) SendReport(ctx context.Context, callbackURL, rid, status string) (int, error) {
	body, err := s.Report(rid, status)
	if err != nil {
		return 0, err
	}
	if callbackURL == "" {
		s.mu.Lock()
		callbackURL = s.messages[s.byID[rid]].CallbackURL
		s.mu.Unlock()
	}
	if callbackURL == "" {
		return 0, errors.New("the message has no callback_url")
	}
	return s.PostReport(ctx, callbackURL, body, time.Now())
}

// PostReport posts body to callbackURL as the Gateway posts a report,
// signed with the account's token and stamped with at.
func (s *GatewayServer) PostReport(ctx context.Context, callbackURL string, body []byte, at time.Time) (int, error) {
	ts := strconv.FormatInt(at.Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Timestamp", ts)
	req.Header.Set("X-Request-Signature", ReportSignature(s.Token, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// ReportSignature is the X-Request-Signature of a report as the Gateway
// documents it: the hex HMAC-SHA-256 of the timestamp, a line feed and
// the raw body, keyed with the SHA-256 hash of the access token.
func ReportSignature(token, timestamp string, body []byte) string {
	key := sha256.Sum256([]byte(token))
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(timestamp + "\n"))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10 // modulo bias is harmless in a fake
	}
	return string(b)
}
