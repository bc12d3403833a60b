// Package vonagetest is an in-process fake of the Vonage APIs otpd uses:
// the SMS API (POST /sms/json), the account balance (GET
// /account/get-balance) and the Voice API (POST and GET /v1/calls). It
// speaks Vonage's documented wire format, checks credentials the way
// Vonage does (api_key and api_secret; an RS256 JWT verified with the
// application's public key), records what it accepted, fails on request
// in Vonage's documented ways, and sends correctly signed delivery
// receipts and voice events to a callback URL.
package vonagetest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// Paths of the endpoints the fake serves, for FailNext.
const (
	PathSMS     = "/sms/json"
	PathBalance = "/account/get-balance"
	PathCalls   = "/v1/calls"
)

// Default credentials of a fake account.
const (
	DefaultAPIKey          = "abcd1234"
	DefaultAPISecret       = "abcdef0123456789"
	DefaultSignatureSecret = "fake-signature-secret-0123456789"
	DefaultApplicationID   = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
)

// Options configure a fake account. Zero fields take the defaults above;
// SignatureMethod defaults to md5hash and PrivateKey to a generated key.
type Options struct {
	APIKey          string
	APISecret       string
	SignatureSecret string
	SignatureMethod string // md5hash, md5, sha1, sha256 or sha512
	ApplicationID   string
	PrivateKey      *rsa.PrivateKey // the application's key pair
}

// SMS is one message the fake accepted.
type SMS struct {
	From, To, Text, Type string
	ClientRef            string
	Callback             string
	JSON                 bool     // sent as a JSON body rather than a form
	MessageIDs           []string // one per part
}

// Request is one request the fake received, whatever it answered.
type Request struct {
	Method, Path string
	UserAgent    string // the User-Agent header as sent
}

// Call is one call the fake accepted.
type Call struct {
	UUID     string
	To       []Endpoint
	From     Endpoint
	NCCO     []Action
	EventURL []string
	Claims   Claims // of the JWT that authenticated the request
}

// Endpoint is a Voice API endpoint.
type Endpoint struct {
	Type   string `json:"type"`
	Number string `json:"number"`
}

// Action is one NCCO action, with the fields of a talk action.
type Action struct {
	Action   string `json:"action"`
	Text     string `json:"text,omitempty"`
	Language string `json:"language,omitempty"`
	Loop     int    `json:"loop,omitempty"`
}

// Claims are the claims of a Voice API JWT.
type Claims struct {
	ApplicationID string `json:"application_id"`
	IssuedAt      int64  `json:"iat"`
	Expires       int64  `json:"exp,omitempty"`
	ID            string `json:"jti"`
}

// Problem is the RFC 7807 error body of the Voice API.
type Problem struct {
	Type              string             `json:"type"`
	Title             string             `json:"title"`
	Detail            string             `json:"detail,omitempty"`
	Instance          string             `json:"instance,omitempty"`
	InvalidParameters []InvalidParameter `json:"invalid_parameters,omitempty"`
}

// InvalidParameter names one rejected field of a Voice API request.
type InvalidParameter struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Failure is how the fake answers the next request to a path instead of
// serving it. Delay applies first; then the first of Malformed,
// HTTPStatus and Status that is set decides the answer.
type Failure struct {
	Delay      time.Duration // wait this long, or until the client gives up
	Malformed  bool          // HTTP 200 (201 for calls) with a body that is not JSON
	HTTPStatus int           // this HTTP status, with RetryAfter and Problem
	RetryAfter string        // Retry-After header value
	Problem    *Problem      // body of an HTTPStatus answer
	Status     string        // SMS API: HTTP 200 with this status in messages[0]
	ErrorText  string        // SMS API: its error-text
}

// Server is a fake Vonage account. Its URL serves as both sms_base_url
// and voice_base_url.
type Server struct {
	URL             string
	APIKey          string
	APISecret       string
	SignatureSecret string
	SignatureMethod string
	ApplicationID   string
	PrivateKey      *rsa.PrivateKey

	srv    *httptest.Server
	client *http.Client

	mu       sync.Mutex
	requests []Request
	sms      []SMS
	calls    []Call
	failures map[string][]Failure
	seq      int
}

