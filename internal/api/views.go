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
	// Credits is the prepaid balance; null when the project has none.
	Credits *moneyView `json:"credits"`
	// ApprovedSenderIDs are the callerId values the operator approved
	// for the project's sends; only the operator sets them.
	ApprovedSenderIDs []string `json:"approvedSenderIds"`
	// PendingTemplates are template overrides an untrusted developer
	// saved, waiting for the operator's approval; null when none wait.
	// policy.messages.templates stay the ones in use until then.
	PendingTemplates *pendingTemplatesView `json:"pendingTemplates"`
	CreatedAt        time.Time             `json:"createdAt"`
	UpdatedAt        time.Time             `json:"updatedAt"`
}

// policyView gives durations in whole seconds.
type policyView struct {
	CodeLength int `json:"codeLength"`
	// CodeDigits and CodeLetters say what codes are made of: digits,
	// letters (A–Z without I, L and O) or both; at least one is true.
	// Codes are checked without regard to case.
	CodeDigits     bool `json:"codeDigits"`
	CodeLetters    bool `json:"codeLetters"`
	TTL            int  `json:"ttl"`
	MaxAttempts    int  `json:"maxAttempts"`
	ResendCooldown int  `json:"resendCooldown"`
	MaxResends     int  `json:"maxResends"`
	SendsPerMinute int  `json:"sendsPerMinute"`
	// AppSendsPerMinute and AppChecksPerMinute bound the codes each
	// application sends and checks a minute; 0 is no limit of the
	// project's own (the Cobinar endpoints then apply Cobinar's 5 and 10).
	AppSendsPerMinute  int    `json:"appSendsPerMinute"`
	AppChecksPerMinute int    `json:"appChecksPerMinute"`
	DefaultLocale      string `json:"defaultLocale"`
	// Channels enabled for the project, in order of preference; empty is all.
	Channels []string          `json:"channels"`
	Messages messagePolicyView `json:"messages"`
	// Challenge is the CAPTCHA that POST /v1/verifications then needs.
	Challenge challengeView `json:"challenge"`
	// SessionTTL is how long a verification session of the session flow
	// lives, 60–900 seconds.
	SessionTTL int `json:"sessionTtl"`
	// Countries, if not empty, are the ISO 3166 regions (GB, RU, …) whose
	// phone numbers the project sends codes to; others are refused with
	// 403 FORBIDDEN (details.country).
	Countries []string `json:"countries"`
}

// challengeView is a project's CAPTCHA setting. The secret key is
// write-only: a request may set it, an answer says only whether it is set
// and shows it masked.
type challengeView struct {
	Enabled bool `json:"enabled"`
	// Provider is turnstile, recaptcha, hcaptcha or smartcaptcha; empty when none is chosen.
	Provider string `json:"provider"`
	SiteKey  string `json:"siteKey"`
	// SecretKey sets the provider's secret key; empty or absent leaves it
	// as it is. Never in an answer.
	SecretKey        string `json:"secretKey,omitempty" writeOnly:"true"`
	SecretKeySet     bool   `json:"secretKeySet" readOnly:"true"`
	SecretKeyPreview string `json:"secretKeyPreview" readOnly:"true"`
	// MinScore is the lowest reCAPTCHA v3 score accepted, 0 to 1; 0 is none.
	MinScore float64 `json:"minScore"`
	// Hostnames are the sites a token may be solved on (example.com,
	// *.example.com); empty allows any.
	Hostnames []string `json:"hostnames"`
}

type messagePolicyView struct {
	NoShareLine  bool               `json:"noShareLine"`
	SMSAppHash   string             `json:"smsAppHash"`
	WebOTPDomain string             `json:"webOtpDomain"`
	Templates    []templateOverride `json:"templates"`
}

// templateOverride is a project's own text: a Go template over .Code,
// .AppName, .Minutes, .Amount and .Payee.
type templateOverride struct {
	// Name is the template set the text belongs to, which a send picks
	// with its template field; empty or "default" is the default set.
	Name    string `json:"name"`
	Channel string `json:"channel" enum:"sms,voice,email,telegram,whatsapp"`
	Purpose string `json:"purpose" enum:"verification,two_factor,password_reset,transaction"`
	Locale  string `json:"locale"`
	Body    string `json:"body"`
	Subject string `json:"subject"`
}

