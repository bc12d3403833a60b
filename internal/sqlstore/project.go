package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// policyJSON is the stored form of a project's policy: one JSON column, so
// that new policy fields need no migration. Durations are microseconds,
// like every time value in the database.
type policyJSON struct {
	CodeLength     int            `json:"codeLength"`
	TTL            int64          `json:"ttlMicros"`
	MaxAttempts    int            `json:"maxAttempts"`
	ResendCooldown int64          `json:"resendCooldownMicros"`
	MaxResends     int            `json:"maxResends"`
	SendsPerMinute int            `json:"sendsPerMinute"`
	AppSends       int            `json:"appSendsPerMinute,omitempty"`
	AppChecks      int            `json:"appChecksPerMinute,omitempty"`
	DefaultLocale  string         `json:"defaultLocale"`
	Channels       []string       `json:"channels,omitempty"`
	NoShareLine    bool           `json:"noShareLine,omitempty"`
	SMSAppHash     string         `json:"smsAppHash,omitempty"`
	WebOTPDomain   string         `json:"webOtpDomain,omitempty"`
	Templates      []templateJSON `json:"templates,omitempty"`
	Challenge      *challengeJSON `json:"challenge,omitempty"`
	CodeAlphabet   string         `json:"codeAlphabet,omitempty"`
	SessionTTL     int64          `json:"sessionTtlMicros,omitempty"`
	Countries      []string       `json:"countries,omitempty"`
}

// challengeJSON is the stored CAPTCHA setting. The secret key is kept
// only sealed with the server key (base64 in the JSON), like the webhook
// secrets, so a copy of the database does not reveal it.
type challengeJSON struct {
	Enabled       bool     `json:"enabled,omitempty"`
	Provider      string   `json:"provider,omitempty"`
	SiteKey       string   `json:"siteKey,omitempty"`
	SecretSealed  []byte   `json:"secretSealed,omitempty"`
	SecretPreview string   `json:"secretPreview,omitempty"`
	MinScore      float64  `json:"minScore,omitempty"`
	Hostnames     []string `json:"hostnames,omitempty"`
}

type templateJSON struct {
	Name    string `json:"name,omitempty"`
	Channel string `json:"channel"`
	Purpose string `json:"purpose"`
	Locale  string `json:"locale,omitempty"`
	Body    string `json:"body"`
	Subject string `json:"subject,omitempty"`
}

func encodePolicy(p otp.Policy) (string, error) {
	j := policyJSON{
		CodeLength:     p.CodeLength,
		TTL:            p.TTL.Microseconds(),
		MaxAttempts:    p.MaxAttempts,
		ResendCooldown: p.ResendCooldown.Microseconds(),
		MaxResends:     p.MaxResends,
		SendsPerMinute: p.SendsPerMinute,
		AppSends:       p.AppSendsPerMinute,
		AppChecks:      p.AppChecksPerMinute,
		DefaultLocale:  p.DefaultLocale,
		NoShareLine:    p.Messages.NoShareLine,
		SMSAppHash:     p.Messages.SMSAppHash,
		WebOTPDomain:   p.Messages.WebOTPDomain,
		CodeAlphabet:   string(p.CodeAlphabet),
		SessionTTL:     p.SessionTTL.Microseconds(),
		Countries:      p.Countries,
	}
	for _, c := range p.Channels {
		j.Channels = append(j.Channels, string(c))
	}
	if c := p.Challenge; c.Enabled || c.Provider != "" || c.SiteKey != "" || c.SecretSet() || c.MinScore != 0 || len(c.Hostnames) > 0 {
		j.Challenge = &challengeJSON{Enabled: c.Enabled, Provider: string(c.Provider), SiteKey: c.SiteKey,
			SecretSealed: c.SecretSealed, SecretPreview: c.SecretPreview, MinScore: c.MinScore, Hostnames: c.Hostnames}
	}
	for _, t := range p.Messages.Templates {
		j.Templates = append(j.Templates, templateJSON{Name: t.Name, Channel: string(t.Channel), Purpose: string(t.Purpose), Locale: t.Locale, Body: t.Body, Subject: t.Subject})
	}
	b, err := json.Marshal(j)
	return string(b), err
}

