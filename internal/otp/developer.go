package otp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Developer is a console account. Developers see only their own projects;
// the operator's admin token sees everything.
type Developer struct {
	ID           string
	Email        string // lower-cased
	Name         string
	Company      string
	PasswordHash string // argon2id; empty for an account an ID token created: it has no password, and none matches
	Plan         Plan
	// VirtualPhoneNumber is the E.164 number the operator gave the
	// developer (Cobinar's developer profile shows one); "" for none.
	// Only the operator sets it.
	VirtualPhoneNumber string
	// Status is set by the operator: a suspended developer can neither
	// sign in nor use the console, and the API keys of their
	// applications are refused.
	Status DeveloperStatus
	// SessionsValidAfter ends every console session created before it
	// (and ID tokens issued before it): revoking sessions, changing or
	// resetting the password set it to the time of the change. Zero: none.
	SessionsValidAfter time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Plan limits what a developer may create and send.
type Plan struct {
	MaxProjects       int
	MaxAppsPerProject int
	MonthlySends      int // messages a calendar month (UTC) across the developer's live applications, deleted ones included (the usage ledger); 0 is unlimited
	// Untrusted: the developer's changes to template overrides wait for
	// the operator's approval (Project.PendingTemplates) before any
	// message uses them.
	Untrusted bool
	// UntrustedSet says, in a DeveloperAccountInput, that Untrusted is
	// given; without it the developer's flag stays as it is.
	UntrustedSet bool
}

// DefaultPlan is the plan of a new developer.
var DefaultPlan = Plan{MaxProjects: 10, MaxAppsPerProject: 5}

// Session is a signed-in developer's console token, kept as a hash.
type Session struct {
	TokenHash   []byte
	DeveloperID string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// SessionTTL is how long a console session lasts.
const SessionTTL = 12 * time.Hour

// CodeQuotaExceeded is a plan limit reached.
const CodeQuotaExceeded = "QUOTA_EXCEEDED"

// DeveloperInput is what a developer account is created or changed with;
// nil fields are left as they are.
type DeveloperInput struct {
	Email    *string
	Password *string
	Name     *string
	Company  *string
}

// CreateDeveloper creates an account (the admin does, or anyone when the
// operator opens sign-up).
func (s *Service) CreateDeveloper(ctx context.Context, in DeveloperInput) (*Developer, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	dev, err := s.newDeveloper(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateDeveloper(ctx, dev); err != nil {
		if isCode(err, CodeConflict) {
			return nil, conflict("email_taken", "An account with this email exists")
		}
		return nil, fmt.Errorf("create developer: %w", err)
	}
	return dev, nil
}

// newDeveloper checks in and makes the account it asks for, its
// password hashed.
func (s *Service) newDeveloper(ctx context.Context, in DeveloperInput) (*Developer, error) {
	if in.Email == nil || in.Password == nil {
		return nil, invalidField("email", "required", "email and password are required")
	}
	d, err := ParseDestination(*in.Email, "email")
	if err != nil || d.IsPhone {
		return nil, &Error{Code: CodeInvalidEmail, Key: "invalid_email", Field: "email", Message: "The email address is invalid"}
	}
	if err := validatePassword(*in.Password); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	dev := &Developer{ID: NewID("dev"), Email: d.Value, Plan: DefaultPlan, Status: DeveloperActive, CreatedAt: now, UpdatedAt: now}
	if err := applyDeveloperProfile(dev, in); err != nil {
		return nil, err
	}
	// Last: the costly step, once the rest is valid, under the bound on
	// concurrent hashes.
	phc, err := s.hashPassword(ctx, *in.Password)
	if err != nil {
		return nil, err
	}
	dev.PasswordHash = phc
	return dev, nil
}

func applyDeveloperProfile(d *Developer, in DeveloperInput) error {
	for _, f := range []struct {
		name string
		in   *string
		out  *string
	}{{"name", in.Name, &d.Name}, {"company", in.Company, &d.Company}} {
		if f.in == nil {
			continue
		}
		v := strings.TrimSpace(*f.in)
		if utf8.RuneCountInString(v) > maxNameLen {
			return invalidField(f.name, "too_long", f.name+" must be at most 100 characters")
		}
		if err := checkText(f.name, v, false); err != nil {
			return err
		}
		*f.out = v
	}
	return nil
}

// Me is the signed-in developer's account; the operator has none.
func (s *Service) Me(ctx context.Context) (*Developer, error) {
	dev := principalOf(ctx).Developer
	if dev == nil {
		return nil, &Error{Code: CodeForbidden, Key: "no_developer", Message: "The admin token belongs to no developer account"}
	}
	return dev, nil
}

// UpdateMe changes the signed-in developer's name or company; the plan
// cannot be changed here.
func (s *Service) UpdateMe(ctx context.Context, in DeveloperInput) (*Developer, error) {
	me, err := s.Me(ctx)
	if err != nil {
		return nil, err
	}
	if in.Email != nil || in.Password != nil {
		return nil, invalidField("email", "read_only", "only name and company can be changed here")
	}
	d, err := s.store.GetDeveloper(ctx, me.ID)
	if err != nil {
		return nil, s.notFound(err, "developer")
	}
	if err := applyDeveloperProfile(d, in); err != nil {
		return nil, err
	}
	d.UpdatedAt = s.clock.Now()
	if err := s.store.UpdateDeveloper(ctx, d); err != nil {
		return nil, s.notFound(err, "developer")
	}
	return d, nil
}

// ListDevelopers returns every account, for the operator.
func (s *Service) ListDevelopers(ctx context.Context) ([]*Developer, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	return s.store.ListDevelopers(ctx)
}

// SetPlan changes a developer's plan; only the operator may.
func (s *Service) SetPlan(ctx context.Context, id string, p Plan) (*Developer, error) {
	return s.UpdateDeveloperAccount(ctx, id, DeveloperAccountInput{Plan: &p})
}

// DeveloperAccountInput is what only the operator may change on a
// developer's account; nil fields are left as they are.
type DeveloperAccountInput struct {
	Plan *Plan
	// VirtualPhoneNumber is an E.164 number, or "" to remove it.
	VirtualPhoneNumber *string
}

// UpdateDeveloperAccount changes a developer's plan or virtual phone
// number; only the operator may. Errors: FORBIDDEN, NOT_FOUND,
// INVALID_PARAMETER, INVALID_PHONE.
func (s *Service) UpdateDeveloperAccount(ctx context.Context, id string, in DeveloperAccountInput) (*Developer, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, err
	}
	if in.Plan == nil && in.VirtualPhoneNumber == nil {
		return nil, invalidField("plan", "required", "give plan or virtualPhoneNumber")
	}
	if p := in.Plan; p != nil {
		switch {
		case p.MaxProjects < 1 || p.MaxProjects > 10_000:
			return nil, invalidField("plan.maxProjects", "out_of_range", "maxProjects must be between 1 and 10000")
		case p.MaxAppsPerProject < 1 || p.MaxAppsPerProject > 1_000:
			return nil, invalidField("plan.maxAppsPerProject", "out_of_range", "maxAppsPerProject must be between 1 and 1000")
		case p.MonthlySends < 0:
			return nil, invalidField("plan.monthlySends", "out_of_range", "monthlySends must be 0 (unlimited) or more")
		}
	}
	if n := in.VirtualPhoneNumber; n != nil && *n != "" && !isE164(*n) {
		return nil, &Error{Code: CodeInvalidPhone, Key: "invalid_virtual_phone", Field: "virtualPhoneNumber",
			Message: "virtualPhoneNumber must be an E.164 number: + and 7 to 15 digits, such as +999482918102"}
	}
	d, err := s.GetDeveloper(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Plan != nil {
		// A plan given without saying whether it is untrusted keeps
		// the flag: raising a quota must not lift the operator's review.
		untrusted := d.Plan.Untrusted
		d.Plan = *in.Plan
		d.Plan.Untrusted = untrusted
		if in.Plan.UntrustedSet {
			d.Plan.Untrusted = in.Plan.Untrusted
		}
	}
	if in.VirtualPhoneNumber != nil {
		d.VirtualPhoneNumber = *in.VirtualPhoneNumber
	}
	d.UpdatedAt = s.clock.Now()
	if err := s.store.UpdateDeveloper(ctx, d); err != nil {
		return nil, s.notFound(err, "developer")
	}
	s.usage.forget(id)
	return d, nil
}

// isE164 reports whether s is written as E.164: a plus, then 7 to 15
// digits, the first not 0. Whether a country uses the number is not
// asked: a virtual number need not be one a carrier serves.
func isE164(s string) bool {
	d, ok := strings.CutPrefix(s, "+")
	if !ok || len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// GetDeveloper returns an account.
func (s *Service) GetDeveloper(ctx context.Context, id string) (*Developer, error) {
	d, err := s.store.GetDeveloper(ctx, id)
	if err != nil {
		return nil, s.notFound(err, "developer")
	}
	return d, nil
}

// loginLimit bounds password guesses per account.
var loginLimit = Limit{Count: 10, Period: 15 * time.Minute}

// Login checks an email and password and opens a session. A wrong
// password and an unknown email get the same answer, and both count
// against the account's guess limit.
func (s *Service) Login(ctx context.Context, email, password string) (token string, sess *Session, dev *Developer, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || password == "" {
		return "", nil, nil, invalidField("email", "required", "email and password are required")
	}
	if dec, err := s.limiter.Allow(ctx, "login:"+email, loginLimit); err != nil {
		return "", nil, nil, fmt.Errorf("login limit: %w", err)
	} else if !dec.Allowed {
		return "", nil, nil, s.refuse(rateLimited("too_many_logins", "Too many sign-in attempts; try again later", dec.RetryAfter))
	}
	bad := &Error{Code: CodeUnauthenticated, Key: "invalid_login", Message: "The email or password is wrong"}
	if len(password) > maxPasswordLen {
		return "", nil, nil, bad
	}
	started := s.clock.Now()
	dev, err = s.store.GetDeveloperByEmail(ctx, email)
	if err != nil && !isCode(err, CodeNotFound) {
		return "", nil, nil, fmt.Errorf("login: %w", err)
	}
	// An unknown email, or an account without a password, is checked
	// against dummyHash: as slow as a wrong password, and under the same
	// bound, so that neither shows in the time or the answer.
	known := err == nil && dev.PasswordHash != ""
	phc := dummyHash
	if known {
		phc = dev.PasswordHash
	}
	ok, err := s.passwordMatches(ctx, phc, password)
	if isCode(err, CodeBusy) {
		return "", nil, nil, err
	}
	if err != nil || !ok || !known {
		return "", nil, nil, bad
	}
	if dev.Status == DeveloperSuspended {
		return "", nil, nil, developerSuspended()
	}
	// Dated from before the account was read: a password reset or a
	// revocation committed while the password was being checked is
	// after it, so the session is refused rather than outliving them.
	token, sess, err = s.openConsoleSession(ctx, dev.ID, started)
	if err != nil {
		return "", nil, nil, fmt.Errorf("login: %w", err)
	}
	return token, sess, dev, nil
}

// openConsoleSession creates a console session of developer devID, dated at.
func (s *Service) openConsoleSession(ctx context.Context, devID string, at time.Time) (string, *Session, error) {
	raw := make([]byte, 24)
	rand.Read(raw)
	token := "otpd_session_" + hex.EncodeToString(raw)
	h := sha256.Sum256([]byte(token))
	sess := &Session{TokenHash: h[:], DeveloperID: devID, CreatedAt: at, ExpiresAt: at.Add(SessionTTL)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// AuthenticateSession returns the developer of a live session token. A
// session created before the developer's sessions were revoked is
// refused like an expired one; a suspended developer is FORBIDDEN
// (developer_suspended). Both are read from the store on every request,
// so they take effect at once on every instance.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (*Developer, error) {
	bad := invalidSession()
	if !strings.HasPrefix(token, "otpd_session_") {
		return nil, bad
	}
	h := sha256.Sum256([]byte(token))
	sess, err := s.store.GetSession(ctx, h[:])
	if isCode(err, CodeNotFound) || err == nil && !s.clock.Now().Before(sess.ExpiresAt) {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	dev, err := s.store.GetDeveloper(ctx, sess.DeveloperID)
	if isCode(err, CodeNotFound) {
		return nil, bad // deleted
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if err := checkDeveloperAccess(dev, sess.CreatedAt, time.Microsecond); err != nil {
		return nil, err
	}
	return dev, nil
}

// Logout ends the signed-in developer's session token.
func (s *Service) Logout(ctx context.Context, token string) error {
	if principalOf(ctx).Developer == nil {
		return &Error{Code: CodeForbidden, Key: "no_session", Message: "The admin token is not a session; there is nothing to sign out of"}
	}
	if !strings.HasPrefix(token, "otpd_session_") {
		return &Error{Code: CodeForbidden, Key: "id_token_no_session", Message: "An ID token is not an otpd session; sign out with your identity provider"}
	}
	h := sha256.Sum256([]byte(token))
	return s.notFound(s.store.DeleteSession(ctx, h[:]), "session")
}