func newProjectView(p *otp.Project) projectView {
	return projectView{
		ID: p.ID, Name: p.Name, Description: p.Description, Policy: newPolicyView(p.Policy), Credits: creditsView(p.Credits),
		ApprovedSenderIDs: append(make([]string, 0, len(p.ApprovedSenderIDs)), p.ApprovedSenderIDs...),
		PendingTemplates:  newPendingTemplatesView(p.PendingTemplates),
		CreatedAt:         p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

func newPolicyView(p otp.Policy) policyView {
	v := policyView{
		CodeLength: p.CodeLength, TTL: int(p.TTL / time.Second), MaxAttempts: p.MaxAttempts,
		ResendCooldown: int(p.ResendCooldown / time.Second), MaxResends: p.MaxResends,
		SendsPerMinute: p.SendsPerMinute, DefaultLocale: p.DefaultLocale,
		AppSendsPerMinute: p.AppSendsPerMinute, AppChecksPerMinute: p.AppChecksPerMinute,
		CodeDigits: p.CodeAlphabet.HasDigits(), CodeLetters: p.CodeAlphabet.HasLetters(),
		SessionTTL: int(p.SessionLifetime() / time.Second),
		Countries:  append(make([]string, 0, len(p.Countries)), p.Countries...),
		Channels:   make([]string, 0, len(p.Channels)),
		Messages: messagePolicyView{
			NoShareLine: p.Messages.NoShareLine, SMSAppHash: p.Messages.SMSAppHash, WebOTPDomain: p.Messages.WebOTPDomain,
			Templates: make([]templateOverride, 0, len(p.Messages.Templates)),
		},
	}
	for _, c := range p.Channels {
		v.Channels = append(v.Channels, string(c))
	}
	c := p.Challenge
	v.Challenge = challengeView{Enabled: c.Enabled, Provider: string(c.Provider), SiteKey: c.SiteKey,
		SecretKeySet: c.SecretSet(), SecretKeyPreview: c.SecretPreview, MinScore: c.MinScore,
		Hostnames: append(make([]string, 0, len(c.Hostnames)), c.Hostnames...)}
	for _, t := range p.Messages.Templates {
		name := t.Name
		if name == "" {
			name = otp.DefaultTemplate
		}
		v.Messages.Templates = append(v.Messages.Templates, templateOverride{
			Name: name, Channel: string(t.Channel), Purpose: string(t.Purpose), Locale: t.Locale, Body: t.Body, Subject: t.Subject,
		})
	}
	return v
}

func (v policyView) policy() otp.Policy {
	p := otp.Policy{
		CodeLength: v.CodeLength, TTL: time.Duration(v.TTL) * time.Second, MaxAttempts: v.MaxAttempts,
		ResendCooldown: time.Duration(v.ResendCooldown) * time.Second, MaxResends: v.MaxResends,
		SendsPerMinute: v.SendsPerMinute, DefaultLocale: v.DefaultLocale,
		AppSendsPerMinute: v.AppSendsPerMinute, AppChecksPerMinute: v.AppChecksPerMinute,
		Messages:   otp.MessagePolicy{NoShareLine: v.Messages.NoShareLine, SMSAppHash: v.Messages.SMSAppHash, WebOTPDomain: v.Messages.WebOTPDomain},
		SessionTTL: time.Duration(v.SessionTTL) * time.Second,
	}
	if len(v.Countries) > 0 {
		p.Countries = v.Countries
	}
	// Neither digits nor letters is an alphabet Validate refuses.
	p.CodeAlphabet, _ = otp.AlphabetOf(v.CodeDigits, v.CodeLetters)
	if !v.CodeDigits && !v.CodeLetters {
		p.CodeAlphabet = "none"
	}
	for _, c := range v.Channels {
		p.Channels = append(p.Channels, otp.Channel(c))
	}
	p.Challenge = otp.ChallengePolicy{Enabled: v.Challenge.Enabled, Provider: otp.ChallengeProvider(v.Challenge.Provider),
		SiteKey: v.Challenge.SiteKey, MinScore: v.Challenge.MinScore, Hostnames: v.Challenge.Hostnames}
	for _, t := range v.Messages.Templates {
		p.Messages.Templates = append(p.Messages.Templates, otp.TemplateOverride{
			Name: t.Name, Channel: otp.Channel(t.Channel), Purpose: otp.Purpose(t.Purpose), Locale: t.Locale, Body: t.Body, Subject: t.Subject,
		})
	}
	return p
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
	WebhookSecretPreview string `json:"webhookSecretPreview"`
	// OperatorDisabled is the operator's hold, which the owner cannot
	// clear: the application works only while status (the owner's
	// switch) is active and this is false.
	OperatorDisabled bool `json:"operatorDisabled"`
	// AllowedOrigins are the sites (scheme://host[:port]) whose pages may
	// call the session flow with the public key; empty allows any.
	// ReturnURLs are where the hosted page may send a person back.
	AllowedOrigins []string  `json:"allowedOrigins"`
	ReturnURLs     []string  `json:"returnUrls"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func newApplicationView(a *otp.Application) applicationView {
	return applicationView{
		ID: a.ID, Name: a.Name, ProjectID: a.ProjectID, Environment: string(a.Environment), Status: string(a.Status),
		ClientID: a.ClientID, PublicKey: a.PublicKey,
		ClientSecretPreview: a.ClientSecretPreview, APIKeyPreview: a.APIKeyPreview,
		WebhookSecretPreview: "whsec_****",
		AllowedOrigins:       append(make([]string, 0, len(a.AllowedOrigins)), a.AllowedOrigins...),
		ReturnURLs:           append(make([]string, 0, len(a.ReturnURLs)), a.ReturnURLs...),
		CreatedAt:            a.CreatedAt, UpdatedAt: a.UpdatedAt,
		OperatorDisabled: a.OperatorDisabled,
	}
}

// createdApplicationView is the one answer that carries the secrets.
type createdApplicationView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	ProjectID     string `json:"projectId"`
	Environment   string `json:"environment"`
	Status        string `json:"status"`
	ClientID      string `json:"clientId"`
	ClientSecret  string `json:"clientSecret"`
	APIKey        string `json:"apiKey"`
	PublicKey     string `json:"publicKey"`
	WebhookSecret string `json:"webhookSecret"`
	Warning       string `json:"warning"`
	// AllowedOrigins and ReturnURLs are as in the application.
	AllowedOrigins []string  `json:"allowedOrigins"`
	ReturnURLs     []string  `json:"returnUrls"`
	CreatedAt      time.Time `json:"createdAt"`
}

const credentialsWarning = "Store these credentials now — the Client Secret and API Key will not be shown again."

type rotationView struct {
	Type      string    `json:"type"`
	Value     string    `json:"value"`
	RotatedAt time.Time `json:"rotatedAt"`
	// PreviousValidUntil is when the old credential stops working, after a
	// rotation with ?gracePeriod=; null when it stopped at once. An old
	// webhook secret "works" by signing Standard Webhooks deliveries beside
	// the new one; K-OTP and Cobinar carry one signature, the new secret's.
	PreviousValidUntil *time.Time `json:"previousValidUntil"`
}

type verificationView struct {
	ID                string             `json:"id"`
	AppID             string             `json:"appId"`
	To                string             `json:"to"`
	Channel           string             `json:"channel"`
	Purpose           string             `json:"purpose"`
	Locale            string             `json:"locale"`
	Status            string             `json:"status"`
	DeliveryStatus    string             `json:"deliveryStatus" enum:"queued,sent,delivered,failed,expired" description:"queued until a provider accepts the message (lastError shows why while it is retried); expired: the code expired before one did"`
	Attempts          int                `json:"attempts"`
	AttemptsRemaining int                `json:"attemptsRemaining"`
	Resends           int                `json:"resends"`
	CreatedAt         time.Time          `json:"createdAt"`
	UpdatedAt         time.Time          `json:"updatedAt"`
	ExpiresAt         time.Time          `json:"expiresAt"`
	ResendAvailableAt time.Time          `json:"resendAvailableAt"`
	SentAt            *time.Time         `json:"sentAt"`
	VerifiedAt        *time.Time         `json:"verifiedAt"`
	LastError         string             `json:"lastError,omitempty"`
	Metadata          json.RawMessage    `json:"metadata"`
	DeliveredAt       *time.Time         `json:"deliveredAt"`
	Country           string             `json:"country"`
	Carrier           string             `json:"carrier"`
	Cost              *moneyView         `json:"cost"`
	Transaction       *transactionView   `json:"transaction"`
	CallerID          string             `json:"callerId"`
	Fallback          []fallbackStepView `json:"fallback"`
	// FallbackStep is the index of the fallback step sent last.
	FallbackStep   int        `json:"fallbackStep"`
	NextFallbackAt *time.Time `json:"nextFallbackAt"`
}

type moneyView struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func newMoneyView(m otp.Money) *moneyView {
	if m.IsZero() {
		return nil
	}
	return &moneyView{Amount: m.Amount(), Currency: m.Currency}
}

type fallbackStepView struct {
	Channel string `json:"channel"`
	To      string `json:"to,omitempty"`
	Timeout int    `json:"timeout,omitempty"`
}

func newVerificationView(v *otp.Verification) verificationView {
	md := v.Metadata
	if len(md) == 0 {
		md = json.RawMessage("null")
	}
	view := verificationView{
		ID: v.ID, AppID: v.AppID, To: v.To, Channel: string(v.Channel), Purpose: string(v.Purpose), Locale: v.Locale,
		Status: string(v.Status), DeliveryStatus: string(v.DeliveryStatus),
		Attempts: v.Attempts, AttemptsRemaining: v.AttemptsRemaining(), Resends: v.Resends,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, ExpiresAt: v.ExpiresAt, ResendAvailableAt: v.ResendAt,
		SentAt: timePtr(v.SentAt), VerifiedAt: timePtr(v.VerifiedAt), LastError: v.LastError, Metadata: md,
		DeliveredAt: timePtr(v.DeliveredAt), Country: v.Country, Carrier: v.Carrier, Cost: newMoneyView(v.Cost),
		CallerID: v.Options.CallerID, FallbackStep: v.FallbackStep, NextFallbackAt: timePtr(v.NextStepAt),
	}
	if t := v.Options.Transaction; t != nil {
		view.Transaction = &transactionView{Amount: t.Amount, Payee: t.Payee}
	}
	for _, st := range v.Options.Fallback {
		view.Fallback = append(view.Fallback, fallbackStepView{Channel: string(st.Channel), To: st.To, Timeout: int(st.Timeout / time.Second)})
	}
	return view
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

// paginate trims items, read with one more than limit to learn whether
// there is a next page, to limit, and describes the page.
func paginate[T any](items []T, limit int, cursor func(T) string) ([]T, *pagination) {
	page := &pagination{Limit: limit}
	if len(items) > limit {
		items = items[:limit]
		page.HasMore, page.NextCursor = true, cursor(items[limit-1])
	}
	return items, page
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

// messageView is one attempt to hand a verification's code to a
// provider, shown as it happens; it never holds the code or the text.
// The attempts of one message share its id.
type messageView struct {
	ID                string `json:"id" description:"The message's id, the same on every attempt: the reference providers get"`
	Channel           string `json:"channel"`
	To                string `json:"to"`
	Provider          string `json:"provider"`
	ProviderMessageID string `json:"providerMessageId"`
	Status            string `json:"status" enum:"retrying,sent,delivered,failed,expired" description:"retrying: this attempt failed and another follows at nextAttemptAt; expired: the code expired before a provider accepted the message"`
	// Attempts is kept for clients of its first version: it is Attempt.
	Attempts      int        `json:"attempts" description:"The same as attempt"`
	Attempt       int        `json:"attempt" description:"The attempt number, from 1"`
	Error         string     `json:"error"`
	Cost          *moneyView `json:"cost"`
	CreatedAt     time.Time  `json:"createdAt"`
	SentAt        *time.Time `json:"sentAt"`
	DeliveredAt   *time.Time `json:"deliveredAt"`
	NextAttemptAt *time.Time `json:"nextAttemptAt" description:"When the next attempt is due, while retrying"`
}

func newMessageView(m otp.Message, v *otp.Verification) messageView {
	to := m.To
	if to == "" {
		to = v.To
	}
	return messageView{
		ID: m.ID, Channel: string(m.Channel), To: to, Provider: m.Provider, ProviderMessageID: m.ProviderMessageID,
		Status: string(m.Status), Attempts: m.Attempts, Attempt: m.Attempts, Error: m.Error, Cost: newMoneyView(m.Cost),
		CreatedAt: m.CreatedAt, SentAt: timePtr(m.SentAt), DeliveredAt: timePtr(m.DeliveredAt),
		NextAttemptAt: timePtr(m.NextAttemptAt),
	}
}

func creditsView(m *otp.Money) *moneyView {
	if m == nil {
		return nil
	}
	return &moneyView{Amount: m.Amount(), Currency: m.Currency}
}