func decodePolicy(s string) (otp.Policy, error) {
	var j policyJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return otp.Policy{}, fmt.Errorf("decode policy: %w", err)
	}
	p := otp.Policy{
		CodeLength:         j.CodeLength,
		TTL:                time.Duration(j.TTL) * time.Microsecond,
		MaxAttempts:        j.MaxAttempts,
		ResendCooldown:     time.Duration(j.ResendCooldown) * time.Microsecond,
		MaxResends:         j.MaxResends,
		SendsPerMinute:     j.SendsPerMinute,
		AppSendsPerMinute:  j.AppSends,
		AppChecksPerMinute: j.AppChecks,
		DefaultLocale:      j.DefaultLocale,
		Messages:           otp.MessagePolicy{NoShareLine: j.NoShareLine, SMSAppHash: j.SMSAppHash, WebOTPDomain: j.WebOTPDomain},
		CodeAlphabet:       otp.CodeAlphabet(j.CodeAlphabet),
		SessionTTL:         time.Duration(j.SessionTTL) * time.Microsecond,
		Countries:          j.Countries,
	}
	for _, c := range j.Channels {
		p.Channels = append(p.Channels, otp.Channel(c))
	}
	if c := j.Challenge; c != nil {
		p.Challenge = otp.ChallengePolicy{Enabled: c.Enabled, Provider: otp.ChallengeProvider(c.Provider), SiteKey: c.SiteKey,
			SecretSealed: c.SecretSealed, SecretPreview: c.SecretPreview, MinScore: c.MinScore, Hostnames: c.Hostnames}
	}
	for _, t := range j.Templates {
		p.Messages.Templates = append(p.Messages.Templates, otp.TemplateOverride{
			Name: t.Name, Channel: otp.Channel(t.Channel), Purpose: otp.Purpose(t.Purpose), Locale: t.Locale, Body: t.Body, Subject: t.Subject,
		})
	}
	return p, nil
}

// pendingJSON is the stored form of template overrides waiting for
// approval; the column is "" when none wait.
type pendingJSON struct {
	Templates   []templateJSON `json:"templates"`
	SubmittedAt int64          `json:"submittedAtMicros"`
}

func encodePendingTemplates(p *otp.PendingTemplates) string {
	if p == nil {
		return ""
	}
	j := pendingJSON{Templates: []templateJSON{}, SubmittedAt: micros(p.SubmittedAt)}
	for _, t := range p.Templates {
		j.Templates = append(j.Templates, templateJSON{Name: t.Name, Channel: string(t.Channel), Purpose: string(t.Purpose), Locale: t.Locale, Body: t.Body, Subject: t.Subject})
	}
	b, _ := json.Marshal(j) // strings and numbers always encode
	return string(b)
}

func decodePendingTemplates(s string) (*otp.PendingTemplates, error) {
	if s == "" {
		return nil, nil
	}
	var j pendingJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return nil, fmt.Errorf("decode pending templates: %w", err)
	}
	p := &otp.PendingTemplates{SubmittedAt: fromMicros(j.SubmittedAt)}
	for _, t := range j.Templates {
		p.Templates = append(p.Templates, otp.TemplateOverride{
			Name: t.Name, Channel: otp.Channel(t.Channel), Purpose: otp.Purpose(t.Purpose), Locale: t.Locale, Body: t.Body, Subject: t.Subject,
		})
	}
	return p, nil
}

const projectColumns = `id, name, description, policy, created_at, updated_at, owner_id, pending_templates, fraud`

// projectRead adds the credit balance, which is written only by AddCredits
// and the event consumer, never by UpdateProject: a policy change must not
// undo a charge made meanwhile.
const projectRead = projectColumns + `, credits_enabled, credit_micros, credit_currency, approved_sender_ids`

func scanProject(row interface{ Scan(...any) error }) (*otp.Project, error) {
	var (
		p                otp.Project
		policy           string
		created, updated int64
		creditsEnabled   int
		credit           otp.Money
		senderIDs        string
		pending          string
		fraud            string
	)
	if err := row.Scan(&p.ID, &p.Name, &p.Description, &policy, &created, &updated, &p.OwnerID, &pending, &fraud,
		&creditsEnabled, &credit.Micros, &credit.Currency, &senderIDs); err != nil {
		return nil, err
	}
	var err error
	if p.PendingTemplates, err = decodePendingTemplates(pending); err != nil {
		return nil, err
	}
	if p.ApprovedSenderIDs, err = decodeList(senderIDs); err != nil {
		return nil, fmt.Errorf("decode approved sender ids: %w", err)
	}
	if p.Fraud, err = decodeFraud(fraud); err != nil {
		return nil, err
	}
	if creditsEnabled != 0 {
		p.Credits = &credit
	}
	if p.Policy, err = decodePolicy(policy); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &p, nil
}

