package telegram_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/otpd/otpd/internal/provider/telegram"
	"github.com/otpd/otpd/internal/provider/telegram/telegramtest"
)

// directory is a ChatLinker and ChatResolver over a map, as otpd's store is.
type directory struct {
	mu    sync.Mutex
	chats map[string]int64
}

func (d *directory) LinkChat(_ context.Context, phone string, chat int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.chats[phone] = chat
	return nil
}

func (d *directory) ChatID(_ context.Context, phone string) (int64, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id, ok := d.chats[phone]
	return id, ok, nil
}

// postUpdate sends a Bot API update to the webhook as Telegram does.
func postUpdate(t *testing.T, h http.Handler, update string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(update))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
	h.ServeHTTP(rec, req)
	return rec.Code
}

func privateMessage(user int64, rest string) string {
	return fmt.Sprintf(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"A"}%s}}`, user, user, rest)
}

func TestBotLinksAChatBySharedContact(t *testing.T) {
	s := telegramtest.NewBotServer(t)
	const user = 42
	s.AddChat(user)
	dir := &directory{chats: map[string]int64{}}
	p := newBot(t, s, func(c *telegram.Config) { c.WebhookSecret, c.Links, c.Chats = "s3cret", dir, dir })
	h := p.CallbackHandler(&sink{})

	if code := postUpdate(t, h, privateMessage(user, `,"text":"/start"`)); code != 200 {
		t.Fatalf("/start: status %d, want 200", code)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Params["reply_markup"], `"request_contact":true`) {
		t.Fatalf("answer to /start = %+v, want a message with a share-contact button", msgs)
	}

	// Someone else's contact links nothing.
	other := privateMessage(user, `,"contact":{"phone_number":"15550000001","first_name":"B","user_id":43}`)
	if code := postUpdate(t, h, other); code != 200 {
		t.Fatalf("other contact: status %d", code)
	}
	if len(dir.chats) != 0 {
		t.Fatalf("someone else's contact linked %v", dir.chats)
	}

	own := privateMessage(user, `,"contact":{"phone_number":"14155552671","first_name":"A","user_id":42}`)
	if code := postUpdate(t, h, own); code != 200 {
		t.Fatalf("own contact: status %d", code)
	}
	if dir.chats["+14155552671"] != user {
		t.Fatalf("links = %v, want +14155552671 → %d", dir.chats, user)
	}
	m := message()
	m.To, m.Body = "+14155552671", "Your Acme code is 482913."
	if _, err := p.Send(t.Context(), m); err != nil {
		t.Fatalf("Send to the linked number: %v", err)
	}
	last := s.Messages()[len(s.Messages())-1]
	if last.ChatID != user || last.Text != m.Body {
		t.Errorf("sent %+v, want the body in chat %d", last, user)
	}
	if code := postUpdate(t, h, `{"update_id":2,"edited_message":{}}`); code != 200 {
		t.Errorf("an update without a message: status %d, want 200", code)
	}
	if code := postUpdate(t, h, `not json`); code != 400 {
		t.Errorf("a body that is not an update: status %d, want 400", code)
	}
}

type failingLinks struct{}

func (failingLinks) LinkChat(context.Context, string, int64) error {
	return fmt.Errorf("database is closed")
}

func TestBotLinkFailureIsRetried(t *testing.T) {
	s := telegramtest.NewBotServer(t)
	s.AddChat(42)
	p := newBot(t, s, func(c *telegram.Config) { c.WebhookSecret, c.Links = "s3cret", failingLinks{} })
	own := privateMessage(42, `,"contact":{"phone_number":"+14155552671","first_name":"A","user_id":42}`)
	if code := postUpdate(t, p.CallbackHandler(&sink{}), own); code != 500 {
		t.Errorf("status %d, want 500 so that Telegram sends the update again", code)
	}
}

// starts resolves the one start token it knows, as otp.Service does its own.
type starts map[string]string

func (s starts) ChatStartPhone(token string) (string, bool) { p, ok := s[token]; return p, ok }

// TestBotDeepLinkNamesTheNumber: a deep link's start token makes the bot
// ask for the number being verified, masked; an unknown token gets the
// usual question; neither links anything, only the shared contact does.
func TestBotDeepLinkNamesTheNumber(t *testing.T) {
	s := telegramtest.NewBotServer(t)
	const user = 42
	s.AddChat(user)
	dir := &directory{chats: map[string]int64{}}
	p := newBot(t, s, func(c *telegram.Config) {
		c.WebhookSecret, c.Links, c.Chats = "s3cret", dir, dir
		c.BotUsername, c.Starts = "otpd_test_bot", starts{"79991234567-mac": "+79991234567"}
	})
	h := p.CallbackHandler(&sink{})
	for _, tc := range []struct{ text, want string }{
		{"/start 79991234567-mac", "To receive the code for +7••••••••67 here, share that phone number with the button below."},
		{"/start forged-token", "To receive your verification codes here, share your phone number with the button below."},
	} {
		if code := postUpdate(t, h, privateMessage(user, `,"text":"`+tc.text+`"`)); code != 200 {
			t.Fatalf("%s: status %d, want 200", tc.text, code)
		}
		msgs := s.Messages()
		last := msgs[len(msgs)-1]
		if last.Text != tc.want || !strings.Contains(last.Params["reply_markup"], `"request_contact":true`) {
			t.Errorf("answer to %q = %q, want %q with a share-contact button", tc.text, last.Text, tc.want)
		}
	}
	if len(dir.chats) != 0 {
		t.Errorf("a deep link linked %v, want nothing before the contact is shared", dir.chats)
	}
}
