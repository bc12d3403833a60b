package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// The Gateway API's range for sendVerificationMessage's ttl, in seconds.
const (
	minTTL = 30
	maxTTL = 3600
)

// maxPayload is the longest payload sendVerificationMessage accepts.
const maxPayload = 128

// checkRequestID is the made-up request id Check asks about.
const checkRequestID = "otpd-credentials-check"

// gatewayCode is the code format the Gateway API accepts for code.
var gatewayCode = regexp.MustCompile(`^[0-9]{4,8}$`)

// sendVerificationRequest is sendVerificationMessage's parameters. Codes
// are always otpd's: code_length (Telegram generating the code) is never
// used, since otpd checks the codes itself.
type sendVerificationRequest struct {
	PhoneNumber    string `json:"phone_number"`
	Code           string `json:"code"`
	TTL            int    `json:"ttl,omitempty"`
	Payload        string `json:"payload,omitempty"`
	CallbackURL    string `json:"callback_url,omitempty"`
	SenderUsername string `json:"sender_username,omitempty"`
}

// requestStatus is the Gateway API's RequestStatus object, the result of
// its methods and the body of its delivery reports.
type requestStatus struct {
	RequestID          string              `json:"request_id"`
	PhoneNumber        string              `json:"phone_number"`
	RequestCost        float64             `json:"request_cost"`
	IsRefunded         bool                `json:"is_refunded"`
	RemainingBalance   *float64            `json:"remaining_balance"`
	DeliveryStatus     *deliveryStatus     `json:"delivery_status"`
	VerificationStatus *verificationStatus `json:"verification_status"`
	Payload            string              `json:"payload"`
}

// deliveryStatus is the Gateway API's DeliveryStatus object: status is
// sent, delivered, read, expired or revoked.
type deliveryStatus struct {
	Status    string `json:"status"`
	UpdatedAt int64  `json:"updated_at"`
}

// verificationStatus is the Gateway API's VerificationStatus object.
type verificationStatus struct {
	Status      string `json:"status"`
	UpdatedAt   int64  `json:"updated_at"`
	CodeEntered string `json:"code_entered"`
}

