package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

const applicationColumns = `id, project_id, name, environment, status, client_id, public_key,
	api_key_hash, api_key_preview, client_secret_hash, client_secret_preview, webhook_secret_sealed,
	created_at, updated_at, prev_api_key_hash, prev_api_key_until, prev_client_secret_hash, prev_client_secret_until,
	prev_webhook_secret_sealed, prev_webhook_secret_until, allowed_origins, return_urls, operator_disabled`

func scanApplication(row interface{ Scan(...any) error }) (*otp.Application, error) {
	var (
		a                                         otp.Application
		created, updated                          int64
		prevKeyUntil, prevUntil, prevWebhookUntil int64
		origins, returnURLs                       string
		operatorDisabled                          int64
	)
	err := row.Scan(&a.ID, &a.ProjectID, &a.Name, &a.Environment, &a.Status, &a.ClientID, &a.PublicKey,
		&a.APIKeyHash, &a.APIKeyPreview, &a.ClientSecretHash, &a.ClientSecretPreview, &a.WebhookSecretSealed,
		&created, &updated, &a.PrevAPIKeyHash, &prevKeyUntil, &a.PrevClientSecretHash, &prevUntil,
		&a.PrevWebhookSecretSealed, &prevWebhookUntil, &origins, &returnURLs, &operatorDisabled)
	if err != nil {
		return nil, err
	}
	if a.AllowedOrigins, err = decodeList(origins); err != nil {
		return nil, fmt.Errorf("allowed origins of %s: %w", a.ID, err)
	}
	if a.ReturnURLs, err = decodeList(returnURLs); err != nil {
		return nil, fmt.Errorf("return urls of %s: %w", a.ID, err)
	}
	a.APIKeyHash = emptyToNil(a.APIKeyHash)
	a.ClientSecretHash = emptyToNil(a.ClientSecretHash)
	a.PrevAPIKeyHash = emptyToNil(a.PrevAPIKeyHash)
	a.PrevClientSecretHash = emptyToNil(a.PrevClientSecretHash)
	a.PrevAPIKeyUntil, a.PrevClientSecretUntil = fromMicros(prevKeyUntil), fromMicros(prevUntil)
	a.WebhookSecretSealed = emptyToNil(a.WebhookSecretSealed)
	a.PrevWebhookSecretSealed, a.PrevWebhookSecretUntil = emptyToNil(a.PrevWebhookSecretSealed), fromMicros(prevWebhookUntil)
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	a.OperatorDisabled = operatorDisabled != 0
	return &a, nil
}

// CreateApplication inserts a; an existing id, client id, public key or
// API key is ErrConflict.
func (s *Store) CreateApplication(ctx context.Context, a *otp.Application) error {
	return s.dbErr("create application", s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		return insertApplication(ctx, tx, a)
	}))
}

