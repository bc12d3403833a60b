package otp

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// A manual send (kod.mobi's manual flow) delivers a code that the
// application's server checks itself: the caller may choose the code, or
// otpd draws one by the project's policy and hands it back encrypted for
// the caller. It is an ordinary verification otherwise — the same limits,
// credits, quotas, test inbox, outbox, events, console, analytics and
// costs — with a number of its own (MessageNumber), a provider it may be
// pinned to and a callback that hears its final delivery status. otpd
// keeps only what it keeps of any code: the HMAC, and the sealed copy for
// delivery until no message needs it (Verification.dropDeliveredCode).

// ManualRequest asks for a manual send (SendManual).
type ManualRequest struct {
	To      string
	Channel Channel
	// ProviderID pins the message to a configured provider that delivers
	// Channel (ProviderInfo.ID); 0 routes it as usual.
	ProviderID int64
	// Code is the caller's code, 4 to 6 digits; "" has otpd draw one by
	// the project's length and alphabet.
	Code string
	// CallbackURL, if set, receives the message's final delivery status.
	CallbackURL string
	// Locale is the language the message is written in, e.g. from the
	// caller's Accept-Language; "" or an invalid tag leaves it to the
	// destination's country and the project.
	Locale string
	// CallerKey is the secret API key exactly as the caller presented it:
	// the answer's code is encrypted with its SHA-256.
	CallerKey string
}

// ManualSend is a manual send's outcome.
type ManualSend struct {
	Verification *Verification
	// EncryptedCode is the code for the caller: base64url without padding
	// of a 12-byte nonce followed by the AES-256-GCM ciphertext and tag,
	// the key being SHA-256 of the caller's key (ManualRequest.CallerKey).
	EncryptedCode string
}

// ManualChannel is a channel a manual send may use, with the configured
// providers that deliver it.
type ManualChannel struct {
	Channel   Channel
	Providers []ProviderInfo
}

// manualSend is what makes a CreateRequest a manual send.
type manualSend struct {
	code        string // the caller's; "" draws one
	drawn       string // the code drawn when code is ""
	provider    string // the pinned provider's name, or ""
	callbackURL string
}

// Bounds of a caller's own code, kod.mobi's "string-number, length 4,6".
const (
	minManualCode = 4
	maxManualCode = 6
)

// ManualChannels lists the channels the application's project offers, in
// its order, each with the configured providers that deliver it. Only the
// application's server may ask. Errors: FORBIDDEN (secret_key_required).
func (s *Service) ManualChannels(ctx context.Context, a *Application, kind KeyKind) ([]ManualChannel, error) {
	if err := requireSecret(kind); err != nil {
		return nil, err
	}
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("project of application: %w", err)
	}
	out := []ManualChannel{}
	for _, ch := range s.offeredChannels(a, p) {
		out = append(out, ManualChannel{Channel: ch, Providers: s.providers.delivering(ch)})
	}
	return out, nil
}

// SendManual sends a code whose check is the caller's business, as
// CreateVerification sends any code, and returns it encrypted for the
// caller. Only the application's server may. Errors: FORBIDDEN
// (secret_key_required, channel_not_linked), INVALID_PARAMETER
// (invalid_manual_code, required, invalid_channel, unknown_provider,
// invalid_callback_url, callback_url_private), and those of
// CreateVerification.
func (s *Service) SendManual(ctx context.Context, a *Application, kind KeyKind, req ManualRequest) (*ManualSend, error) {
	if err := requireSecret(kind); err != nil {
		return nil, err
	}
	if req.CallerKey == "" {
		return nil, errors.New("manual send: the caller's key is required")
	}
	if err := validateManualCode(req.Code); err != nil {
		return nil, err
	}
	switch req.Channel {
	case SMS, Voice, Email, Telegram, WhatsApp:
	case "":
		return nil, invalidField("channel", "required", "channel is required")
	default:
		return nil, invalidField("channel", "invalid_channel", "channel must be one of sms, voice, email, telegram, whatsapp")
	}
	m := &manualSend{code: req.Code}
	if req.ProviderID != 0 {
		p, ok := s.providers.byID(req.ProviderID)
		if !ok || !p.Delivers(req.Channel) {
			return nil, &Error{Code: CodeInvalidParameter, Key: "unknown_provider", Field: "provider_id",
				Params:  map[string]any{"channel": string(req.Channel)},
				Message: fmt.Sprintf("provider_id %d is not a configured provider of channel %s", req.ProviderID, req.Channel)}
		}
		m.provider = p.Name
	}
	if req.CallbackURL != "" {
		if err := validateCallbackURL(req.CallbackURL, s.webhookURLs); err != nil {
			return nil, err
		}
		m.callbackURL = req.CallbackURL
	}
	if err := s.checkManualTelegram(ctx, a, req.To, req.Channel, m.provider); err != nil {
		return nil, err
	}
	if !validLocale(req.Locale) {
		req.Locale = ""
	}
	v, _, err := s.CreateVerification(ctx, a, CreateRequest{To: req.To, Channel: req.Channel, Locale: req.Locale, manual: m})
	if err != nil {
		return nil, err
	}
	code := m.code
	if code == "" {
		code = m.drawn
	}
	if code == "" {
		if code, err = s.keys.open(v.CodeSealed, v.ID); err != nil {
			return nil, fmt.Errorf("manual send %s: %w", v.ID, err)
		}
	}
	sealed, err := encryptForCaller(code, req.CallerKey)
	if err != nil {
		return nil, fmt.Errorf("manual send %s: %w", v.ID, err)
	}
	return &ManualSend{Verification: v, EncryptedCode: sealed}, nil
}

