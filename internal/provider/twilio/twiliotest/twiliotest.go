// Package twiliotest is an in-process fake of Twilio's REST API
// (2010-04-01) for tests: the Messages, Calls and Account resources, HTTP
// Basic authentication with the account's auth token or an API key,
// Twilio's JSON error bodies and its validation of required parameters,
// Twilio's documented test-credential "magic" To numbers, and signed
// status callbacks. Tests can script failures: any error code and status,
// 429 with Retry-After, 5xx, slow answers and malformed bodies.
//
// It is written from Twilio's documentation, independently of the
// provider package, so that tests of one check the other.
package twiliotest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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

// Server is a running fake of Twilio's REST API for one account.
type Server struct {
	URL        string // base URL, for Config.BaseURL
	AccountSID string // AC followed by 32 hex digits, random per server
	AuthToken  string // random per server

	srv    *httptest.Server
	client *http.Client

	mu       sync.Mutex
	keys     map[string]string // API key sid → secret
	status   string            // the Account's status
	faults   []Fault
	requests []Request
	messages []Message
	calls    []Call
	seq      int
}

// Request is one request the server received, whatever it answered.
type Request struct {
	Method string
	Path   string
	User   string // the Basic auth user name: an account or API key sid
	// UserAgent is the User-Agent header as sent.
	UserAgent string
	// Traceparent is the W3C trace-context header as sent, if any.
	Traceparent string
}

// Message is a Message resource the server created.
type Message struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
	Form                url.Values // every parameter as received
}

// Call is a Call resource the server created.
type Call struct {
	SID                 string
	To                  string
	From                string
	Twiml               string // the TwiML as sent
	Verbs               []Verb // the TwiML parsed: the children of <Response>
	StatusCallback      string
	StatusCallbackEvent []string
	Form                url.Values // every parameter as received
}

// Verb is one TwiML verb, such as <Say language="en-US">text</Say>.
type Verb struct {
	Name string            // "Say", "Pause"…
	Attr map[string]string // its attributes; nil when it has none
	Text string            // its text content, unescaped
}

// Fault is a scripted answer. A zero Status answers normally after Delay.
type Fault struct {
	Status     int           // HTTP status of the answer
	Code       int           // Twilio error code for the JSON error body; 0 sends no body
	Message    string        // the error body's message; default the status text
	RetryAfter string        // Retry-After header value, if any
	Body       string        // a raw body sent as is, instead of an error body (malformed answers)
	Delay      time.Duration // wait this long (or until the client gives up) before answering
}

// Error is Twilio's error answer for code with the given HTTP status.
func Error(status, code int, message string) Fault {
	return Fault{Status: status, Code: code, Message: message}
}

// Throttled is Twilio's 429 Too Many Requests (error 20429) answer.
func Throttled(retryAfter string) Fault {
	return Fault{Status: http.StatusTooManyRequests, Code: 20429, Message: "Too Many Requests", RetryAfter: retryAfter}
}

// Malformed is a 201 Created answer whose body is not JSON.
func Malformed() Fault {
	return Fault{Status: http.StatusCreated, Body: `{"sid": "SM`}
}

// Slow delays the answer by d, then answers normally.
func Slow(d time.Duration) Fault {
	return Fault{Delay: d}
}

// NewServer starts a fake for a fresh account and closes it when the
// test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		AccountSID: "AC" + randomHex(16),
		AuthToken:  randomHex(16),
		keys:       map[string]string{},
		status:     "active",
		client:     &http.Client{Timeout: 10 * time.Second},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Messages.json", s.createMessage)
	mux.HandleFunc("GET /2010-04-01/Accounts/{account}/Messages.json", s.listMessages)
	mux.HandleFunc("POST /2010-04-01/Accounts/{account}/Calls.json", s.createCall)
	mux.HandleFunc("GET /2010-04-01/Accounts/{file}", s.fetchAccount)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w, r) })
	s.srv = httptest.NewServer(s.front(mux))
	s.URL = s.srv.URL
	tb.Cleanup(s.Close)
	return s
}

// Close shuts the server down; NewServer arranges it at the end of the test.
func (s *Server) Close() { s.srv.Close() }