// keyOnce generates one key for all servers of a test binary: RSA key
// generation is slow, and the key is not what tests vary.
var keyOnce = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("vonagetest: generate key: %v", err))
	}
	return k
})

// NewServer starts a fake and closes it when the test ends.
func NewServer(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{
		APIKey: o.APIKey, APISecret: o.APISecret, SignatureSecret: o.SignatureSecret,
		SignatureMethod: o.SignatureMethod, ApplicationID: o.ApplicationID, PrivateKey: o.PrivateKey,
		failures: map[string][]Failure{},
		client:   &http.Client{Timeout: 10 * time.Second},
	}
	if s.APIKey == "" {
		s.APIKey = DefaultAPIKey
	}
	if s.APISecret == "" {
		s.APISecret = DefaultAPISecret
	}
	if s.SignatureSecret == "" {
		s.SignatureSecret = DefaultSignatureSecret
	}
	if s.SignatureMethod == "" {
		s.SignatureMethod = "md5hash"
	}
	if s.ApplicationID == "" {
		s.ApplicationID = DefaultApplicationID
	}
	if s.PrivateKey == nil {
		s.PrivateKey = keyOnce()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathSMS, s.handleSMS)
	mux.HandleFunc("GET "+PathBalance, s.handleBalance)
	mux.HandleFunc("POST "+PathCalls, s.handleCreateCall)
	mux.HandleFunc("GET "+PathCalls, s.handleListCalls)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, UserAgent: r.UserAgent()})
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// PrivateKeyPEM is the application's private key as Vonage hands it out
// (PKCS#8 PEM), for the provider's private_key.
func (s *Server) PrivateKeyPEM() string {
	der, err := x509.MarshalPKCS8PrivateKey(s.PrivateKey)
	if err != nil {
		panic(fmt.Sprintf("vonagetest: marshal key: %v", err))
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// SMS returns the messages accepted so far.
func (s *Server) SMS() []SMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMS(nil), s.sms...)
}

// Requests returns every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls returns the calls accepted so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// FailNext makes the next request to path (PathSMS, PathBalance or
// PathCalls) fail as f says. Failures queue up, one per request.
func (s *Server) FailNext(path string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[path] = append(s.failures[path], f)
}

// fail applies the next queued failure for r's path, reporting whether it
// answered.
func (s *Server) fail(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	q := s.failures[r.URL.Path]
	if len(q) == 0 {
		s.mu.Unlock()
		return false
	}
	f := q[0]
	s.failures[r.URL.Path] = q[1:]
	s.mu.Unlock()

	if f.Delay > 0 {
		// net/http notices a client that hung up only once the body has
		// been read; without this a slow answer would outlive the client.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json")
		status := http.StatusOK
		if r.URL.Path == PathCalls && r.Method == http.MethodPost {
			status = http.StatusCreated
		}
		w.WriteHeader(status)
		fmt.Fprint(w, `{"messages": [ {"status": "0", "message-id"`)
	case f.HTTPStatus != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		if f.Problem != nil {
			writeJSON(w, f.HTTPStatus, "application/problem+json", f.Problem)
		} else {
			w.WriteHeader(f.HTTPStatus)
		}
	case f.Status != "":
		writeJSON(w, http.StatusOK, "application/json", smsAnswer{
			MessageCount: "1",
			Messages:     []smsPart{{Status: f.Status, ErrorText: f.ErrorText}},
		})
	default:
		return false
	}
	return true
}

type smsAnswer struct {
	MessageCount string    `json:"message-count"`
	Messages     []smsPart `json:"messages"`
}

type smsPart struct {
	To               string `json:"to,omitempty"`
	MessageID        string `json:"message-id,omitempty"`
	Status           string `json:"status"`
	ErrorText        string `json:"error-text,omitempty"`
	RemainingBalance string `json:"remaining-balance,omitempty"`
	MessagePrice     string `json:"message-price,omitempty"`
	Network          string `json:"network,omitempty"`
	ClientRef        string `json:"client-ref,omitempty"`
}

var digits = regexp.MustCompile(`^[0-9]{7,15}$`)

