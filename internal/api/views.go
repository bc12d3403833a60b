package api

import (
	"encoding/json"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// The types below are the JSON shapes of the native API. The OpenAPI
// document is generated from them, so they are the single description.

type projectView struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Policy      policyView `json:"policy"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
}

// policyView gives durations in whole seconds.
type policyView struct {
	CodeLength     int    `json:"codeLength"`
	TTL            int    `json:"ttl"`
	MaxAttempts    int    `json:"maxAttempts"`
	ResendCooldown int    `json:"resendCooldown"`
	MaxResends     int    `json:"maxResends"`
	SendsPerMinute int    `json:"sendsPerMinute"`
	DefaultLocale  string `json:"defaultLocale"`
}

func newProjectView(p *otp.Project) projectView {
	return projectView{
		ID: p.ID, Name: p.Name, Description: p.Description, Policy: newPolicyView(p.Policy),
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

func newPolicyView(p otp.Policy) policyView {
	return policyView{
		CodeLength: p.CodeLength, TTL: int(p.TTL / time.Second), MaxAttempts: p.MaxAttempts,
		ResendCooldown: int(p.ResendCooldown / time.Second), MaxResends: p.MaxResends,
		SendsPerMinute: p.SendsPerMinute, DefaultLocale: p.DefaultLocale,
	}
}

func (v policyView) policy() otp.Policy {
	return otp.Policy{
		CodeLength: v.CodeLength, TTL: time.Duration(v.TTL) * time.Second, MaxAttempts: v.MaxAttempts,
		ResendCooldown: time.Duration(v.ResendCooldown) * time.Second, MaxResends: v.MaxResends,
		SendsPerMinute: v.SendsPerMinute, DefaultLocale: v.DefaultLocale,
	}
}

type applicationView struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	ProjectID           string `json:"projectId"`
	Environment         string `json:"environment"`
	Status              string `json:"status"`
	ClientID            string `json:"clientId"`
	PublicKey           string `json:"publicKey"`
	ClientSecretPreview string `json:"clientSecretPreview"`
	APIKeyPreview       string `json:"apiKeyPreview"`
	// WebhookSecretPreview is masked; the console endpoint of the webhooks
	// work reveals it in full.
	WebhookSecretPreview string    `json:"webhookSecretPreview"`
	CreatedAt            time.Time `json:"createdAt"`
	UpdatedAt            time.Time `json:"updatedAt"`
}

func newApplicationView(a *otp.Application) applicationView {
	return applicationView{
		ID: a.ID, Name: a.Name, ProjectID: a.ProjectID, Environment: string(a.Environment), Status: string(a.Status),
		ClientID: a.ClientID, PublicKey: a.PublicKey,
		ClientSecretPreview: a.ClientSecretPreview, APIKeyPreview: a.APIKeyPreview,
		WebhookSecretPreview: "whsec_****",
		CreatedAt:            a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
}

// createdApplicationView is the one answer that carries the secrets.
type createdApplicationView struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	ProjectID     string    `json:"projectId"`
	Environment   string    `json:"environment"`
	Status        string    `json:"status"`
	ClientID      string    `json:"clientId"`
	ClientSecret  string    `json:"clientSecret"`
	APIKey        string    `json:"apiKey"`
	PublicKey     string    `json:"publicKey"`
	WebhookSecret string    `json:"webhookSecret"`
	Warning       string    `json:"warning"`
	CreatedAt     time.Time `json:"createdAt"`
}

const credentialsWarning = "Store these credentials now — the Client Secret and API Key will not be shown again."

type rotationView struct {
	Type      string    `json:"type"`
	Value     string    `json:"value"`
	RotatedAt time.Time `json:"rotatedAt"`
}

type verificationView struct {
	ID                string          `json:"id"`
	To                string          `json:"to"`
	Channel           string          `json:"channel"`
	Purpose           string          `json:"purpose"`
	Locale            string          `json:"locale"`
	Status            string          `json:"status"`
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
}

func newVerificationView(v *otp.Verification) verificationView {
	md := v.Metadata
	if len(md) == 0 {
		md = json.RawMessage("null")
	}
	return verificationView{
		ID: v.ID, To: v.To, Channel: string(v.Channel), Purpose: string(v.Purpose), Locale: v.Locale,
		Status: string(v.Status), DeliveryStatus: string(v.DeliveryStatus),
		Attempts: v.Attempts, AttemptsRemaining: v.AttemptsRemaining(), Resends: v.Resends,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, ExpiresAt: v.ExpiresAt, ResendAvailableAt: v.ResendAt,
		SentAt: timePtr(v.SentAt), VerifiedAt: timePtr(v.VerifiedAt), LastError: v.LastError, Metadata: md,
	}
}

type checkView struct {
	ID                string     `json:"id"`
	Valid             bool       `json:"valid"`
	Status            string     `json:"status"`
	AttemptsRemaining int        `json:"attemptsRemaining"`
	VerifiedAt        *time.Time `json:"verifiedAt"`
}

type testMessageView struct {
	ID             string    `json:"id"`
	VerificationID string    `json:"verificationId"`
	To             string    `json:"to"`
	Channel        string    `json:"channel"`
	Body           string    `json:"body"`
	Code           string    `json:"code"`
	CreatedAt      time.Time `json:"createdAt"`
}

type healthView struct {
	Status  string    `json:"status"`
	Service string    `json:"service"`
	Version string    `json:"version"`
	Time    time.Time `json:"time"`
}

type pagination struct {
	Limit      int    `json:"limit"`
	HasMore    bool   `json:"hasMore"`
	NextCursor string `json:"nextCursor,omitempty"`
}

type listBody struct {
	Data       any         `json:"data"`
	Pagination *pagination `json:"pagination,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
