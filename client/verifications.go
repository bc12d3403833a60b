package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Channels a code may go out on.
const (
	SMS      = "sms"
	Voice    = "voice"
	Email    = "email"
	Telegram = "telegram"
	WhatsApp = "whatsapp"
)

// CreateVerificationRequest is POST /v1/verifications. Only To is
// required; zero fields take the project's policy.
type CreateVerificationRequest struct {
	// To is an E.164 phone number (spaces allowed) or an email address.
	To string `json:"to"`
	// Channel is sms, voice, email, telegram or whatsapp; empty is the
	// project's first channel that fits To.
	Channel string `json:"channel,omitempty"`
	// Purpose is verification, two_factor, password_reset or transaction.
	Purpose string `json:"purpose,omitempty"`
	// TTL is the code's lifetime in whole seconds; 0 is the policy's.
	TTL int `json:"ttl,omitempty"`
	// CodeLength is the number of characters of the code; 0 is the policy's.
	CodeLength int    `json:"codeLength,omitempty"`
	Locale     string `json:"locale,omitempty"`
	// Metadata is any JSON object, kept with the verification.
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// Template names the project's template set; empty is the default.
	Template string `json:"template,omitempty"`
	// Fallback replaces Channel with an ordered workflow: the first step
	// goes out at once, each next one when the previous step's Timeout
	// passes without a successful check.
	Fallback    []FallbackStep `json:"fallback,omitempty"`
	Transaction *Transaction   `json:"transaction,omitempty"`
	// CallerID is a sender id the operator approved for the project.
	CallerID string `json:"callerId,omitempty"`
	// ChallengeToken is the end user's CAPTCHA token, when the project's
	// policy requires one; RemoteIP is their address, passed on to the
	// CAPTCHA provider.
	ChallengeToken string `json:"challengeToken,omitempty"`
	RemoteIP       string `json:"remoteIp,omitempty"`

	// IdempotencyKey is sent as the Idempotency-Key header, not in the
	// body: a retry with the same key and body within 24 hours returns
	// the first answer and sends nothing. Set it on every create.
	IdempotencyKey string `json:"-"`
}

// FallbackStep is one step of a fallback workflow. Timeout is in whole
// seconds.
type FallbackStep struct {
	Channel string `json:"channel"`
	To      string `json:"to,omitempty"`
	Timeout int    `json:"timeout,omitempty"`
}

// Transaction is what a transaction-purpose code confirms.
type Transaction struct {
	Amount string `json:"amount"`
	Payee  string `json:"payee"`
}

// Money is an amount in a currency, the amount as a decimal string.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Verification is one code sent to one destination.
type Verification struct {
	ID      string `json:"id"`
	AppID   string `json:"appId"`
	To      string `json:"to"`
	Channel string `json:"channel"`
	Purpose string `json:"purpose"`
	Locale  string `json:"locale"`
	// Status is pending, verified, expired, failed or canceled.
	Status string `json:"status"`
	// DeliveryStatus is queued, sent, delivered, failed or expired.
	DeliveryStatus    string          `json:"deliveryStatus"`
	Attempts          int             `json:"attempts"`
	AttemptsRemaining int             `json:"attemptsRemaining"`
	Resends           int             `json:"resends"`
	CreatedAt         time.Time       `json:"createdAt"`
	UpdatedAt         time.Time       `json:"updatedAt"`
	ExpiresAt         time.Time       `json:"expiresAt"`
	ResendAvailableAt time.Time       `json:"resendAvailableAt"`
	SentAt            *time.Time      `json:"sentAt"`
	VerifiedAt        *time.Time      `json:"verifiedAt"`
	LastError         string          `json:"lastError,omitempty"`
	Metadata          json.RawMessage `json:"metadata"`
	DeliveredAt       *time.Time      `json:"deliveredAt"`
	Country           string          `json:"country"`
	Carrier           string          `json:"carrier"`
	Cost              *Money          `json:"cost"`
	Transaction       *Transaction    `json:"transaction"`
	CallerID          string          `json:"callerId"`
	Fallback          []FallbackStep  `json:"fallback"`
	// FallbackStep is the index of the fallback step sent last.
	FallbackStep   int        `json:"fallbackStep"`
	NextFallbackAt *time.Time `json:"nextFallbackAt"`

	// Replayed is true when otpd answered a create from its idempotency
	// record (the Idempotent-Replayed header): nothing was sent again.
	Replayed bool `json:"-"`
}

// CheckResult is the answer to a check. A wrong code is not an error:
// Valid is false and AttemptsRemaining says how many tries are left.
type CheckResult struct {
	ID                string     `json:"id"`
	Valid             bool       `json:"valid"`
	Status            string     `json:"status"`
	AttemptsRemaining int        `json:"attemptsRemaining"`
	VerifiedAt        *time.Time `json:"verifiedAt"`
}

