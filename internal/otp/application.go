package otp

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Environment tells live applications, which reach real providers, from
// test applications, whose messages land in the test inbox.
type Environment string

// Environments.
const (
	Live Environment = "live"
	Test Environment = "test"
)

// AppStatus is whether an application may call the API.
type AppStatus string

// Application statuses.
const (
	AppActive   AppStatus = "active"
	AppDisabled AppStatus = "disabled"
)

// Application is one client of otpd inside a project, with its credentials.
// Secrets are held only as hashes (API key, client secret) or encrypted with
// the server key (webhook secret); the plaintext is shown once.
type Application struct {
	ID          string
	ProjectID   string
	Name        string
	Environment Environment
	Status      AppStatus // the owner's switch
	// OperatorDisabled is the operator's hold, which the owner cannot
	// clear: the application works only while Status is active and this
	// is false.
	OperatorDisabled bool

	ClientID  string // public identifier, always visible
	PublicKey string // browser-safe key for the session flow

	APIKeyHash          []byte // SHA-256 of the API key
	APIKeyPreview       string // masked form shown after creation
	ClientSecretHash    []byte
	ClientSecretPreview string
	WebhookSecretSealed []byte // webhook secret encrypted with the server key

	// The previous API key and client secret keep working until these
	// times after a rotation with a grace period; zero when they do not.
	PrevAPIKeyHash        []byte
	PrevAPIKeyUntil       time.Time
	PrevClientSecretHash  []byte
	PrevClientSecretUntil time.Time
	// The previous webhook secret, sealed like the current one, still
	// signs deliveries beside it until PrevWebhookSecretUntil after a
	// rotation with a grace period; nil and zero when it does not.
	PrevWebhookSecretSealed []byte
	PrevWebhookSecretUntil  time.Time

	// AllowedOrigins are the sites (scheme://host[:port]) whose pages may
	// call the session flow with the application's keys; empty allows
	// any. ReturnURLs are where the hosted page may send a person back.
	AllowedOrigins []string
	ReturnURLs     []string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Credentials are the plaintext secrets of an application, returned once.
type Credentials struct {
	ClientSecret  string
	APIKey        string
	WebhookSecret string
}

// CredentialKind names a credential that can be rotated.
type CredentialKind string

// Rotatable credentials.
const (
	CredentialSecret        CredentialKind = "secret"
	CredentialAPIKey        CredentialKind = "api"
	CredentialWebhookSecret CredentialKind = "webhook_secret"
)

// ApplicationInput is what a caller may set on an application; nil fields
// are left as they are. ProjectID and Environment are fixed at creation.
type ApplicationInput struct {
	Name        *string
	ProjectID   *string
	Environment *Environment
	Status      *AppStatus
	// AllowedOrigins and ReturnURLs replace the lists when not nil.
	AllowedOrigins *[]string
	ReturnURLs     *[]string
}

// applyWeb sets the browser settings of in on a.
func (in ApplicationInput) applyWeb(a *Application) error {
	if in.AllowedOrigins != nil {
		list, err := validateOrigins(*in.AllowedOrigins)
		if err != nil {
			return err
		}
		a.AllowedOrigins = list
	}
	if in.ReturnURLs != nil {
		list, err := validateReturnURLs(*in.ReturnURLs)
		if err != nil {
			return err
		}
		a.ReturnURLs = list
	}
	return nil
}

func validateAppName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", invalidField("name", "required", "name is required")
	}
	if utf8.RuneCountInString(name) > maxNameLen {
		return "", invalidField("name", "too_long", "name must be at most 100 characters")
	}
	if err := checkText("name", name, false); err != nil {
		return "", err
	}
	return name, nil
}

// ApplicationFilter selects applications in a list.
type ApplicationFilter struct {
	ProjectID string
	OwnerID   *string // nil: any owner; else applications of this owner's projects
}
