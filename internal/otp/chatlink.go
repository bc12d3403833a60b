package otp

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ChatLink records that the person with a phone number linked a chat of
// a messenger bot to it, so that a bot-mode provider can send that
// number's codes there.
type ChatLink struct {
	Provider string // the provider instance the chat belongs to
	Phone    string // E.164
	ChatID   string
	LinkedAt time.Time
}

// LinkChat remembers chatID as the chat of phone for provider, replacing
// an earlier link. The phone number comes from the messenger, which has
// verified it belongs to the person who shared it.
func (s *Service) LinkChat(ctx context.Context, provider, phone, chatID string) error {
	if !strings.HasPrefix(phone, "+") {
		phone = "+" + phone // messengers often drop the plus
	}
	d, err := ParseDestination(phone, "phone")
	if err != nil {
		return err
	}
	if !d.IsPhone || provider == "" || chatID == "" {
		return invalidField("phone", "invalid_chat_link", "a chat link needs a provider, a phone number and a chat")
	}
	if err := s.store.SaveChatLink(ctx, ChatLink{Provider: provider, Phone: d.Value, ChatID: chatID, LinkedAt: s.clock.Now()}); err != nil {
		return fmt.Errorf("link chat: %w", err)
	}
	return nil
}

// ChatFor returns the chat linked to phone for provider; ok is false when
// there is none.
func (s *Service) ChatFor(ctx context.Context, provider, phone string) (chatID string, ok bool, err error) {
	l, err := s.store.GetChatLink(ctx, provider, phone)
	if isCode(err, CodeNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("chat link: %w", err)
	}
	return l.ChatID, true, nil
}
