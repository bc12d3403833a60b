package telegram_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/telegram"
	"github.com/otpd/otpd/internal/provider/telegram/telegramtest"
)

const chatID = 5551234

// chats is a ChatResolver over a map of phone numbers to chat ids.
type chats map[string]int64

func (c chats) ChatID(_ context.Context, phone string) (int64, bool, error) {
	id, ok := c[phone]
	return id, ok, nil
}

// brokenChats is a ChatResolver whose store is down.
type brokenChats struct{}

func (brokenChats) ChatID(context.Context, string) (int64, bool, error) {
	return 0, false, errors.New("database is closed")
}

func newBot(t *testing.T, s *telegramtest.BotServer, edit func(*telegram.Config)) *telegram.Provider {
	t.Helper()
	c := telegram.Config{
		Name: "telegram-bot", Mode: telegram.ModeBot, BotToken: s.Token, BaseURL: s.URL,
		Chats: chats{recipient: chatID},
	}
	if edit != nil {
		edit(&c)
	}
	p, err := telegram.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func TestBotSend(t *testing.T) {
	s := telegramtest.NewBotServer(t)
	s.AddChat(chatID)
	p := newBot(t, s, nil)

	m := message()
	m.Body = "Your Acme code is 482913. *Not bold* <b>nor this</b>"
	res, err := p.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := (otp.SendResult{Provider: "telegram-bot", ProviderMessageID: "5551234:1"}); res != want {
		t.Errorf("Send = %+v, want %+v", res, want)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the fake has %d messages, want 1", len(msgs))
	}
	// Exactly chat_id and text: no parse_mode, so the body stays plain text.
	want := map[string]string{"chat_id": "5551234", "text": m.Body}
	if diff := cmp.Diff(want, msgs[0].Params); diff != "" {
		t.Errorf("sendMessage parameters (-want +got):\n%s", diff)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Method != "sendMessage" || !reqs[0].ValidToken || reqs[0].HTTPMethod != http.MethodPost {
		t.Errorf("requests = %+v, want one POST of sendMessage with the bot token", reqs)
	}
}

func TestBotSendWithoutLinkedChat(t *testing.T) {
	tests := []struct {
		name  string
		chats telegram.ChatResolver
	}{
		{"no resolver", nil},
		{"number not linked", chats{"+15005550006": 42}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := telegramtest.NewBotServer(t)
			s.AddChat(chatID)
			p := newBot(t, s, func(c *telegram.Config) { c.Chats = tt.chats })
			_, err := p.Send(t.Context(), message())
			checkRefusal(t, err, "telegram-bot", refusal{permanent: true, message: "no Telegram chat linked to this number"})
			if n := len(s.Requests()); n != 0 {
				t.Errorf("the fake got %d requests, want none", n)
			}
		})
	}
}

func TestBotSendRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*telegramtest.BotServer, *telegram.Config, *otp.OutgoingMessage)
		want  refusal
	}{
		{"blocked", func(s *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.BlockChat(chatID)
		}, refusal{permanent: true, code: "403", message: "bot was blocked by the user"}},
		{"deactivated", func(s *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.BotError(http.StatusForbidden, "Forbidden: user is deactivated"))
		}, refusal{permanent: true, code: "403", message: "deactivated"}},
		{"chat gone", func(_ *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			// The resolver's chat is unknown to the bot.
		}, refusal{permanent: true, code: "400", message: "chat not found"}},
		{"other bad request", func(s *telegramtest.BotServer, _ *telegram.Config, m *otp.OutgoingMessage) {
			m.Body = strings.Repeat("x", 4097)
		}, refusal{refused: true, code: "400", message: "message is too long"}},
		{"throttled", func(s *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.BotThrottled(7))
		}, refusal{code: "429", retryAfter: 7 * time.Second, message: "Too Many Requests"}},
		{"revoked token", func(_ *telegramtest.BotServer, c *telegram.Config, _ *otp.OutgoingMessage) {
			c.BotToken = "42:revoked"
		}, refusal{refused: true, code: "401", message: "Unauthorized"}},
		{"no such bot", func(s *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.BotError(http.StatusNotFound, "Not Found"))
		}, refusal{refused: true, code: "404", message: "Not Found"}},
		{"proxy refuses", func(s *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.BotHTTPError(http.StatusForbidden))
		}, refusal{refused: true, message: "HTTP 403"}},
		{"server error", func(s *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.BotError(http.StatusInternalServerError, "Internal Server Error"))
		}, refusal{code: "500", message: "Internal Server Error"}},
		{"proxy error", func(s *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.BotHTTPError(http.StatusBadGateway))
		}, refusal{message: "HTTP 502"}},
		{"malformed", func(s *telegramtest.BotServer, _ *telegram.Config, _ *otp.OutgoingMessage) {
			s.FailNext(1, telegramtest.BotMalformed())
		}, refusal{message: "malformed answer"}},
		{"timeout", func(s *telegramtest.BotServer, c *telegram.Config, _ *otp.OutgoingMessage) {
			c.Timeout = 50 * time.Millisecond
			s.FailNext(1, telegramtest.BotSlow(10*time.Second))
		}, refusal{message: "request failed"}},
		{"resolver down", func(_ *telegramtest.BotServer, c *telegram.Config, _ *otp.OutgoingMessage) {
			c.Chats = brokenChats{}
		}, refusal{message: "database is closed"}},
		{"empty body", func(_ *telegramtest.BotServer, _ *telegram.Config, m *otp.OutgoingMessage) {
			m.Body = ""
		}, refusal{refused: true, message: "no body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := telegramtest.NewBotServer(t)
			c := telegram.Config{
				Name: "telegram-bot", Mode: telegram.ModeBot, BotToken: s.Token, BaseURL: s.URL,
				Chats: chats{recipient: chatID},
			}
			m := message()
			if tt.name != "chat gone" {
				s.AddChat(chatID)
			}
			tt.setup(s, &c, &m)
			p, err := telegram.New(c)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			res, err := p.Send(t.Context(), m)
			if err == nil {
				t.Fatalf("Send = %+v, want an error", res)
			}
			checkRefusal(t, err, "telegram-bot", tt.want)
		})
	}
}

