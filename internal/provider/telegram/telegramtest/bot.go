package telegramtest

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// maxText is the Bot API's limit on a message's text, in characters.
const maxText = 4096

// BotServer is a running fake of the Telegram Bot API for one bot.
type BotServer struct {
	URL      string // base URL, for Config.BaseURL
	Token    string // the bot token, "<bot id>:<secret>", random per server
	BotID    int64
	Username string

	srv *httptest.Server

	mu       sync.Mutex
	chats    map[int64]*botChat
	faults   []BotFault
	requests []BotRequest
	messages []BotMessage
}

type botChat struct {
	blocked bool
	lastID  int64
}

// BotRequest is one request the server received, whatever it answered.
type BotRequest struct {
	HTTPMethod string            // GET or POST
	Method     string            // the API method as called, e.g. "sendMessage"
	ValidToken bool              // whether the path carried the bot's token
	UserAgent  string            // the User-Agent header as sent
	Params     map[string]string // every parameter, from the query string and the body
}

// BotMessage is a message sendMessage accepted.
type BotMessage struct {
	MessageID int64
	ChatID    int64
	Text      string
	Params    map[string]string
}

// BotFault is a scripted answer. A zero fault answers normally after Delay.
type BotFault struct {
	Status      int           // HTTP status and error_code of an error answer
	Description string        // its description
	RetryAfter  int           // parameters.retry_after, in seconds, if nonzero
	Body        string        // a raw body sent as is (malformed answers, proxy pages)
	Delay       time.Duration // wait this long (or until the client gives up) before answering
}

// BotError is the Bot API's error answer with the given status (also its
// error_code) and description, e.g. BotError(403, "Forbidden: bot was
// blocked by the user").
func BotError(status int, description string) BotFault {
	return BotFault{Status: status, Description: description}
}

// BotThrottled is the Bot API's flood-control answer: 429 with
// parameters.retry_after.
func BotThrottled(secs int) BotFault {
	return BotFault{
		Status: http.StatusTooManyRequests, RetryAfter: secs,
		Description: fmt.Sprintf("Too Many Requests: retry after %d", secs),
	}
}

// BotHTTPError is a bare HTTP error such as a proxy's 502, without the
// Bot API's JSON envelope.
func BotHTTPError(status int) BotFault {
	return BotFault{Status: status, Body: "<html><body>" + http.StatusText(status) + "</body></html>"}
}

// BotMalformed is a 200 answer whose body is cut short.
func BotMalformed() BotFault {
	return BotFault{Status: http.StatusOK, Body: `{"ok":true,"result":{"message_id":`}
}

// BotSlow delays the answer by d, then answers normally.
func BotSlow(d time.Duration) BotFault { return BotFault{Delay: d} }

// NewBotServer starts a fake for a fresh bot with no chats and closes it
// when the test ends.
func NewBotServer(tb testing.TB) *BotServer {
	tb.Helper()
	s := &BotServer{
		BotID:    7000000000 + int64(time.Now().UnixNano()%1000000),
		Username: "otpd_test_bot",
		chats:    map[int64]*botChat{},
	}
	s.Token = strconv.FormatInt(s.BotID, 10) + ":" + randomToken(35)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// AddChat opens a private chat with the user id (a private chat's id is
// the user's), as when the user presses Start.
func (s *BotServer) AddChat(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chats[id] == nil {
		s.chats[id] = &botChat{}
	}
}

// BlockChat makes the user id block the bot: sendMessage then answers 403.
func (s *BotServer) BlockChat(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chats[id] == nil {
		s.chats[id] = &botChat{}
	}
	s.chats[id].blocked = true
}

// FailNext answers the next n requests with f.
func (s *BotServer) FailNext(n int, f BotFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Requests returns every request received so far.
func (s *BotServer) Requests() []BotRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Messages returns the messages sendMessage accepted so far.
func (s *BotServer) Messages() []BotMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

func (s *BotServer) serve(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	// Paths are /bot<token>/<method>.
	rest, isBot := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, _ := strings.Cut(rest, "/")
	p, _ := params(r, body)
	s.mu.Lock()
	s.requests = append(s.requests, BotRequest{HTTPMethod: r.Method, Method: method, ValidToken: isBot && token == s.Token,
		UserAgent: r.UserAgent(), Params: p})
	var fault *BotFault
	if len(s.faults) > 0 {
		fault = &s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()

	if fault != nil {
		if !wait(r, fault.Delay) {
			return
		}
		switch {
		case fault.Body != "":
			writeRaw(w, cmpOr(fault.Status, http.StatusOK), "", fault.Body)
			return
		case fault.Status != 0:
			if fault.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(fault.RetryAfter))
			}
			botFail(w, fault.Status, fault.Description, fault.RetryAfter)
			return
		}
	}
	switch {
	case !isBot || method == "":
		botFail(w, http.StatusNotFound, "Not Found", 0)
		return
	case token != s.Token:
		botFail(w, http.StatusUnauthorized, "Unauthorized", 0)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		botFail(w, http.StatusNotFound, "Not Found", 0)
		return
	}
	// Method names are case-insensitive.
	switch strings.ToLower(method) {
	case "getme":
		botOK(w, map[string]any{
			"id": s.BotID, "is_bot": true, "first_name": "otpd test", "username": s.Username,
			"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
		})
	case "sendmessage":
		s.sendMessage(w, p)
	default:
		botFail(w, http.StatusNotFound, "Not Found", 0)
	}
}

// botFail writes the Bot API's error envelope; its HTTP status is the
// error_code.
func botFail(w http.ResponseWriter, status int, description string, retryAfter int) {
	body := map[string]any{"ok": false, "error_code": status, "description": description}
	if retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": retryAfter}
	}
	writeJSON(w, status, body)
}

func botOK(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func (s *BotServer) sendMessage(w http.ResponseWriter, p map[string]string) {
	rawChat, text := p["chat_id"], p["text"]
	switch {
	case rawChat == "":
		botFail(w, http.StatusBadRequest, "Bad Request: chat_id is empty", 0)
		return
	case strings.TrimSpace(text) == "":
		botFail(w, http.StatusBadRequest, "Bad Request: message text is empty", 0)
		return
	case utf8.RuneCountInString(text) > maxText:
		botFail(w, http.StatusBadRequest, "Bad Request: message is too long", 0)
		return
	}
	chatID, err := strconv.ParseInt(rawChat, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[chatID]
	switch {
	case err != nil || c == nil:
		botFail(w, http.StatusBadRequest, "Bad Request: chat not found", 0)
		return
	case c.blocked:
		botFail(w, http.StatusForbidden, "Forbidden: bot was blocked by the user", 0)
		return
	}
	c.lastID++
	m := BotMessage{MessageID: c.lastID, ChatID: chatID, Text: text, Params: maps.Clone(p)}
	s.messages = append(s.messages, m)
	botOK(w, map[string]any{
		"message_id": m.MessageID,
		"from":       map[string]any{"id": s.BotID, "is_bot": true, "first_name": "otpd test", "username": s.Username},
		"chat":       map[string]any{"id": chatID, "type": "private", "first_name": "Test"},
		"date":       time.Now().Unix(),
		"text":       text,
	})
}
