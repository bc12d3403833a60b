package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// noChat is the refusal for a number without a linked chat: a bot cannot
// start a conversation, so no retry of this provider can help.
const noChat = "no Telegram chat linked to this number"

// botAnswer is the envelope of every Bot API answer: {"ok": true,
// "result": …}, or {"ok": false, "error_code": 429, "description": "Too
// Many Requests: retry after 5", "parameters": {"retry_after": 5}}.
type botAnswer struct {
	OK          *bool           `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// sendMessageRequest is sendMessage's parameters. No parse_mode: the body
// is plain text, so nothing in it can be taken for markup.
type sendMessageRequest struct {
	ChatID int64  `json:"chat_id"`
	Text   string `json:"text"`
}

// botMessage is the part of a sent Message that matters here.
type botMessage struct {
	MessageID int64 `json:"message_id"`
	Chat      struct {
		ID int64 `json:"id"`
	} `json:"chat"`
}

// sendBot posts m.Body to the chat linked to m.To. A message id is only
// unique within its chat, so the provider message id is "chat:message".
func (p *Provider) sendBot(ctx context.Context, m otp.OutgoingMessage) (string, error) {
	if p.cfg.Chats == nil {
		return "", p.permanent("", noChat)
	}
	chat, ok, err := p.cfg.Chats.ChatID(ctx, m.To)
	if err != nil {
		return "", p.fail("", "look up the linked chat: "+err.Error())
	}
	if !ok {
		return "", p.permanent("", noChat)
	}
	if m.Body == "" {
		return "", p.refused("", "the message has no body to send")
	}
	var msg botMessage
	if err := p.botCall(ctx, "sendMessage", sendMessageRequest{ChatID: chat, Text: m.Body}, &msg); err != nil {
		return "", err
	}
	if msg.MessageID == 0 {
		return "", p.fail("", "malformed answer: the Message has no message_id")
	}
	if msg.Chat.ID != 0 {
		chat = msg.Chat.ID
	}
	return strconv.FormatInt(chat, 10) + ":" + strconv.FormatInt(msg.MessageID, 10), nil
}

// checkBot calls getMe, which needs a valid bot token and sends nothing.
func (p *Provider) checkBot(ctx context.Context) error {
	var me struct {
		ID    int64 `json:"id"`
		IsBot bool  `json:"is_bot"`
	}
	if err := p.botCall(ctx, "getMe", struct{}{}, &me); err != nil {
		return err
	}
	if me.ID == 0 || !me.IsBot {
		return p.fail("", "malformed answer: getMe did not describe a bot")
	}
	return nil
}

// botCall calls a Bot API method and decodes its result into out. Every
// failure is an *otp.ProviderError whose Code is the error_code.
func (p *Provider) botCall(ctx context.Context, method string, params, out any) error {
	a, err := p.postJSON(ctx, p.baseURL+"/bot"+p.cfg.BotToken+"/"+method, "", params)
	if err != nil {
		return err
	}
	var env botAnswer
	if err := json.Unmarshal(a.body, &env); err != nil || env.OK == nil {
		return p.unreadable(a)
	}
	if !*env.OK {
		return p.botError(env, a)
	}
	if err := json.Unmarshal(env.Result, out); err != nil || len(env.Result) == 0 {
		return p.fail("", fmt.Sprintf("malformed answer: the result of %s is not what it should be", method))
	}
	return nil
}

// botChatGone matches the 400 descriptions that mean the linked chat no
// longer leads to the user ("Bad Request: chat not found").
var botChatGone = regexp.MustCompile(`(?i)chat not found|user not found|PEER_ID_INVALID`)

// botError classifies a Bot API refusal. 403 (the user blocked the bot or
// deleted their account) and a vanished chat are the recipient's doing
// and permanent; 429 is throttling with parameters.retry_after; 401 (a
// revoked token), 404 (no such bot) and other 4xx (a request Telegram
// calls invalid, such as a text too long) are refused; 5xx are transient.
func (p *Provider) botError(env botAnswer, a answer) *otp.ProviderError {
	code := env.ErrorCode
	if code == 0 {
		code = a.status
	}
	msg := env.Description
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d %s", a.status, http.StatusText(a.status))
	}
	pe := p.fail(strconv.Itoa(code), redactNumbers(msg))
	switch {
	case env.Parameters != nil && env.Parameters.RetryAfter > 0:
		pe.RetryAfter = time.Duration(env.Parameters.RetryAfter) * time.Second
	case code == http.StatusTooManyRequests:
		pe.RetryAfter = retryAfterHeader(a.header.Get("Retry-After"), p.now())
	case code == http.StatusForbidden:
		pe.Permanent = true
	case code == http.StatusBadRequest && botChatGone.MatchString(msg):
		pe.Permanent = true
	default:
		pe.Refused = refusedStatus(code)
	}
	return pe
}

// phoneNumber matches seven or more digits, possibly grouped: a phone
// number or a chat id quoted in a description.
var phoneNumber = regexp.MustCompile(`(\+|\b)[0-9][0-9 ().-]{5,}[0-9]\b`)

// redactNumbers keeps numbers out of error messages, which end up in
// message records and logs.
func redactNumbers(s string) string {
	return strings.TrimSpace(phoneNumber.ReplaceAllString(s, "[number]"))
}