// CreateProject inserts p; an existing id is ErrConflict.
func (s *Store) CreateProject(ctx context.Context, p *otp.Project) error {
	policy, err := encodePolicy(p.Policy)
	if err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	fraud, err := encodeFraud(p.Fraud)
	if err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	_, err = s.writeExec(ctx,
		`INSERT INTO projects (`+projectColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.ID, p.Name, p.Description, policy, micros(p.CreatedAt), micros(p.UpdatedAt), p.OwnerID, encodePendingTemplates(p.PendingTemplates), fraud)
	return s.dbErr("create project", err)
}

// GetProject returns a project or ErrNotFound.
func (s *Store) GetProject(ctx context.Context, id string) (*otp.Project, error) {
	p, err := scanProject(s.reader.QueryRowContext(ctx,
		`SELECT `+projectRead+` FROM projects WHERE id = $1`, id))
	if err != nil {
		return nil, s.dbErr("get project", err)
	}
	return p, nil
}

// ListProjects returns the projects of f, newest first.
func (s *Store) ListProjects(ctx context.Context, f otp.ProjectFilter) ([]*otp.Project, error) {
	q, args := `SELECT `+projectRead+` FROM projects`, []any{}
	if f.OwnerID != nil {
		q, args = q+` WHERE owner_id = $1`, append(args, *f.OwnerID)
	}
	rows, err := s.reader.QueryContext(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, s.dbErr("list projects", err)
	}
	defer rows.Close()
	var out []*otp.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, s.dbErr("list projects", err)
		}
		out = append(out, p)
	}
	return out, s.dbErr("list projects", rows.Err())
}

// UpdateProject writes every field of p; an unknown id is ErrNotFound.
func (s *Store) UpdateProject(ctx context.Context, p *otp.Project) error {
	policy, err := encodePolicy(p.Policy)
	if err != nil {
		return fmt.Errorf("update project: %w", err)
	}
	res, err := s.writeExec(ctx,
		`UPDATE projects SET name = $2, description = $3, policy = $4, updated_at = $5, pending_templates = $6 WHERE id = $1`,
		p.ID, p.Name, p.Description, policy, micros(p.UpdatedAt), encodePendingTemplates(p.PendingTemplates))
	if err != nil {
		return s.dbErr("update project", err)
	}
	return mustAffect("update project", res)
}

// SetProjectSenderIDs writes the approved sender ids alone, so that an
// owner's concurrent UpdateProject cannot undo the operator's list.
func (s *Store) SetProjectSenderIDs(ctx context.Context, id string, ids []string, at time.Time) error {
	res, err := s.writeExec(ctx, `UPDATE projects SET approved_sender_ids = $2, updated_at = $3 WHERE id = $1`,
		id, encodeList(ids), micros(at))
	if err != nil {
		return s.dbErr("set sender ids", err)
	}
	return mustAffect("set sender ids", res)
}

// DeleteProject deletes a project without applications. The check and the
// delete share a transaction, and the project row is locked first, so an
// application created meanwhile either is seen or fails on its foreign key.
func (s *Store) DeleteProject(ctx context.Context, id string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var found string
		err := tx.QueryRowContext(ctx, `SELECT id FROM projects WHERE id = $1`+s.d.ForUpdate, id).Scan(&found)
		if err != nil {
			return s.dbErr("delete project", err)
		}
		var n int
		err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM applications WHERE project_id = $1`, id).Scan(&n)
		if err != nil {
			return s.dbErr("delete project", err)
		}
		if n > 0 {
			return fmt.Errorf("delete project: %d applications left: %w", n, otp.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM projects WHERE id = $1`, id)
		return s.dbErr("delete project", err)
	})
}

// AddCredits adds amount to the project's balance, turning the balance on
// if it was off, and returns the project. A balance keeps one currency.
func (s *Store) AddCredits(ctx context.Context, projectID string, amount otp.Money) (*otp.Project, error) {
	res, err := s.writeExec(ctx,
		`UPDATE projects SET credits_enabled = 1, credit_micros = credit_micros + $2, credit_currency = $3
		WHERE id = $1 AND (credit_currency = '' OR credit_currency = $3)`,
		projectID, amount.Micros, amount.Currency)
	if err != nil {
		return nil, s.dbErr("add credits", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("add credits: %w", err)
	} else if n == 0 {
		p, err := s.GetProject(ctx, projectID)
		if err != nil {
			return nil, err
		}
		return nil, &otp.Error{Code: otp.CodeConflict, Key: "credit_currency", Field: "currency",
			Message: "the project's balance is in " + p.Credits.Currency}
	}
	return s.GetProject(ctx, projectID)
}