// AddAPIKey makes the server accept the API key sid and secret as
// credentials for its account.
func (s *Server) AddAPIKey(sid, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[sid] = secret
}

// SetAccountStatus sets the status the Account resource reports:
// "active", "suspended" or "closed".
func (s *Server) SetAccountStatus(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

// FailNext answers the next n requests with f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Messages returns the Message resources created so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Calls returns the Call resources created so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// front records the request, plays a scripted fault and checks the
// credentials before the resource handlers run.
func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first: net/http notices that a client gave up
		// (and cancels r.Context) only once the body is consumed, and a
		// slow answer must end when the client's timeout does.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		user, pass, _ := r.BasicAuth()
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, User: user, UserAgent: r.UserAgent(),
			Traceparent: r.Header.Get("traceparent")})
		var fault *Fault
		if len(s.faults) > 0 {
			fault = &s.faults[0]
			s.faults = s.faults[1:]
		}
		authorized := (user == s.AccountSID && pass == s.AuthToken) || (user != "" && s.keys[user] == pass && pass != "")
		s.mu.Unlock()

		if fault != nil {
			if fault.Delay > 0 {
				t := time.NewTimer(fault.Delay)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			if fault.Status != 0 {
				writeFault(w, *fault)
				return
			}
		}
		if !authorized {
			// Twilio's answer to missing or wrong credentials.
			w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
			writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.Body != "":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Body)
	case f.Code != 0:
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		writeError(w, f.Status, f.Code, msg)
	default:
		w.WriteHeader(f.Status)
	}
}

// writeError writes Twilio's error body.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path))
}