func TestBotUserAgent(t *testing.T) {
	s := telegramtest.NewBotServer(t)
	s.AddChat(chatID)
	p := newBot(t, s, nil)
	if _, err := p.Send(t.Context(), message()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("the fake got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if !userAgent.MatchString(r.UserAgent) {
			t.Errorf("%s: User-Agent %q, want otpd/x.y.z", r.Method, r.UserAgent)
		}
	}
}

// TestBotErrorsKeepTheTokenOut checks that no failure quotes the request
// URL, whose path holds the bot token.
func TestBotErrorsKeepTheTokenOut(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	const token = "123456:SECRETsecretSECRETsecret"
	p, err := telegram.New(telegram.Config{
		Mode: telegram.ModeBot, BotToken: token, BaseURL: dead.URL, Chats: chats{recipient: chatID},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, sendErr := p.Send(t.Context(), message())
	checkErr := p.Check(t.Context())
	for _, err := range []error{sendErr, checkErr} {
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("error = %v, want a failure that does not quote the token", err)
		}
	}
}

func TestBotCheck(t *testing.T) {
	s := telegramtest.NewBotServer(t)
	if err := newBot(t, s, nil).Check(t.Context()); err != nil {
		t.Errorf("Check = %v, want nil", err)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Method != "getMe" || !reqs[0].ValidToken {
		t.Errorf("requests = %+v, want one getMe with the bot token", reqs)
	}

	p := newBot(t, s, func(c *telegram.Config) { c.BotToken = "42:revoked" })
	checkRefusal(t, p.Check(t.Context()), "telegram-bot", refusal{refused: true, code: "401", message: "Unauthorized"})

	s.FailNext(1, telegramtest.BotHTTPError(http.StatusBadGateway))
	checkRefusal(t, newBot(t, s, nil).Check(t.Context()), "telegram-bot", refusal{message: "HTTP 502"})
	if n := len(s.Messages()); n != 0 {
		t.Errorf("Check sent %d messages, want none", n)
	}
}
