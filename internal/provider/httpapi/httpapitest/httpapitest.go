// Package httpapitest is an in-process HTTP gateway for tests of the
// generic HTTP provider and of what is built on it: it records every
// request as received and answers from a script (any status, headers,
// body, and slow answers), and KooKoo answers as KooKoo's TwoFactor API
// documents.
package httpapitest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request the server received, whatever it answered.
type Request struct {
	Method   string
	Path     string     // decoded path
	RawQuery string     // the query exactly as sent, to check its escaping
	Query    url.Values // the query decoded
	Header   http.Header
	Body     []byte
}

// Reply is an answer. A zero Status is 200.
type Reply struct {
	Status int
	Header map[string]string
	Body   string
	// Delay holds the answer back this long, or until the client gives
	// up, whichever comes first.
	Delay time.Duration
}

// JSON is an answer with the given status and JSON body.
func JSON(status int, body string) Reply {
	return Reply{Status: status, Header: map[string]string{"Content-Type": "application/json"}, Body: body}
}

// Throttled is a 429 Too Many Requests with the given Retry-After value
// ("30" or an HTTP date); an empty value sends no header.
func Throttled(retryAfter string) Reply {
	r := Reply{Status: http.StatusTooManyRequests, Header: map[string]string{}, Body: "Too Many Requests"}
	if retryAfter != "" {
		r.Header["Retry-After"] = retryAfter
	}
	return r
}

// Slow is an empty 200 answer held back by d.
func Slow(d time.Duration) Reply {
	return Reply{Delay: d}
}

// Server is a running fake gateway.
type Server struct {
	URL string // base URL, no trailing slash

	srv *httptest.Server

	mu       sync.Mutex
	handler  func(Request) Reply
	queue    []Reply
	requests []Request
}

// NewServer starts a gateway that answers each request with the next
// Reply given to Enqueue or, when none is left, with handler (nil answers
// 200 with an empty body). Handler calls are serialised, so a handler may
// keep state without locking. The server closes when the test ends.
func NewServer(tb testing.TB, handler func(Request) Reply) *Server {
	tb.Helper()
	s := &Server{handler: handler}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(s.Close)
	return s
}

// Close shuts the server down, waiting for answers in progress (slow ones
// end when their client gives up).
func (s *Server) Close() { s.srv.Close() }

// Enqueue scripts the next answers, one per request, in order.
func (s *Server) Enqueue(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, r...)
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	req := Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body,
	}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	var reply Reply
	switch {
	case len(s.queue) > 0:
		reply, s.queue = s.queue[0], s.queue[1:]
	case s.handler != nil:
		reply = s.handler(req)
	}
	s.mu.Unlock()

	if reply.Delay > 0 && !wait(r.Context(), reply.Delay) {
		return
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if reply.Status == 0 {
		reply.Status = http.StatusOK
	}
	w.WriteHeader(reply.Status)
	io.WriteString(w, reply.Body)
}

// wait sleeps for d unless ctx ends first; it reports whether d passed.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// KooKoo paths, under the server's URL.
const (
	KooKooCallPath = "/api/v1/TwoFactor/callotp"
	KooKooSMSPath  = "/api/v1/TwoFactor/smsotp"
)

// KooKoo returns a handler that answers as KooKoo's TwoFactor API
// documents (Postman collection "Two Factor APIS Domestic"): GET
// callotp?api_key&caller_id&phone_no answers {"status":"queued",
// "message":<phone_no>}, GET smsotp?phone_no&api_key&sender_id answers
// {"status":"success","message":"SM8…"}; a missing api_key or phone_no
// answers {"status":"Error","message":"API key or Phone Number Missing"}
// and a wrong api_key {"status":"Error","message":"Authentication Error"}.
// KooKoo does not document HTTP statuses; as is usual for such APIs the
// errors come with 200. Other parameters (a message text, say) are
// accepted and only recorded.
func KooKoo(apiKey string) func(Request) Reply {
	seq := 0
	return func(r Request) Reply {
		if r.Method != http.MethodGet {
			return Reply{Status: http.StatusMethodNotAllowed, Body: "Method Not Allowed"}
		}
		if r.Path != KooKooCallPath && r.Path != KooKooSMSPath {
			return Reply{Status: http.StatusNotFound, Body: "Not Found"}
		}
		key, phone := r.Query.Get("api_key"), r.Query.Get("phone_no")
		switch {
		case key == "" || phone == "":
			return kookoo("Error", "API key or Phone Number Missing")
		case key != apiKey:
			return kookoo("Error", "Authentication Error")
		case r.Path == KooKooCallPath:
			return kookoo("queued", strings.TrimPrefix(phone, "+"))
		}
		seq++
		return kookoo("success", fmt.Sprintf("SM8%08d", seq))
	}
}

func kookoo(status, message string) Reply {
	b, _ := json.Marshal(struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}{status, message}) // two strings always marshal
	return JSON(http.StatusOK, string(b))
}