// insertApplication writes the row of a new application.
func insertApplication(ctx context.Context, tx *txRunner, a *otp.Application) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO applications (`+applicationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
		a.ID, a.ProjectID, a.Name, string(a.Environment), string(a.Status), a.ClientID, a.PublicKey,
		nullBytes(a.APIKeyHash), a.APIKeyPreview, nullBytes(a.ClientSecretHash), a.ClientSecretPreview,
		nullBytes(a.WebhookSecretSealed), micros(a.CreatedAt), micros(a.UpdatedAt),
		nullBytes(a.PrevAPIKeyHash), micros(a.PrevAPIKeyUntil), nullBytes(a.PrevClientSecretHash), micros(a.PrevClientSecretUntil),
		nullBytes(a.PrevWebhookSecretSealed), micros(a.PrevWebhookSecretUntil),
		encodeList(a.AllowedOrigins), encodeList(a.ReturnURLs), boolInt(a.OperatorDisabled))
	return err
}

// GetApplication returns an application or ErrNotFound.
func (s *Store) GetApplication(ctx context.Context, id string) (*otp.Application, error) {
	a, err := scanApplication(s.reader.QueryRowContext(ctx,
		`SELECT `+applicationColumns+` FROM applications WHERE id = $1`, id))
	if err != nil {
		return nil, s.dbErr("get application", err)
	}
	return a, nil
}

// GetApplicationByAPIKey returns the application whose API key hashes to
// keyHash, or ErrNotFound.
func (s *Store) GetApplicationByAPIKey(ctx context.Context, keyHash []byte) (*otp.Application, error) {
	if len(keyHash) == 0 {
		return nil, s.dbErr("get application by api key", sql.ErrNoRows)
	}
	a, err := scanApplication(s.reader.QueryRowContext(ctx,
		`SELECT `+applicationColumns+` FROM applications WHERE api_key_hash = $1`, keyHash))
	if errors.Is(err, sql.ErrNoRows) {
		// A key rotated with a grace period; the caller checks the period.
		a, err = scanApplication(s.reader.QueryRowContext(ctx,
			`SELECT `+applicationColumns+` FROM applications WHERE prev_api_key_hash = $1`, keyHash))
	}
	if err != nil {
		return nil, s.dbErr("get application by api key", err)
	}
	return a, nil
}

// GetApplicationByPublicKey returns the application whose public key is
// key, or ErrNotFound.
func (s *Store) GetApplicationByPublicKey(ctx context.Context, key string) (*otp.Application, error) {
	a, err := scanApplication(s.reader.QueryRowContext(ctx,
		`SELECT `+applicationColumns+` FROM applications WHERE public_key = $1`, key))
	if err != nil {
		return nil, s.dbErr("get application by public key", err)
	}
	return a, nil
}

// ListApplications returns the applications of f.ProjectID, or all of
// them if it is empty, newest first.
func (s *Store) ListApplications(ctx context.Context, f otp.ApplicationFilter) ([]*otp.Application, error) {
	q := `SELECT ` + applicationColumns + ` FROM applications WHERE 1 = 1`
	var args []any
	if f.ProjectID != "" {
		args = append(args, f.ProjectID)
		q += fmt.Sprintf(` AND project_id = $%d`, len(args))
	}
	if f.OwnerID != nil {
		args = append(args, *f.OwnerID)
		q += fmt.Sprintf(` AND project_id IN (SELECT id FROM projects WHERE owner_id = $%d)`, len(args))
	}
	rows, err := s.reader.QueryContext(ctx, q+` ORDER BY id DESC`, args...)
	if err != nil {
		return nil, s.dbErr("list applications", err)
	}
	defer rows.Close()
	var out []*otp.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, s.dbErr("list applications", err)
		}
		out = append(out, a)
	}
	return out, s.dbErr("list applications", rows.Err())
}

// UpdateApplication writes the changeable fields of a: name, status,
// credentials and updated_at. ProjectID and Environment are fixed at
// creation and not written. An unknown id is ErrNotFound.
func (s *Store) UpdateApplication(ctx context.Context, a *otp.Application) error {
	res, err := s.writeExec(ctx,
		`UPDATE applications SET name = $2, status = $3, client_id = $4, public_key = $5,
			api_key_hash = $6, api_key_preview = $7, client_secret_hash = $8, client_secret_preview = $9,
			webhook_secret_sealed = $10, updated_at = $11, prev_api_key_hash = $12, prev_api_key_until = $13,
			prev_client_secret_hash = $14, prev_client_secret_until = $15,
			prev_webhook_secret_sealed = $16, prev_webhook_secret_until = $17,
			allowed_origins = $18, return_urls = $19
		WHERE id = $1`,
		a.ID, a.Name, string(a.Status), a.ClientID, a.PublicKey,
		nullBytes(a.APIKeyHash), a.APIKeyPreview, nullBytes(a.ClientSecretHash), a.ClientSecretPreview,
		nullBytes(a.WebhookSecretSealed), micros(a.UpdatedAt),
		nullBytes(a.PrevAPIKeyHash), micros(a.PrevAPIKeyUntil), nullBytes(a.PrevClientSecretHash), micros(a.PrevClientSecretUntil),
		nullBytes(a.PrevWebhookSecretSealed), micros(a.PrevWebhookSecretUntil),
		encodeList(a.AllowedOrigins), encodeList(a.ReturnURLs))
	if err != nil {
		return s.dbErr("update application", err)
	}
	return mustAffect("update application", res)
}

// SetApplicationOperatorDisabled sets the operator's hold alone, so that
// an owner's concurrent UpdateApplication cannot undo it.
func (s *Store) SetApplicationOperatorDisabled(ctx context.Context, id string, disabled bool, at time.Time) error {
	res, err := s.writeExec(ctx, `UPDATE applications SET operator_disabled = $2, updated_at = $3 WHERE id = $1`,
		id, boolInt(disabled), micros(at))
	if err != nil {
		return s.dbErr("set operator hold", err)
	}
	return mustAffect("set operator hold", res)
}

// DeleteApplication deletes the application and all it owns. With
// Tombstones, the application is marked deleting first and the creations
// that may not have seen the mark waited out (application_tombstone.go);
// otherwise the application row is locked first, so a verification
// created meanwhile fails on its foreign key. Verifications are deleted
// before the rows written beside them, so that a change committed while
// this transaction waited on a verification's lock leaves no orphans
// behind.
func (s *Store) DeleteApplication(ctx context.Context, id string) error {
	if s.d.Tombstones {
		if err := s.markDeleting(ctx, id); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var found string
		err := tx.QueryRowContext(ctx, `SELECT id FROM applications WHERE id = $1`+s.d.ForUpdate, id).Scan(&found)
		if err != nil {
			return s.dbErr("delete application", err)
		}
		// The messages sent belong to the owner's ledger, not to the
		// application: those the consumer has not taken yet are recorded
		// and charged before their events go.
		usage, err := s.unconsumedUsage(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.recordUsage(ctx, tx, usage); err != nil {
			return err
		}
		for _, q := range []string{
			// Sessions first: a session's writer locks it before its verification.
			`DELETE FROM verification_sessions WHERE app_id = $1`,
			`DELETE FROM verify_tokens WHERE app_id = $1`,
			`DELETE FROM verifications WHERE app_id = $1`,
			`DELETE FROM outbox WHERE app_id = $1`,
			`DELETE FROM events WHERE app_id = $1`,
			`DELETE FROM messages WHERE app_id = $1`,
			`DELETE FROM idempotency WHERE app_id = $1`,
			`DELETE FROM users WHERE app_id = $1`,
			`DELETE FROM daily_stats WHERE app_id = $1`,
			`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE app_id = $1)`,
			`DELETE FROM webhook_deliveries WHERE app_id = $1`,
			`DELETE FROM webhooks WHERE app_id = $1`,
			`DELETE FROM api_keys WHERE app_id = $1`,
			`DELETE FROM applications WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return s.dbErr("delete application", err)
			}
		}
		return nil
	})
}

// encodeList is the stored form of a list of strings: a JSON array, or
// "" for an empty list.
func encodeList(list []string) string {
	if len(list) == 0 {
		return ""
	}
	b, _ := json.Marshal(list) // a []string always encodes
	return string(b)
}

// decodeList reads what encodeList wrote; "" is nil.
func decodeList(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var list []string
	err := json.Unmarshal([]byte(s), &list)
	return list, err
}

// NextMessageNumber takes the next number of the application's manual
// sends: the row's update is atomic on both engines, so concurrent callers
// each get their own number.
func (s *Store) NextMessageNumber(ctx context.Context, appID string) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		err := tx.QueryRowContext(ctx,
			`UPDATE applications SET message_seq = message_seq + 1 WHERE id = $1 RETURNING message_seq`, appID).Scan(&n)
		return s.dbErr("next message number", err)
	})
	return n, err
}
