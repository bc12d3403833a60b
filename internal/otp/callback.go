package otp

import (
	"encoding/json"
	"time"
)

// A send may name a URL that receives its message's final delivery
// status once it is known (SendManual's callback, kod.mobi's
// callback_url). The callback is a delivery of the webhook queue with the
// URL on it, written in the same transaction as the state change it
// reports, and posted like an endpoint's: signed with the application's
// webhook secret (Standard Webhooks), retried on the same schedule, through
// the same SSRF guard.

// Statuses a callback reports.
const (
	CallbackDelivered = "delivered"
	CallbackFailed    = "failed"
)

// TestInboxProvider is the provider name of a test application's
// messages: the messages recorded as sent through it are its test inbox.
const TestInboxProvider = "test_inbox"

// callbackBody is what a callback receives: kod.mobi's shape, the one
// per-send callback otpd has.
type callbackBody struct {
	MessageID  int64     `json:"message_id"`
	Status     string    `json:"status"`
	To         string    `json:"to"`
	Channel    Channel   `json:"channel"`
	ProviderID *int64    `json:"provider_id"`
	UpdatedAt  time.Time `json:"updated_at"`
	Error      *string   `json:"error"`
}

// callback returns the callback that reports, after event e, v's message
// as status (with reason errText when it failed) through the provider
// named provider; nothing when v has no callback. The provider's number
// is that of the configured provider named, else of the one the send was
// pinned to (a test application's message, which the inbox takes), else
// null.
func (s *Service) callback(v *Verification, e Event, status, provider, errText string) []WebhookDelivery {
	if v.Options.CallbackURL == "" {
		return nil
	}
	body := callbackBody{MessageID: v.MessageNumber, Status: status, To: v.To, Channel: e.Channel, UpdatedAt: e.CreatedAt.UTC()}
	if body.Channel == "" {
		body.Channel = v.Channel
	}
	p, ok := s.providers.byName(provider)
	if !ok {
		p, ok = s.providers.byName(v.Options.Provider)
	}
	if ok {
		id := p.ID
		body.ProviderID = &id
	}
	if status == CallbackFailed {
		body.Error = &errText
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil // a struct of strings, numbers and a time always encodes
	}
	return []WebhookDelivery{{
		ID: NewID("whd"), AppID: v.AppID, URL: v.Options.CallbackURL, VerificationID: v.ID,
		EventID: e.ID, EventType: e.Type, Payload: payload, Status: WebhookPending,
		NextAttemptAt: e.CreatedAt, CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt,
	}}
}

// acceptanceIsFinal reports whether a message the named provider accepted
// will hear nothing more: the test inbox takes it for good, and a
// provider that reports no receipts (or one the catalog does not know)
// sends no news after accepting.
func (s *Service) acceptanceIsFinal(provider string) bool {
	if provider == TestInboxProvider {
		return true
	}
	p, ok := s.providers.byName(provider)
	return !ok || !p.Receipts
}