// ownAccount answers 404 for another account's resources, as Twilio does.
func (s *Server) ownAccount(w http.ResponseWriter, r *http.Request, sid string) bool {
	if sid != s.AccountSID {
		notFound(w, r)
		return false
	}
	return true
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// magicMessageTo are Twilio's documented test-credential To numbers for
// messages and the errors they produce.
var magicMessageTo = map[string]struct {
	code int
	msg  string
}{
	"+15005550001": {21211, "The 'To' number +15005550001 is not a valid phone number."},
	"+15005550002": {21612, "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS."},
	"+15005550003": {21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003."},
	"+15005550004": {21610, "Attempt to send to unsubscribed recipient"},
	"+15005550009": {21614, "'To' number +15005550009 is not a valid mobile number"},
}

// magicCallTo are the documented test-credential To numbers for calls.
var magicCallTo = map[string]struct {
	code int
	msg  string
}{
	"+15005550001": {21217, "Phone number does not appear to be valid"},
	"+15005550002": {21214, "'To' phone number cannot be reached"},
	"+15005550003": {21215, "Account not authorized to call +15005550003. Perhaps you need to enable some international permissions."},
	"+15005550004": {21216, "Call blocked by Twilio blocklist"},
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	if !s.ownAccount(w, r, r.PathValue("account")) {
		return
	}
	f := postForm(r)
	to, from, service, body := f.Get("To"), f.Get("From"), f.Get("MessagingServiceSid"), f.Get("Body")
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case from == "" && service == "":
		writeError(w, http.StatusBadRequest, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
		return
	case body == "" && f.Get("MediaUrl") == "" && f.Get("ContentSid") == "":
		writeError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case len([]rune(body)) > 1600:
		writeError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	if m, ok := magicMessageTo[to]; ok {
		writeError(w, http.StatusBadRequest, m.code, m.msg)
		return
	}
	if !e164.MatchString(to) {
		writeError(w, http.StatusBadRequest, 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to))
		return
	}
	s.mu.Lock()
	m := Message{
		SID: s.nextSID("SM"), To: to, From: from, MessagingServiceSID: service,
		Body: body, StatusCallback: f.Get("StatusCallback"), Form: f,
	}
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.messageJSON(m))
}

func (s *Server) messageJSON(m Message) map[string]any {
	status := "queued"
	if m.MessagingServiceSID != "" {
		status = "accepted" // a service picks the sender first
	}
	now := time.Now().UTC().Format(time.RFC1123Z)
	return map[string]any{
		"account_sid": s.AccountSID, "api_version": "2010-04-01", "body": m.Body,
		"date_created": now, "date_updated": now, "date_sent": nil, "direction": "outbound-api",
		"error_code": nil, "error_message": nil, "from": nullable(m.From),
		"messaging_service_sid": nullable(m.MessagingServiceSID), "num_media": "0", "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": m.SID, "status": status, "to": m.To,
		"uri": fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", s.AccountSID, m.SID),
	}
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	if !s.ownAccount(w, r, r.PathValue("account")) {
		return
	}
	size := 50
	if n, err := strconv.Atoi(r.URL.Query().Get("PageSize")); err == nil && n > 0 {
		size = min(n, 1000)
	}
	msgs := s.Messages()
	slices.Reverse(msgs) // newest first, as Twilio lists them
	page := []map[string]any{}
	for _, m := range msgs[:min(size, len(msgs))] {
		page = append(page, s.messageJSON(m))
	}
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages.json?PageSize=%d&Page=0", s.AccountSID, size)
	writeJSON(w, http.StatusOK, map[string]any{
		"messages": page, "page": 0, "page_size": size, "start": 0, "end": max(len(page)-1, 0),
		"first_page_uri": uri, "uri": uri, "next_page_uri": nil, "previous_page_uri": nil,
	})
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	if !s.ownAccount(w, r, r.PathValue("account")) {
		return
	}
	f := postForm(r)
	to, from, twiml := f.Get("To"), f.Get("From"), f.Get("Twiml")
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21201, "No 'To' number is specified")
		return
	case from == "":
		writeError(w, http.StatusBadRequest, 21213, "No 'From' number is specified")
		return
	case twiml == "" && f.Get("Url") == "" && f.Get("ApplicationSid") == "":
		writeError(w, http.StatusBadRequest, 21205, "Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml")
		return
	case len(twiml) > 4000:
		writeError(w, http.StatusBadRequest, 21205, "Twiml exceeds the maximum of 4000 characters")
		return
	}
	for _, ev := range f["StatusCallbackEvent"] {
		for e := range strings.FieldsSeq(ev) {
			if !slices.Contains([]string{"initiated", "ringing", "answered", "completed"}, e) {
				writeError(w, http.StatusBadRequest, 21626, "Invalid 'StatusCallbackEvent'")
				return
			}
		}
	}
	var verbs []Verb
	if twiml != "" {
		var err error
		if verbs, err = parseTwiML(twiml); err != nil {
			// Stricter than Twilio, which reports bad TwiML when the
			// call connects; a test wants to hear about it at once.
			writeError(w, http.StatusBadRequest, 12100, "Document parse failure: "+err.Error())
			return
		}
	}
	if m, ok := magicCallTo[to]; ok {
		writeError(w, http.StatusBadRequest, m.code, m.msg)
		return
	}
	if !e164.MatchString(to) {
		writeError(w, http.StatusBadRequest, 21217, "Phone number does not appear to be valid")
		return
	}
	s.mu.Lock()
	c := Call{
		SID: s.nextSID("CA"), To: to, From: from, Twiml: twiml, Verbs: verbs,
		StatusCallback: f.Get("StatusCallback"), StatusCallbackEvent: f["StatusCallbackEvent"], Form: f,
	}
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	now := time.Now().UTC().Format(time.RFC1123Z)
	writeJSON(w, http.StatusCreated, map[string]any{
		"account_sid": s.AccountSID, "api_version": "2010-04-01", "sid": c.SID, "status": "queued",
		"to": c.To, "from": c.From, "direction": "outbound-api", "date_created": now, "date_updated": now,
		"start_time": nil, "end_time": nil, "duration": nil, "price": nil, "price_unit": "USD",
		"uri": fmt.Sprintf("/2010-04-01/Accounts/%s/Calls/%s.json", s.AccountSID, c.SID),
	})
}

func (s *Server) fetchAccount(w http.ResponseWriter, r *http.Request) {
	sid, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	if !ok {
		notFound(w, r)
		return
	}
	if !s.ownAccount(w, r, sid) {
		return
	}
	s.mu.Lock()
	status := s.status
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"sid": s.AccountSID, "owner_account_sid": s.AccountSID, "friendly_name": "otpd test account",
		"status": status, "type": "Full", "date_created": "Mon, 01 Jan 2024 00:00:00 +0000",
		"uri": fmt.Sprintf("/2010-04-01/Accounts/%s.json", s.AccountSID),
	})
}

