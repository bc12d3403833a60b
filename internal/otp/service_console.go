package otp

import (
	"context"
	"fmt"
	"time"
)

// CreateProject creates a project with the default policy unless in sets one.
func (s *Service) CreateProject(ctx context.Context, in ProjectInput) (*Project, error) {
	if in.Name == nil {
		return nil, invalidField("name", "required", "name is required")
	}
	now := s.clock.Now()
	p := &Project{ID: NewID("prj"), Policy: DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
	// The operator's default countries (OTPD_DEFAULT_COUNTRIES), so that
	// an open sign-up cannot send everywhere before its owner decides.
	p.Fraud.Geo.Default = AllowOnly(s.defaultCountries)
	// An open sign-up must not become unlimited sending: a new project
	// sends a bounded number a day until the operator raises it.
	p.Fraud.Budgets.DailySends = s.defaultDailySends
	if err := in.apply(p, s.keys.seal); err != nil {
		return nil, err
	}
	holdUnapprovedTemplates(ctx, p, nil, now)
	if dev := principalOf(ctx).Developer; dev != nil {
		// The plan's bound is counted and the project inserted in one
		// transaction: concurrent creations cannot pass it.
		p.OwnerID = dev.ID
		err := s.store.CreateProjectWithQuota(ctx, p, dev.Plan.MaxProjects)
		if isCode(err, CodeConflict) {
			return nil, quotaExceeded("max_projects", fmt.Sprintf("Your plan allows %d projects", dev.Plan.MaxProjects))
		}
		if err != nil {
			return nil, s.notFound(err, "developer") // the account was deleted meanwhile
		}
		return p, nil
	}
	if err := s.store.CreateProject(ctx, p); err != nil {
		return nil, fmt.Errorf("create project: %w", err)
	}
	return p, nil
}

// GetProject returns a project or ErrNotFound.
func (s *Service) GetProject(ctx context.Context, id string) (*Project, error) {
	p, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, s.notFound(err, "project")
	}
	if !owns(ctx, p) {
		return nil, notFound("project") // not yours is not found
	}
	return p, nil
}

// ListProjects returns the caller's projects (every one for the
// operator), newest first.
func (s *Service) ListProjects(ctx context.Context) ([]*Project, error) {
	var f ProjectFilter
	if dev := principalOf(ctx).Developer; dev != nil {
		f.OwnerID = &dev.ID
	}
	return s.store.ListProjects(ctx, f)
}

// UpdateProject changes the fields in sets.
func (s *Service) UpdateProject(ctx context.Context, id string, in ProjectInput) (*Project, error) {
	p, err := s.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	approved := p.Policy.Messages.Templates
	if err := in.apply(p, s.keys.seal); err != nil {
		return nil, err
	}
	p.UpdatedAt = s.clock.Now()
	holdUnapprovedTemplates(ctx, p, approved, p.UpdatedAt)
	err = s.store.UpdateProject(ctx, p)
	s.cache.forgetProject(id)
	if err != nil {
		return nil, s.notFound(err, "project")
	}
	return p, nil
}

// DeleteProject deletes a project that has no applications left.
func (s *Service) DeleteProject(ctx context.Context, id string) error {
	if _, err := s.GetProject(ctx, id); err != nil {
		return err
	}
	err := s.store.DeleteProject(ctx, id)
	s.cache.forgetProject(id)
	switch {
	case isCode(err, CodeConflict):
		return conflict("project_has_applications", "The project still has applications; move or delete them first")
	case err != nil:
		return s.notFound(err, "project")
	}
	return nil
}

