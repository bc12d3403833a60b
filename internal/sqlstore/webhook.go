package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

const webhookColumns = `id, app_id, url, events, signing, status, disabled_reason, failing_since, created_at, updated_at,
	include_destination`

func scanWebhook(row interface{ Scan(...any) error }) (*otp.Webhook, error) {
	var (
		w                         otp.Webhook
		events                    string
		failing, created, updated int64
		fullDestination           int
	)
	if err := row.Scan(&w.ID, &w.AppID, &w.URL, &events, &w.Signing, &w.Status, &w.DisabledReason, &failing, &created, &updated,
		&fullDestination); err != nil {
		return nil, err
	}
	w.IncludeDestination = fullDestination != 0
	if events != "" {
		for _, e := range strings.Split(events, ",") {
			w.Events = append(w.Events, otp.EventType(e))
		}
	}
	w.FailingSince, w.CreatedAt, w.UpdatedAt = fromMicros(failing), fromMicros(created), fromMicros(updated)
	return &w, nil
}

func webhookEvents(w *otp.Webhook) string {
	var names []string
	for _, e := range w.Events {
		names = append(names, string(e))
	}
	return strings.Join(names, ",")
}

// CreateWebhook inserts w.
func (s *Store) CreateWebhook(ctx context.Context, w *otp.Webhook) error {
	_, err := s.writeExec(ctx,
		`INSERT INTO webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		w.ID, w.AppID, w.URL, webhookEvents(w), string(w.Signing), string(w.Status), w.DisabledReason,
		micros(w.FailingSince), micros(w.CreatedAt), micros(w.UpdatedAt), boolInt(w.IncludeDestination))
	return s.dbErr("create webhook", err)
}

// GetWebhook returns the endpoint id, or ErrNotFound.
func (s *Store) GetWebhook(ctx context.Context, id string) (*otp.Webhook, error) {
	w, err := scanWebhook(s.reader.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if err != nil {
		return nil, s.dbErr("get webhook", err)
	}
	return w, nil
}

// ListWebhooks returns the endpoints of an application, or of every one
// for appID "", oldest first.
func (s *Store) ListWebhooks(ctx context.Context, appID string) ([]*otp.Webhook, error) {
	q := `SELECT ` + webhookColumns + ` FROM webhooks`
	var args []any
	if appID != "" {
		q += ` WHERE app_id = $1`
		args = append(args, appID)
	}
	rows, err := s.reader.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, s.dbErr("list webhooks", err)
	}
	defer rows.Close()
	var out []*otp.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, s.dbErr("list webhooks", err)
		}
		out = append(out, w)
	}
	return out, s.dbErr("list webhooks", rows.Err())
}

// UpdateWebhook writes w back, or returns ErrNotFound.
func (s *Store) UpdateWebhook(ctx context.Context, w *otp.Webhook) error {
	res, err := s.writeExec(ctx,
		`UPDATE webhooks SET url = $2, events = $3, signing = $4, status = $5, disabled_reason = $6,
			failing_since = $7, updated_at = $8, include_destination = $9 WHERE id = $1`,
		w.ID, w.URL, webhookEvents(w), string(w.Signing), string(w.Status), w.DisabledReason,
		micros(w.FailingSince), micros(w.UpdatedAt), boolInt(w.IncludeDestination))
	if err != nil {
		return s.dbErr("update webhook", err)
	}
	return rowsOrNotFound(res, "update webhook")
}

// DeleteWebhook removes the endpoint with its deliveries and their log.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		for _, q := range []string{
			`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)`,
			`DELETE FROM webhook_deliveries WHERE webhook_id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return s.dbErr("delete webhook", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
		if err != nil {
			return s.dbErr("delete webhook", err)
		}
		return rowsOrNotFound(res, "delete webhook")
	})
}

func rowsOrNotFound(res interface{ RowsAffected() (int64, error) }, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return otp.ErrNotFound
	}
	return nil
}

// boolInt stores a flag as 0 or 1, the same on both engines.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