// postForm reads the form-encoded body; like Twilio, a body in any other
// encoding yields no parameters (and so a "required" error).
func postForm(r *http.Request) url.Values {
	if err := r.ParseForm(); err != nil {
		return url.Values{}
	}
	return r.PostForm
}

// nextSID issues a sid with the given prefix; s.mu must be held.
func (s *Server) nextSID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%032x", prefix, s.seq)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// parseTwiML reads a TwiML document into the verbs of its <Response>.
func parseTwiML(doc string) ([]Verb, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	var (
		verbs   []Verb
		depth   int
		current *Verb
		seenDoc bool
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				if t.Name.Local != "Response" || seenDoc {
					return nil, fmt.Errorf("the root element is <%s>, want one <Response>", t.Name.Local)
				}
				seenDoc = true
			case 2:
				v := Verb{Name: t.Name.Local}
				for _, a := range t.Attr {
					if v.Attr == nil {
						v.Attr = map[string]string{}
					}
					v.Attr[a.Name.Local] = a.Value
				}
				verbs = append(verbs, v)
				current = &verbs[len(verbs)-1]
			}
		case xml.EndElement:
			depth--
			if depth == 1 {
				current = nil
			}
		case xml.CharData:
			if current != nil {
				current.Text += string(t)
			} else if depth <= 1 && len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text outside a verb")
			}
		}
	}
	if !seenDoc {
		return nil, errors.New("no <Response> element")
	}
	return verbs, nil
}

// Signature computes the X-Twilio-Signature Twilio sends with a request
// to fullURL carrying the POST parameters params: the base64 HMAC-SHA1,
// keyed with the auth token, of the URL followed by each parameter name
// and value, sorted by name.
func Signature(authToken, fullURL string, params url.Values) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	data := fullURL
	for _, k := range names {
		vs := slices.Clone(params[k])
		slices.Sort(vs)
		for _, v := range vs {
			data += k + v
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SendStatusCallback POSTs params to callbackURL as Twilio does, signed
// with the account's auth token, and returns the HTTP status it got.
func (s *Server) SendStatusCallback(callbackURL string, params url.Values) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, strings.NewReader(params.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", Signature(s.AuthToken, callbackURL, params))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// MessageStatus returns the parameters Twilio posts to m's StatusCallback
// when it reaches status ("sent", "delivered", "undelivered"…); a nonzero
// errorCode adds ErrorCode.
func (s *Server) MessageStatus(m Message, status string, errorCode int) url.Values {
	v := url.Values{
		"AccountSid":    {s.AccountSID},
		"ApiVersion":    {"2010-04-01"},
		"From":          {m.From},
		"MessageSid":    {m.SID},
		"MessageStatus": {status},
		"SmsSid":        {m.SID},
		"SmsStatus":     {status},
		"To":            {m.To},
	}
	if m.MessagingServiceSID != "" {
		v.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != 0 {
		v.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	return v
}

// CallStatus returns the parameters Twilio posts to c's StatusCallback
// when it reaches status ("completed", "busy", "no-answer"…) at time at.
// They include the ToCity/ToCountry… family, whose names start with
// another parameter's name: a test of how signatures sort.
func (s *Server) CallStatus(c Call, status string, at time.Time) url.Values {
	duration := "0"
	if status == "completed" {
		duration = "12"
	}
	return url.Values{
		"AccountSid":     {s.AccountSID},
		"ApiVersion":     {"2010-04-01"},
		"CallDuration":   {duration},
		"CallSid":        {c.SID},
		"CallStatus":     {status},
		"CallbackSource": {"call-progress-events"},
		"Called":         {c.To},
		"Caller":         {c.From},
		"Direction":      {"outbound-api"},
		"From":           {c.From},
		"FromCountry":    {"US"},
		"SequenceNumber": {"0"},
		"Timestamp":      {at.UTC().Format(time.RFC1123Z)},
		"To":             {c.To},
		"ToCity":         {"LONDON"},
		"ToCountry":      {"GB"},
		"ToZip":          {""},
	}
}