// CreateApplication creates an application with fresh credentials, which
// are returned in plaintext this once.
func (s *Service) CreateApplication(ctx context.Context, in ApplicationInput) (*Application, Credentials, error) {
	if in.Name == nil {
		return nil, Credentials{}, invalidField("name", "required", "name is required")
	}
	name, err := validateAppName(*in.Name)
	if err != nil {
		return nil, Credentials{}, err
	}
	if in.ProjectID == nil || *in.ProjectID == "" {
		return nil, Credentials{}, invalidField("projectId", "required", "projectId is required")
	}
	env := Live
	if in.Environment != nil {
		env = *in.Environment
	}
	if env != Live && env != Test {
		return nil, Credentials{}, invalidField("environment", "invalid_environment", "environment must be live or test")
	}
	status := AppActive
	if in.Status != nil {
		if err := validateAppStatus(*in.Status); err != nil {
			return nil, Credentials{}, err
		}
		status = *in.Status
	}
	if _, err := s.GetProject(ctx, *in.ProjectID); err != nil {
		if isCode(err, CodeNotFound) {
			e := notFound("project")
			e.Field = "projectId"
			return nil, Credentials{}, e
		}
		return nil, Credentials{}, err
	}
	now := s.clock.Now()
	a := &Application{
		ID: NewID("app"), ProjectID: *in.ProjectID, Name: name, Environment: env, Status: status,
		ClientID:  newToken(credentialPrefix(env, "client")),
		PublicKey: newToken(credentialPrefix(env, "pk")),
		CreatedAt: now, UpdatedAt: now,
	}
	if err := in.applyWeb(a); err != nil {
		return nil, Credentials{}, err
	}
	var creds Credentials
	for _, k := range []CredentialKind{CredentialSecret, CredentialAPIKey, CredentialWebhookSecret} {
		v := s.setCredential(a, k)
		switch k {
		case CredentialSecret:
			creds.ClientSecret = v
		case CredentialAPIKey:
			creds.APIKey = v
		case CredentialWebhookSecret:
			creds.WebhookSecret = v
		}
	}
	if dev := principalOf(ctx).Developer; dev != nil {
		// Counted and inserted in one transaction, like projects.
		err := s.store.CreateApplicationWithQuota(ctx, a, dev.Plan.MaxAppsPerProject)
		if isCode(err, CodeConflict) {
			return nil, Credentials{}, quotaExceeded("max_apps_per_project", fmt.Sprintf("Your plan allows %d applications per project", dev.Plan.MaxAppsPerProject))
		}
		if err != nil {
			return nil, Credentials{}, s.notFound(err, "project")
		}
		return a, creds, nil
	}
	if err := s.store.CreateApplication(ctx, a); err != nil {
		return nil, Credentials{}, fmt.Errorf("create application: %w", err)
	}
	return a, creds, nil
}

// setCredential generates a new value of kind, stores its protected form
// on a and returns the plaintext.
func (s *Service) setCredential(a *Application, kind CredentialKind) string {
	switch kind {
	case CredentialSecret:
		v := newToken(credentialPrefix(a.Environment, "secret"))
		a.ClientSecretHash, a.ClientSecretPreview = hashSecret(v), preview(v)
		return v
	case CredentialAPIKey:
		v := newToken(credentialPrefix(a.Environment, "api"))
		a.APIKeyHash, a.APIKeyPreview = hashSecret(v), preview(v)
		return v
	default:
		v := newWebhookSecret()
		a.WebhookSecretSealed = s.keys.seal(v, a.ID)
		return v
	}
}

// GetApplication returns an application or ErrNotFound.
func (s *Service) GetApplication(ctx context.Context, id string) (*Application, error) {
	a, err := s.store.GetApplication(ctx, id)
	if err != nil {
		return nil, s.notFound(err, "application")
	}
	if principalOf(ctx).Developer != nil {
		if _, err := s.GetProject(ctx, a.ProjectID); err != nil {
			return nil, notFound("application")
		}
	}
	return a, nil
}

// ListApplications lists the caller's applications, newest first.
func (s *Service) ListApplications(ctx context.Context, f ApplicationFilter) ([]*Application, error) {
	if dev := principalOf(ctx).Developer; dev != nil {
		if f.ProjectID != "" {
			if _, err := s.GetProject(ctx, f.ProjectID); err != nil {
				return nil, err // another's project is not found
			}
		}
		f.OwnerID = &dev.ID
	}
	return s.store.ListApplications(ctx, f)
}

