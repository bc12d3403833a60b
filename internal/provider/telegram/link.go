package telegram

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxUpdateBody bounds one Bot API update.
const maxUpdateBody = 1 << 20

// update is the part of a Bot API Update the webhook reads.
type update struct {
	Message *struct {
		Chat struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		From *struct {
			ID int64 `json:"id"`
		} `json:"from"`
		Text    string `json:"text"`
		Contact *struct {
			PhoneNumber string `json:"phone_number"`
			UserID      int64  `json:"user_id"`
		} `json:"contact"`
	} `json:"message"`
}

// Texts the bot answers with. They are short and in English: the codes
// themselves come in the verification's language.
const (
	askForNumber = "To receive your verification codes here, share your phone number with the button below."
	shareButton  = "Share my phone number"
	linkedText   = "Done: verification codes for this number will come to this chat."
	notYourOwn   = "Please share your own phone number, with the button below."
	// askForStartNumber answers a deep link that names the number being
	// verified; the number is masked, since the link may have been shared.
	askForStartNumber = "To receive the code for %s here, share that phone number with the button below."
)

// startPhone reads "/start <token>", the message a t.me deep link sends.
func (p *Provider) startPhone(text string) (string, bool) {
	token, ok := strings.CutPrefix(text, "/start ")
	if !ok || p.cfg.Starts == nil {
		return "", false
	}
	return p.cfg.Starts.ChatStartPhone(strings.TrimSpace(token))
}

// maskPhone shows a number's first and last two digits.
func maskPhone(phone string) string {
	if len(phone) < 6 {
		return "•••"
	}
	return phone[:2] + strings.Repeat("•", len(phone)-4) + phone[len(phone)-2:]
}

// botWebhook receives the bot's updates (set it with setWebhook and
// secret_token = webhook_secret). A person links their chat by sharing
// their own contact: Telegram vouches that the number belongs to the
// account, which a typed number would not. /start and any other text
// are answered with a request_contact button. Updates without the secret
// are refused with 403; every update that was read is answered 200,
// since Telegram retries anything else, except when the link could not
// be stored (500, so that it comes again).
func (p *Provider) botWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "updates are POSTed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if p.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.cfg.WebhookSecret)) != 1 {
		http.Error(w, "missing or wrong X-Telegram-Bot-Api-Secret-Token", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpdateBody))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	var u update
	if err := json.Unmarshal(body, &u); err != nil {
		http.Error(w, "not a Bot API update", http.StatusBadRequest)
		return
	}
	m := u.Message
	if m == nil || m.Chat.Type != "private" || m.From == nil {
		w.WriteHeader(http.StatusOK) // edits, groups, channels: nothing to do
		return
	}
	ctx := r.Context()
	if c := m.Contact; c != nil && c.UserID == m.From.ID && p.cfg.Links != nil {
		phone := strings.TrimSpace(c.PhoneNumber)
		if !strings.HasPrefix(phone, "+") {
			phone = "+" + phone
		}
		if err := p.cfg.Links.LinkChat(ctx, phone, m.Chat.ID); err != nil {
			http.Error(w, "could not link the chat", http.StatusInternalServerError)
			return
		}
		p.reply(r, m.Chat.ID, linkedText, false)
		w.WriteHeader(http.StatusOK)
		return
	}
	text := askForNumber
	if m.Contact != nil {
		text = notYourOwn
	} else if phone, ok := p.startPhone(m.Text); ok {
		text = fmt.Sprintf(askForStartNumber, maskPhone(phone))
	}
	p.reply(r, m.Chat.ID, text, true)
	w.WriteHeader(http.StatusOK)
}

// replyRequest is sendMessage with an optional one-button keyboard that
// shares the person's own contact.
type replyRequest struct {
	ChatID      int64          `json:"chat_id"`
	Text        string         `json:"text"`
	ReplyMarkup map[string]any `json:"reply_markup,omitempty"`
}

// reply answers in the chat. A failed answer is not the webhook's
// failure: the link (if any) is stored, and the person can try again.
func (p *Provider) reply(r *http.Request, chat int64, text string, askContact bool) {
	req := replyRequest{ChatID: chat, Text: text}
	if askContact {
		req.ReplyMarkup = map[string]any{
			"keyboard":          [][]map[string]any{{{"text": shareButton, "request_contact": true}}},
			"one_time_keyboard": true,
			"resize_keyboard":   true,
		}
	} else {
		req.ReplyMarkup = map[string]any{"remove_keyboard": true}
	}
	var msg botMessage
	_ = p.botCall(r.Context(), "sendMessage", req, &msg)
}