// handleSMS serves the SMS API. Like Vonage it answers HTTP 200 and puts
// refusals in the status of messages[0].
func (s *Server) handleSMS(w http.ResponseWriter, r *http.Request) {
	if s.fail(w, r) {
		return
	}
	params := map[string]string{}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isJSON := mediaType == "application/json"
	if isJSON {
		if err := json.NewDecoder(r.Body).Decode(&params); err != nil {
			s.smsRefusal(w, "3", "Invalid JSON body")
			return
		}
	} else {
		if err := r.ParseForm(); err != nil {
			s.smsRefusal(w, "3", "Invalid parameters")
			return
		}
		for k, v := range r.Form {
			params[k] = v[0]
		}
	}
	for _, k := range []string{"api_key", "api_secret", "from", "to", "text"} {
		if params[k] == "" {
			s.smsRefusal(w, "2", "Missing "+k+" param")
			return
		}
	}
	if params["api_key"] != s.APIKey || params["api_secret"] != s.APISecret {
		s.smsRefusal(w, "4", "Bad Credentials")
		return
	}
	if !digits.MatchString(params["to"]) {
		s.smsRefusal(w, "3", "Invalid to address")
		return
	}
	typ := params["type"]
	if typ == "" {
		typ = "text"
	}
	if typ != "text" && typ != "unicode" {
		s.smsRefusal(w, "3", "Invalid type")
		return
	}
	if len(params["client-ref"]) > 40 {
		s.smsRefusal(w, "3", "Invalid client-ref: longer than 40 characters")
		return
	}
	n := parts(params["text"], typ)
	msg := SMS{
		From: params["from"], To: params["to"], Text: params["text"], Type: typ,
		ClientRef: params["client-ref"], Callback: params["callback"], JSON: isJSON,
	}
	ans := smsAnswer{MessageCount: fmt.Sprint(n)}
	s.mu.Lock()
	for range n {
		s.seq++
		id := fmt.Sprintf("0A%014X", s.seq)
		msg.MessageIDs = append(msg.MessageIDs, id)
		ans.Messages = append(ans.Messages, smsPart{
			To: params["to"], MessageID: id, Status: "0", RemainingBalance: "15.53590000",
			MessagePrice: "0.03330000", Network: "23410", ClientRef: params["client-ref"],
		})
	}
	s.sms = append(s.sms, msg)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", ans)
}

// parts counts the SMS a text takes: 160 GSM-7 characters or 70 UCS-2
// units in one, 153 or 67 per part when concatenated.
func parts(text, typ string) int {
	n, single, multi := len([]rune(text)), 160, 153
	if typ == "unicode" {
		n, single, multi = len(utf16.Encode([]rune(text))), 70, 67
	}
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}

func (s *Server) smsRefusal(w http.ResponseWriter, status, text string) {
	writeJSON(w, http.StatusOK, "application/json", smsAnswer{
		MessageCount: "1",
		Messages:     []smsPart{{Status: status, ErrorText: text}},
	})
}

// handleBalance serves the account balance, authenticated by query.
func (s *Server) handleBalance(w http.ResponseWriter, r *http.Request) {
	if s.fail(w, r) {
		return
	}
	q := r.URL.Query()
	if q.Get("api_key") != s.APIKey || q.Get("api_secret") != s.APISecret {
		writeJSON(w, http.StatusUnauthorized, "application/json",
			map[string]string{"error-code": "401", "error-code-label": "authentication failed"})
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]any{"value": 10.28, "autoReload": false})
}