// UpdateApplication changes the name, status or browser settings (allowed
// origins, return URLs) of an application.
func (s *Service) UpdateApplication(ctx context.Context, id string, in ApplicationInput) (*Application, error) {
	a, err := s.GetApplication(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.ProjectID != nil && *in.ProjectID != a.ProjectID {
		return nil, invalidField("projectId", "immutable", "projectId cannot be changed")
	}
	if in.Environment != nil && *in.Environment != a.Environment {
		return nil, invalidField("environment", "immutable", "environment cannot be changed")
	}
	if in.Name != nil {
		if a.Name, err = validateAppName(*in.Name); err != nil {
			return nil, err
		}
	}
	if in.Status != nil {
		if err := validateAppStatus(*in.Status); err != nil {
			return nil, err
		}
		a.Status = *in.Status
	}
	if err := in.applyWeb(a); err != nil {
		return nil, err
	}
	a.UpdatedAt = s.clock.Now()
	err = s.store.UpdateApplication(ctx, a)
	s.cache.forgetApp(id)
	if err != nil {
		return nil, s.notFound(err, "application")
	}
	return a, nil
}

// DeleteApplication deletes an application, its credentials and its data.
func (s *Service) DeleteApplication(ctx context.Context, id string) error {
	if _, err := s.GetApplication(ctx, id); err != nil {
		return err
	}
	err := s.store.DeleteApplication(ctx, id)
	s.cache.forgetApp(id)
	if err != nil {
		return s.notFound(err, "application")
	}
	return nil
}

// RotateCredential replaces one credential at once and returns the new plaintext.
func (s *Service) RotateCredential(ctx context.Context, id string, kind CredentialKind) (string, time.Time, error) {
	return s.RotateCredentialWithGrace(ctx, id, kind, 0)
}

// MaxRotationGrace bounds how long a rotated credential keeps working.
const MaxRotationGrace = 7 * 24 * time.Hour

// RotateCredentialWithGrace replaces one credential and returns the new
// plaintext; the old one keeps working for grace. For the webhook secret
// that means it signs deliveries beside the new one where the endpoint's
// scheme carries several signatures (Standard Webhooks); the K-OTP and
// Cobinar schemes carry one, so the new secret alone signs for them.
func (s *Service) RotateCredentialWithGrace(ctx context.Context, id string, kind CredentialKind, grace time.Duration) (string, time.Time, error) {
	switch kind {
	case CredentialSecret, CredentialAPIKey, CredentialWebhookSecret:
	default:
		return "", time.Time{}, invalidField("type", "invalid_credential_type", "type must be secret, api or webhook_secret")
	}
	if grace < 0 || grace > MaxRotationGrace {
		return "", time.Time{}, invalidField("gracePeriod", "out_of_range", "gracePeriod must be between 0 and 604800 seconds")
	}
	a, err := s.GetApplication(ctx, id)
	if err != nil {
		return "", time.Time{}, err
	}
	// One reading of the clock, so that the answer's rotation time plus
	// grace is exactly when the old credential stops.
	now := s.clock.Now()
	until := time.Time{}
	if grace > 0 {
		until = now.Add(grace)
	}
	switch kind {
	case CredentialAPIKey:
		a.PrevAPIKeyHash, a.PrevAPIKeyUntil = a.APIKeyHash, until
		if grace == 0 {
			a.PrevAPIKeyHash = nil
		}
	case CredentialSecret:
		a.PrevClientSecretHash, a.PrevClientSecretUntil = a.ClientSecretHash, until
		if grace == 0 {
			a.PrevClientSecretHash = nil
		}
	case CredentialWebhookSecret:
		// The sealed form moves as it is: it is bound to the application,
		// not to the column.
		a.PrevWebhookSecretSealed, a.PrevWebhookSecretUntil = a.WebhookSecretSealed, until
		if grace == 0 {
			a.PrevWebhookSecretSealed = nil
		}
	}
	v := s.setCredential(a, kind)
	a.UpdatedAt = now
	err = s.store.UpdateApplication(ctx, a)
	// Forgotten by id, so the cached entry of the old API key goes too.
	s.cache.forgetApp(id)
	if err != nil {
		return "", time.Time{}, s.notFound(err, "application")
	}
	return v, a.UpdatedAt, nil
}

// WebhookSecret reveals the webhook secret of an application.
func (s *Service) WebhookSecret(a *Application) (string, error) {
	return s.keys.open(a.WebhookSecretSealed, a.ID)
}

// PreviousWebhookSecret reveals the webhook secret the last rotation
// replaced and when it stops signing, while its grace period runs; "" and
// the zero time once it has ended or when there was none.
func (s *Service) PreviousWebhookSecret(a *Application) (string, time.Time, error) {
	return s.previousWebhookSecret(a, s.clock.Now())
}

func (s *Service) previousWebhookSecret(a *Application, at time.Time) (string, time.Time, error) {
	if len(a.PrevWebhookSecretSealed) == 0 || !at.Before(a.PrevWebhookSecretUntil) {
		return "", time.Time{}, nil
	}
	v, err := s.keys.open(a.PrevWebhookSecretSealed, a.ID)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("previous webhook secret: %w", err)
	}
	return v, a.PrevWebhookSecretUntil, nil
}

// webhookSecrets opens what signs a delivery made at: the current webhook
// secret and, while a rotation's grace period runs then, the one it replaced.
func (s *Service) webhookSecrets(a *Application, at time.Time) (WebhookSecrets, error) {
	cur, err := s.WebhookSecret(a)
	if err != nil {
		return WebhookSecrets{}, err
	}
	prev, _, err := s.previousWebhookSecret(a, at)
	if err != nil {
		return WebhookSecrets{}, err
	}
	return WebhookSecrets{Current: cur, Previous: prev}, nil
}

func validateAppStatus(st AppStatus) error {
	if st != AppActive && st != AppDisabled {
		return invalidField("status", "invalid_status", "status must be active or disabled")
	}
	return nil
}

// notFound turns a store's not-found into a caller-facing one naming what.
func (s *Service) notFound(err error, what string) error {
	if isCode(err, CodeNotFound) {
		return notFound(what)
	}
	return err
}

func isCode(err error, code string) bool {
	e := ErrorOf(err)
	return e != nil && e.Code == code
}