// gatewayAnswer is the envelope of every Gateway API answer:
// {"ok": true, "result": …} or {"ok": false, "error": "ACCESS_TOKEN_INVALID"}.
type gatewayAnswer struct {
	OK     *bool           `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// sendGateway sends m.Code with sendVerificationMessage and returns the
// request id, which is also what delivery reports name.
func (p *Provider) sendGateway(ctx context.Context, m otp.OutgoingMessage) (string, error) {
	if !e164Pattern.MatchString(m.To) {
		return "", p.permanent("", "the recipient is not an E.164 phone number")
	}
	if !gatewayCode.MatchString(m.Code) {
		// otpd's code settings, not the message's fault: another
		// provider may well carry the code.
		return "", p.refused("", "the Gateway API only carries codes of 4 to 8 digits")
	}
	req := sendVerificationRequest{
		PhoneNumber:    m.To,
		Code:           m.Code,
		TTL:            gatewayTTL(m.ExpiresAt, p.now()),
		CallbackURL:    p.cfg.CallbackURL,
		SenderUsername: p.cfg.SenderUsername,
	}
	// The payload comes back in reports; it only helps, so an id too
	// long for it is left out rather than refused.
	if len(m.ID) <= maxPayload {
		req.Payload = m.ID
	}
	var st requestStatus
	if err := p.gatewayCall(ctx, "sendVerificationMessage", req, &st); err != nil {
		return "", err
	}
	if st.RequestID == "" {
		return "", p.fail("", "malformed answer: the RequestStatus has no request_id")
	}
	return st.RequestID, nil
}

// gatewayTTL is the ttl to send: the seconds until the code expires,
// rounded up and clamped to the range Telegram accepts, so that Telegram
// refunds a message it could not deliver while the code was still good.
// It is zero (no ttl) when m has no expiry.
func gatewayTTL(expiresAt, now time.Time) int {
	if expiresAt.IsZero() {
		return 0
	}
	secs := int((expiresAt.Sub(now) + time.Second - 1) / time.Second)
	return min(max(secs, minTTL), maxTTL)
}

// checkGateway asks checkVerificationStatus about a made-up request id:
// checkSendAbility would need a phone number and charges for a positive
// answer, while this method is free. Telegram checks the token first, so
// ACCESS_TOKEN_INVALID (or _REQUIRED), throttling and UNKNOWN_METHOD (a
// base_url that is not the Gateway API) fail the check, and any other
// refusal (normally REQUEST_ID_INVALID) proves the token was accepted.
func (p *Provider) checkGateway(ctx context.Context) error {
	var st requestStatus
	err := p.gatewayCall(ctx, "checkVerificationStatus", map[string]string{"request_id": checkRequestID}, &st)
	var pe *otp.ProviderError
	if err == nil || !errors.As(err, &pe) || pe.Code == "" {
		return err
	}
	switch {
	case strings.HasPrefix(pe.Code, "ACCESS_TOKEN_"), strings.HasPrefix(pe.Code, "FLOOD_WAIT"), pe.Code == "UNKNOWN_METHOD":
		return err
	}
	return nil
}

// gatewayCall calls a Gateway API method and decodes its result into out.
// Every failure is an *otp.ProviderError; Code is the Gateway's error
// string when it gave one.
func (p *Provider) gatewayCall(ctx context.Context, method string, params, out any) error {
	a, err := p.postJSON(ctx, p.baseURL+"/"+method, p.cfg.Token, params)
	if err != nil {
		return err
	}
	var env gatewayAnswer
	if err := json.Unmarshal(a.body, &env); err != nil || env.OK == nil {
		return p.unreadable(a)
	}
	if !*env.OK {
		return p.gatewayError(env.Error, a)
	}
	if err := json.Unmarshal(env.Result, out); err != nil || len(env.Result) == 0 {
		return p.fail("", "malformed answer: the result is not a RequestStatus")
	}
	return nil
}

// gatewayErrors maps the Gateway API's error strings to what they mean.
// Only ACCESS_TOKEN_INVALID is named in Telegram's documentation; the
// others are those Telegram is known to answer (see e.g.
// github.com/apifonica/tg-gateway-go). Unknown strings are judged by the
// HTTP status (see gatewayError).
var gatewayErrors = map[string]struct {
	permanent bool // the recipient: no provider can help
	message   string
}{
	// The recipient: no Telegram account, or none Telegram can reach.
	"PHONE_NUMBER_INVALID":       {true, "the phone number is not valid"},
	"PHONE_NUMBER_NOT_FOUND":     {true, "the phone number has no Telegram account"},
	"PHONE_NUMBER_NOT_AVAILABLE": {true, "Telegram cannot send verification messages to this number"},

	// The rest are refused: the Gateway will answer the same however
	// often it is asked, and another provider may do better.
	// The account and its configuration.
	"ACCESS_TOKEN_INVALID":    {false, "the access token was refused"},
	"ACCESS_TOKEN_REQUIRED":   {false, "no access token reached the Gateway API"},
	"BALANCE_NOT_ENOUGH":      {false, "the Gateway account's balance is too low"},
	"SENDER_USERNAME_INVALID": {false, "sender_username is not a valid channel"},
	"SENDER_NOT_VERIFIED":     {false, "the sender_username channel is not verified"},
	"SENDER_NOT_OWNED":        {false, "the sender_username channel is not owned by the token's account"},
	"CALLBACK_URL_INVALID":    {false, "the callback_url was refused"},
	"UNKNOWN_METHOD":          {false, "base_url does not point at the Gateway API"},

	// The request as otpd built it.
	"CODE_INVALID":         {false, "the code was refused"},
	"TTL_INVALID":          {false, "the ttl was refused"},
	"PAYLOAD_INVALID":      {false, "the payload was refused"},
	"MESSAGE_ALREADY_SENT": {false, "a message was already sent for this request"},
}

// gatewayError turns {"ok": false, "error": code} into a ProviderError.
// FLOOD_WAIT_N asks to wait N seconds. A known error is permanent or
// refused (gatewayErrors); an unknown one is refused when it came with a
// 4xx status and transient otherwise (the Gateway answers most errors
// with HTTP 200, which says nothing).
func (p *Provider) gatewayError(code string, a answer) *otp.ProviderError {
	if code == "" {
		pe := p.unreadable(a)
		if a.status >= 200 && a.status <= 299 {
			pe.Message = "malformed answer: ok is false without an error"
		}
		return pe
	}
	if rest, ok := strings.CutPrefix(code, "FLOOD_WAIT"); ok {
		pe := p.fail(code, "too many requests")
		if secs, err := strconv.Atoi(strings.TrimPrefix(rest, "_")); err == nil && secs > 0 {
			pe.RetryAfter = time.Duration(secs) * time.Second
		} else {
			pe.RetryAfter = retryAfterHeader(a.header.Get("Retry-After"), p.now())
		}
		return pe
	}
	e, ok := gatewayErrors[code]
	if !ok {
		pe := p.fail(code, "the Gateway API refused the request")
		pe.RetryAfter = retryAfterHeader(a.header.Get("Retry-After"), p.now())
		pe.Refused = refusedStatus(a.status)
		return pe
	}
	if e.permanent {
		return p.permanent(code, e.message)
	}
	return p.refused(code, e.message)
}
