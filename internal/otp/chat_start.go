package otp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// TelegramBot is the Telegram bot that delivers the telegram channel, when
// a bot-mode provider does: a bot can write only to people who opened a
// chat with it and linked their number, so the session flow shows the
// telegram channel inactive until they have, with a link to the bot.
type TelegramBot struct {
	// Provider is the provider instance whose chat links count.
	Provider string
	// Username is the bot's username, without "@", for its t.me link;
	// without it the channel has no link to show.
	Username string
}

// maxStartPayload is the Bot API's limit on a /start deep-link parameter.
const maxStartPayload = 64

// ChatStartToken is the start parameter of the bot's deep link for a
// person verifying phone: the number's digits and a MAC of them, so the
// bot can tell the person which number to share and no one can make it
// name another. It links nothing by itself: the chat is linked when the
// person shares their own contact, which Telegram vouches for.
func (s *Service) ChatStartToken(phone string) string {
	digits := strings.TrimPrefix(phone, "+")
	return digits + "-" + chatStartMAC(s.keys, digits)
}

// ChatStartPhone returns the phone number a start token was made for; ok
// is false for anything ChatStartToken did not make.
func (s *Service) ChatStartPhone(token string) (phone string, ok bool) {
	if len(token) > maxStartPayload {
		return "", false
	}
	digits, mac, found := strings.Cut(token, "-")
	if !found || digits == "" {
		return "", false
	}
	for _, k := range s.keys.ring() { // a token made before a key rotation still works
		if hmac.Equal([]byte(mac), []byte(chatStartMAC(k, digits))) {
			return "+" + digits, true
		}
	}
	return "", false
}

// chatStartMAC is 96 bits of HMAC over digits, in base64url: start
// parameters allow only A–Z, a–z, 0–9, _ and -.
func chatStartMAC(k *ServerKey, digits string) string {
	m := hmac.New(sha256.New, k.codeMAC)
	m.Write([]byte("telegram start\x00" + digits))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// telegramLink is the bot's t.me link, with a start token for phone when
// phone is not empty; "" when the bot has no username.
func (s *Service) telegramLink(phone string) string {
	if s.telegram.Username == "" {
		return ""
	}
	link := "https://t.me/" + s.telegram.Username
	if phone != "" {
		link += "?start=" + s.ChatStartToken(phone)
	}
	return link
}
