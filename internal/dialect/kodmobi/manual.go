package kodmobi

import (
	"strconv"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// The manual flow: the application's server sends a code it checks
// itself, through a provider it may choose (otp.Service.SendManual).

// manualChannelView is kod.mobi's ManualChannel.
type manualChannelView struct {
	Name      string               `json:"name" description:"The channel's name, e.g. SMS, Telegram"`
	Type      string               `json:"type" enum:"sms,email,telegram,whatsapp,voice"`
	Providers []manualProviderView `json:"providers" description:"The configured providers that deliver the channel, by name; empty when none is configured (a test application's channel the deployment cannot deliver)"`
}

// manualProviderView is kod.mobi's ManualProvider.
type manualProviderView struct {
	ID       int64  `json:"id" description:"Stable: derived from the provider's name in otpd's configuration, so it survives restarts and reordering"`
	Name     string `json:"name" description:"The provider's name in otpd's configuration"`
	Type     string `json:"type" description:"The kind of provider: twilio, vonage, smpp, smtp, telegram, whatsapp, httpapi or console"`
	IsSystem bool   `json:"is_system" description:"Always true: every provider is the operator's; otpd has no providers of an application's own"`
}

// manualSendRequest is the body of POST /manual/send.
type manualSendRequest struct {
	To          string `json:"to" description:"An E.164 phone number (the + may be left out) or an email address"`
	Channel     string `json:"channel" enum:"sms,email,telegram,whatsapp,voice"`
	ProviderID  *int64 `json:"provider_id,omitempty" description:"Send through this provider (an id of GET /manual/channels) and no other; omitted, otpd routes the message as usual"`
	Code        string `json:"code,omitempty" description:"Your code, 4 to 6 digits; omitted, otpd draws one by the project's length and alphabet"`
	CallbackURL string `json:"callback_url,omitempty" description:"An https URL on port 443, 80, 8080 or 8443 unless the operator allows plain http or other ports. Receives the message's final status once it is known: POST {message_id, status (delivered or failed), to, channel, provider_id, updated_at, error}, signed with the application's webhook secret (Standard Webhooks headers webhook-id, webhook-timestamp, webhook-signature) and retried until it answers 2xx"`
}

// manualSentView is the answer of POST /manual/send.
type manualSentView struct {
	Message   string `json:"message" description:"What happened, in English or Russian"`
	Code      string `json:"code" description:"The code, encrypted for you: base64url without padding of a 12-byte nonce followed by the AES-256-GCM ciphertext and its 16-byte tag; the key is SHA-256 of the secret key as you sent it in x-api-key"`
	MessageID int64  `json:"message_id" description:"The send's number, 1, 2, … per application; callbacks carry it"`
}

// manualCallbackView is what callback_url receives; otp.Service writes
// it (the domain's per-send callback), this type describes it in the
// OpenAPI document.
type manualCallbackView struct {
	MessageID  int64     `json:"message_id" description:"The send's message_id"`
	Status     string    `json:"status" enum:"delivered,failed" description:"delivered: the provider confirmed delivery, or accepted the message and reports nothing further (a test application's message: it reached the inbox); failed: it was refused, or never sent"`
	To         string    `json:"to" description:"The destination, as otpd normalised it (E.164, or a lower-case email)"`
	Channel    string    `json:"channel" enum:"sms,email,telegram,whatsapp,voice"`
	ProviderID *int64    `json:"provider_id" description:"The provider that took the message (an id of GET /manual/channels); null when none did"`
	UpdatedAt  time.Time `json:"updated_at" description:"When the status became known"`
	Error      *string   `json:"error" description:"Why the message failed; null when delivered"`
}

// manualSentText is the answer's message by language.
var manualSentText = map[string]string{
	"en": "The message is queued for delivery",
	"ru": "Сообщение поставлено в очередь на отправку",
}

func (d *Dialect) manualChannels(c *call) (any, error) {
	cs, err := d.svc.ManualChannels(c.r.Context(), c.app, c.kind)
	if err != nil {
		return nil, err
	}
	lang := httpjson.PreferredLanguage(c.r.Header.Get("Accept-Language"))
	out := make([]manualChannelView, 0, len(cs))
	for _, ch := range cs {
		v := manualChannelView{Name: channelTexts[lang][ch.Channel].name, Type: string(ch.Channel), Providers: []manualProviderView{}}
		for _, p := range ch.Providers {
			v.Providers = append(v.Providers, manualProviderView{ID: p.ID, Name: p.Name, Type: p.Type, IsSystem: true})
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *Dialect) manualSend(c *call) (any, error) {
	to, err := c.in.required("to")
	if err != nil {
		return nil, err
	}
	channel, err := c.in.required("channel")
	if err != nil {
		return nil, err
	}
	provider, err := c.in.str("provider_id")
	if err != nil {
		return nil, err
	}
	req := otp.ManualRequest{To: to, Channel: otp.Channel(channel), Locale: requestLocale(c.r), CallerKey: c.r.Header.Get("x-api-key")}
	if provider != "" {
		// A number, or a numeric string as a form or query sends it.
		id, err := strconv.ParseInt(provider, 10, 64)
		if err != nil || id <= 0 {
			return nil, &otp.Error{Code: otp.CodeInvalidParameter, Key: "unknown_provider", Field: "provider_id",
				Params:  map[string]any{"channel": channel},
				Message: "provider_id must be the id of a provider of GET /manual/channels"}
		}
		req.ProviderID = id
	}
	if req.Code, err = c.in.str("code"); err != nil {
		return nil, err
	}
	if req.CallbackURL, err = c.in.str("callback_url"); err != nil {
		return nil, err
	}
	sent, err := d.svc.SendManual(c.r.Context(), c.app, c.kind, req)
	if err != nil {
		return nil, err
	}
	return manualSentView{
		Message: manualSentText[httpjson.PreferredLanguage(c.r.Header.Get("Accept-Language"))],
		Code:    sent.EncryptedCode, MessageID: sent.Verification.MessageNumber,
	}, nil
}