// handleCreateCall serves POST /v1/calls.
func (s *Server) handleCreateCall(w http.ResponseWriter, r *http.Request) {
	if s.fail(w, r) {
		return
	}
	claims, ok := s.authorize(w, r)
	if !ok {
		return
	}
	var req struct {
		To       []Endpoint `json:"to"`
		From     *Endpoint  `json:"from"`
		NCCO     []Action   `json:"ncco"`
		EventURL []string   `json:"event_url"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.invalid(w, "body", "the body is not JSON: "+err.Error())
		return
	}
	switch {
	case len(req.To) != 1 || req.To[0].Type != "phone" || !digits.MatchString(req.To[0].Number):
		s.invalid(w, "to[0].number", "must be a phone endpoint with 7 to 15 digits")
		return
	case req.From == nil || req.From.Type != "phone" || !digits.MatchString(req.From.Number):
		s.invalid(w, "from.number", "must be a phone endpoint with 7 to 15 digits")
		return
	case len(req.NCCO) == 0:
		s.invalid(w, "ncco", "is required unless answer_url is set")
		return
	}
	for i, a := range req.NCCO {
		if a.Action == "talk" && a.Text == "" {
			s.invalid(w, fmt.Sprintf("ncco[%d].text", i), "is required")
			return
		}
	}
	s.mu.Lock()
	s.seq++
	c := Call{
		UUID: fmt.Sprintf("63f61863-4a51-4f6b-86e1-%012x", s.seq),
		To:   req.To, From: *req.From, NCCO: req.NCCO, EventURL: req.EventURL, Claims: claims,
	}
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, "application/json", map[string]string{
		"uuid": c.UUID, "status": "started", "direction": "outbound",
		"conversation_uuid": "CON-" + c.UUID,
	})
}

// handleListCalls serves GET /v1/calls, which Check uses to test the JWT.
func (s *Server) handleListCalls(w http.ResponseWriter, r *http.Request) {
	if s.fail(w, r) {
		return
	}
	if _, ok := s.authorize(w, r); !ok {
		return
	}
	s.mu.Lock()
	n := len(s.calls)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", map[string]any{
		"count": n, "page_size": 10, "record_index": 0,
		"_links":    map[string]any{"self": map[string]string{"href": "/calls?page_size=10&record_index=0&order=asc"}},
		"_embedded": map[string]any{"calls": []any{}},
	})
}

func (s *Server) invalid(w http.ResponseWriter, name, reason string) {
	writeJSON(w, http.StatusBadRequest, "application/problem+json", Problem{
		Type:              "https://developer.nexmo.com/api-errors#invalid-params",
		Title:             "Bad Request",
		Detail:            "The request failed due to validation errors",
		InvalidParameters: []InvalidParameter{{Name: name, Reason: reason}},
	})
}

// authorize checks the Voice API JWT: RS256 signed by the application's
// key, for this application, current, and with a jti.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (Claims, bool) {
	claims, err := s.verifyRS256(r.Header.Get("Authorization"))
	if err != nil {
		writeJSON(w, http.StatusUnauthorized, "application/problem+json", Problem{
			Type:   "https://developer.nexmo.com/api-errors#unauthorized",
			Title:  "Unauthorized",
			Detail: err.Error(),
		})
		return Claims{}, false
	}
	return claims, true
}

func (s *Server) verifyRS256(authorization string) (Claims, error) {
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return Claims{}, fmt.Errorf("no bearer token")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("the token is not a JWT")
	}
	enc := base64.RawURLEncoding
	var header struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := decodeSegment(parts[0], &header); err != nil || header.Alg != "RS256" {
		return Claims{}, fmt.Errorf("the JWT is not signed RS256")
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return Claims{}, fmt.Errorf("unreadable signature")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.PrivateKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return Claims{}, fmt.Errorf("invalid signature")
	}
	var c Claims
	if err := decodeSegment(parts[1], &c); err != nil {
		return Claims{}, fmt.Errorf("unreadable claims")
	}
	now := time.Now().Unix()
	switch {
	case c.ApplicationID != s.ApplicationID:
		return Claims{}, fmt.Errorf("the JWT is for another application")
	case c.ID == "":
		return Claims{}, fmt.Errorf("the JWT has no jti")
	case c.IssuedAt == 0 || c.IssuedAt > now+60:
		return Claims{}, fmt.Errorf("the JWT has no iat or one in the future")
	case c.Expires != 0 && c.Expires <= now:
		return Claims{}, fmt.Errorf("the JWT has expired")
	case c.Expires == 0 && c.IssuedAt < now-15*60:
		return Claims{}, fmt.Errorf("the JWT has expired") // Vonage's default lifetime is 15 minutes
	}
	return c, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
