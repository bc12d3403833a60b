package otp

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// WebhookSigning is how an endpoint's requests are signed.
type WebhookSigning string

// Signing schemes: Standard Webhooks, K-OTP's and Cobinar's.
const (
	SigningStandard WebhookSigning = "standard"
	SigningKOTP     WebhookSigning = "kotp"
	SigningCobinar  WebhookSigning = "cobinar"
)

// WebhookStatus is whether an endpoint receives events.
type WebhookStatus string

// Endpoint statuses.
const (
	WebhookEnabled  WebhookStatus = "enabled"
	WebhookDisabled WebhookStatus = "disabled"
)

// EventTypes lists every event a webhook can subscribe to.
var EventTypes = []EventType{EventCreated, EventSent, EventDelivered, EventFailed, EventVerified, EventExpired, EventMaxAttempts, EventCanceled,
	EventFlagged, EventFraudBlocked, EventFraudReleased}

// Webhook is an endpoint of an application that receives its events.
type Webhook struct {
	ID      string
	AppID   string
	URL     string
	Events  []EventType // empty: every event
	Signing WebhookSigning
	Status  WebhookStatus
	// DisabledReason says why otpd disabled the endpoint (it kept
	// failing); empty when it is enabled or a person disabled it.
	DisabledReason string
	// FailingSince is when the current run of failed deliveries began;
	// zero while deliveries succeed.
	FailingSince time.Time
	// IncludeDestination opts the endpoint in to full phone numbers and
	// email addresses in its payloads; they are masked otherwise.
	IncludeDestination bool
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Wants reports whether the endpoint subscribes to events of type t.
func (w *Webhook) Wants(t EventType) bool {
	return w.Status == WebhookEnabled && (len(w.Events) == 0 || slices.Contains(w.Events, t))
}

// WebhookInput is what a caller may set on an endpoint; nil fields are left as they are.
type WebhookInput struct {
	AppID   *string
	URL     *string
	Events  *[]EventType
	Signing *WebhookSigning
	Status  *WebhookStatus
	// IncludeDestination, if set, opts the endpoint in to (true) or out
	// of full destinations in its payloads.
	IncludeDestination *bool
}

// MaxWebhooksPerApp bounds an application's endpoints.
const MaxWebhooksPerApp = 20

func (in WebhookInput) apply(w *Webhook, urls WebhookURLPolicy) error {
	if in.URL != nil {
		if err := urls.Check(*in.URL); err != nil {
			return err
		}
		w.URL = *in.URL
	}
	if in.Events != nil {
		for i, t := range *in.Events {
			if !slices.Contains(EventTypes, t) {
				return invalidField(fmt.Sprintf("events[%d]", i), "invalid_event", "events must be among otp.created, otp.sent, otp.delivered, otp.failed, otp.verified, otp.expired, otp.max_attempts, otp.canceled")
			}
		}
		w.Events = slices.Compact(slices.Sorted(slices.Values(*in.Events)))
	}
	if in.Signing != nil {
		switch *in.Signing {
		case SigningStandard, SigningKOTP, SigningCobinar:
			w.Signing = *in.Signing
		default:
			return invalidField("signing", "invalid_signing", "signing must be standard, kotp or cobinar")
		}
	}
	if in.IncludeDestination != nil {
		w.IncludeDestination = *in.IncludeDestination
	}
	if in.Status != nil {
		switch *in.Status {
		case WebhookEnabled:
			w.Status, w.DisabledReason, w.FailingSince = WebhookEnabled, "", time.Time{}
		case WebhookDisabled:
			w.Status = WebhookDisabled
		default:
			return invalidField("status", "invalid_status", "status must be enabled or disabled")
		}
	}
	return nil
}

// CreateWebhook registers an endpoint for an application.
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	if in.AppID == nil || *in.AppID == "" {
		return nil, invalidField("appId", "required", "appId is required")
	}
	if in.URL == nil {
		return nil, invalidField("url", "required", "url is required")
	}
	if _, err := s.GetApplication(ctx, *in.AppID); err != nil {
		return nil, err
	}
	existing, err := s.store.ListWebhooks(ctx, *in.AppID)
	if err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	if len(existing) >= MaxWebhooksPerApp {
		return nil, conflict("too_many_webhooks", fmt.Sprintf("an application has at most %d webhooks", MaxWebhooksPerApp))
	}
	now := s.clock.Now()
	w := &Webhook{ID: NewID("whk"), AppID: *in.AppID, Signing: SigningStandard, Status: WebhookEnabled, CreatedAt: now, UpdatedAt: now}
	in.AppID = nil
	if err := in.apply(w, s.webhookURLs); err != nil {
		return nil, err
	}
	if err := s.store.CreateWebhook(ctx, w); err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	return w, nil
}

// GetWebhook returns an endpoint, or NOT_FOUND.
func (s *Service) GetWebhook(ctx context.Context, id string) (*Webhook, error) {
	w, err := s.store.GetWebhook(ctx, id)
	if err != nil {
		return nil, s.notFound(err, "webhook")
	}
	if _, err := s.GetApplication(ctx, w.AppID); err != nil {
		return nil, notFound("webhook")
	}
	return w, nil
}

// ListWebhooks lists the endpoints of one application, or for appID ""
// of every application the caller may see: a developer's own, or all of
// them for the operator.
func (s *Service) ListWebhooks(ctx context.Context, appID string) ([]*Webhook, error) {
	if appID != "" {
		if _, err := s.GetApplication(ctx, appID); err != nil {
			return nil, err
		}
		return s.store.ListWebhooks(ctx, appID)
	}
	owner := ownerScope(ctx)
	if owner == nil {
		return s.store.ListWebhooks(ctx, "")
	}
	// A developer has a handful of applications, each at most
	// MaxWebhooksPerApp endpoints: one indexed read per application.
	apps, err := s.store.ListApplications(ctx, ApplicationFilter{OwnerID: owner})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	var out []*Webhook
	for _, a := range apps {
		ws, err := s.store.ListWebhooks(ctx, a.ID)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, ws...)
	}
	return out, nil
}

// UpdateWebhook changes an endpoint's URL, events, signing or status.
func (s *Service) UpdateWebhook(ctx context.Context, id string, in WebhookInput) (*Webhook, error) {
	w, err := s.GetWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.AppID != nil && *in.AppID != w.AppID {
		return nil, invalidField("appId", "immutable", "a webhook cannot move to another application")
	}
	in.AppID = nil
	if err := in.apply(w, s.webhookURLs); err != nil {
		return nil, err
	}
	w.UpdatedAt = s.clock.Now()
	if err := s.store.UpdateWebhook(ctx, w); err != nil {
		return nil, s.notFound(err, "webhook")
	}
	return w, nil
}

// DeleteWebhook removes an endpoint and its delivery log.
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	if _, err := s.GetWebhook(ctx, id); err != nil {
		return err
	}
	return s.notFound(s.store.DeleteWebhook(ctx, id), "webhook")
}