// checkManualTelegram refuses a send on the telegram channel's bot to a
// person who has not linked it, as the session flow does: it could only
// fail. A send pinned to another telegram provider (the gateway) needs no
// link, and a channel the project does not offer is refused later, for
// that reason.
func (s *Service) checkManualTelegram(ctx context.Context, a *Application, to string, ch Channel, pinned string) error {
	if ch != Telegram || s.telegram.Provider == "" || pinned != "" && pinned != s.telegram.Provider {
		return nil
	}
	dest, err := ParseDestination(to, "to")
	if err != nil || !dest.IsPhone {
		return nil // reported, in its own words, by CreateVerification
	}
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return fmt.Errorf("project of application: %w", err)
	}
	if s.channels(a, p.Policy).check(ch, "channel") != nil {
		return nil
	}
	linked, err := s.channelLinked(ctx, ch, dest.Value)
	if err != nil {
		return err
	}
	if !linked {
		return &Error{Code: CodeForbidden, Key: "channel_not_linked", Field: "channel", Params: map[string]any{"channel": string(ch)},
			Message: "The person has not linked telegram yet: they must open the bot's link first"}
	}
	return nil
}

// validateManualCode accepts "" (otpd draws the code) or 4 to 6 ASCII digits.
func validateManualCode(code string) error {
	if code == "" {
		return nil
	}
	bad := invalidField("code", "invalid_manual_code", "code must be 4 to 6 digits")
	if len(code) < minManualCode || len(code) > maxManualCode {
		return bad
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return bad
		}
	}
	return nil
}

// validateCallbackURL checks a send's callback URL as an endpoint's URL is
// checked (WebhookURLPolicy.Check), naming the field callback_url.
func validateCallbackURL(raw string, urls WebhookURLPolicy) error {
	err := urls.Check(raw)
	e := ErrorOf(err)
	if e == nil {
		return err
	}
	refused := func(key, msg string) error {
		params := map[string]any{"reason": key}
		for k, v := range e.Params {
			if k != "reason" {
				params[k] = v
			}
		}
		return &Error{Code: CodeInvalidParameter, Key: key, Field: "callback_url", Message: msg, Params: params}
	}
	switch e.Key {
	case ReasonWebhookURLPrivate:
		return refused("callback_url_private",
			"callback_url points at this machine or a private, loopback or link-local address; those need OTPD_WEBHOOK_ALLOW_PRIVATE=1")
	case ReasonWebhookURLHTTP:
		return refused("callback_url_http",
			"callback_url must be https: this server does not post to plain http URLs (the operator allows them with OTPD_WEBHOOK_ALLOW_HTTP=1)")
	case ReasonWebhookURLPort:
		return refused("callback_url_port", "callback_"+e.Message)
	}
	return refused("invalid_callback_url",
		"callback_url must be an absolute http or https URL of at most 2048 characters, without a user name, password or fragment")
}

// encryptForCaller encrypts code for the holder of key: AES-256-GCM with
// the key's SHA-256, a random 12-byte nonce, and no additional data;
// written base64url without padding as nonce ‖ ciphertext ‖ tag.
func encryptForCaller(code, key string) (string, error) {
	k := sha256.Sum256([]byte(key))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block) // a 12-byte nonce, a 16-byte tag
	if err != nil {
		return "", err
	}
	nonce := randomBytes(gcm.NonceSize())
	return base64.RawURLEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(code), nil)), nil
}

// numberManualSend gives v the next number of its application's manual
// sends, and shows it in v's metadata, as a session's id shows in its
// verification's, for the console and webhooks.
func (s *Service) numberManualSend(ctx context.Context, v *Verification) error {
	n, err := s.store.NextMessageNumber(ctx, v.AppID)
	if err != nil {
		return fmt.Errorf("message number: %w", err)
	}
	v.MessageNumber = n
	v.Metadata, _ = json.Marshal(map[string]int64{"messageId": n}) // a map of numbers always encodes
	return nil
}