// The bodies of a check, a check by destination and a resend.
type checkRequest struct {
	Code string `json:"code"`
}

type checkDestinationRequest struct {
	To   string `json:"to"`
	Code string `json:"code"`
}

type resendRequest struct {
	Channel string `json:"channel"`
}

// CreateVerification sends a code: POST /v1/verifications.
func (c *Client) CreateVerification(ctx context.Context, req CreateVerificationRequest) (*Verification, error) {
	var h http.Header
	if req.IdempotencyKey != "" {
		h = http.Header{"Idempotency-Key": {req.IdempotencyKey}}
	}
	v, _, header, err := call[*Verification](ctx, c, "POST", "/v1/verifications", req, h)
	if err != nil {
		return nil, err
	}
	v.Replayed = header.Get("Idempotent-Replayed") == "true"
	return v, nil
}

// GetVerification reads one verification: GET /v1/verifications/{id}.
func (c *Client) GetVerification(ctx context.Context, id string) (*Verification, error) {
	v, _, _, err := call[*Verification](ctx, c, "GET", pathOf("v1", "verifications", id), nil, nil)
	return v, err
}

// ListVerificationsOptions filters GET /v1/verifications; zero fields
// filter nothing.
type ListVerificationsOptions struct {
	Status  string
	Channel string
	To      string
	// CreatedFrom and CreatedTo bound the creation time.
	CreatedFrom, CreatedTo time.Time
	// Limit is 1 to 100; 0 is otpd's default (20).
	Limit  int
	Cursor string
}

// ListVerifications reads a page of verifications, newest first:
// GET /v1/verifications.
func (c *Client) ListVerifications(ctx context.Context, opts ListVerificationsOptions) ([]Verification, *Pagination, error) {
	q := url.Values{"status": {opts.Status}, "channel": {opts.Channel}, "to": {opts.To}, "cursor": {opts.Cursor},
		"createdFrom": {rfc3339(opts.CreatedFrom)}, "createdTo": {rfc3339(opts.CreatedTo)}, "limit": {positive(opts.Limit)}}
	vs, page, _, err := call[[]Verification](ctx, c, "GET", withQuery("/v1/verifications", q), nil, nil)
	return vs, page, err
}

// Check checks a code against one verification:
// POST /v1/verifications/{id}/check.
func (c *Client) Check(ctx context.Context, id, code string) (*CheckResult, error) {
	r, _, _, err := call[*CheckResult](ctx, c, "POST", pathOf("v1", "verifications", id, "check"), checkRequest{Code: code}, nil)
	return r, err
}

// CheckDestination checks a code against the latest pending
// verification of a destination: POST /v1/verifications/check.
func (c *Client) CheckDestination(ctx context.Context, to, code string) (*CheckResult, error) {
	r, _, _, err := call[*CheckResult](ctx, c, "POST", "/v1/verifications/check", checkDestinationRequest{To: to, Code: code}, nil)
	return r, err
}

// Resend sends the same code again, on channel or, when channel is
// empty, on the same one: POST /v1/verifications/{id}/resend.
func (c *Client) Resend(ctx context.Context, id, channel string) (*Verification, error) {
	var body any
	if channel != "" {
		body = resendRequest{Channel: channel}
	}
	v, _, _, err := call[*Verification](ctx, c, "POST", pathOf("v1", "verifications", id, "resend"), body, nil)
	return v, err
}

// Cancel cancels a pending verification: POST /v1/verifications/{id}/cancel.
func (c *Client) Cancel(ctx context.Context, id string) (*Verification, error) {
	v, _, _, err := call[*Verification](ctx, c, "POST", pathOf("v1", "verifications", id, "cancel"), nil, nil)
	return v, err
}

// Message is one attempt to hand a verification's code to a provider;
// it never holds the code or the text.
type Message struct {
	ID                string `json:"id"`
	Channel           string `json:"channel"`
	To                string `json:"to"`
	Provider          string `json:"provider"`
	ProviderMessageID string `json:"providerMessageId"`
	// Status is retrying, sent, delivered, failed or expired.
	Status string `json:"status"`
	// Attempts is the same as Attempt, kept for the API's first clients.
	Attempts      int        `json:"attempts"`
	Attempt       int        `json:"attempt"`
	Error         string     `json:"error"`
	Cost          *Money     `json:"cost"`
	CreatedAt     time.Time  `json:"createdAt"`
	SentAt        *time.Time `json:"sentAt"`
	DeliveredAt   *time.Time `json:"deliveredAt"`
	NextAttemptAt *time.Time `json:"nextAttemptAt"`
}

// Messages lists the messages sent for a verification:
// GET /v1/verifications/{id}/messages.
func (c *Client) Messages(ctx context.Context, id string) ([]Message, error) {
	ms, _, _, err := call[[]Message](ctx, c, "GET", pathOf("v1", "verifications", id, "messages"), nil, nil)
	return ms, err
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func positive(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}
