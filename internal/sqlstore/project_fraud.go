package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// encodeFraud is the stored form of a project's fraud settings: their
// JSON (the domain's struct names its fields for this).
func encodeFraud(f otp.FraudSettings) (string, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("encode fraud settings: %w", err)
	}
	return string(b), nil
}

// decodeFraud reads the stored settings; the empty string (a project from before
// migration 0031) is the zero settings.
func decodeFraud(s string) (otp.FraudSettings, error) {
	var f otp.FraudSettings
	if s == "" {
		return f, nil
	}
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return f, fmt.Errorf("decode fraud settings: %w", err)
	}
	return f, nil
}

// UpdateProjectFraud reads the fraud settings under the project's row
// lock, applies change and writes them alone, so that two setters of
// different sections, or an owner's UpdateProject, never undo each other.
func (s *Store) UpdateProjectFraud(ctx context.Context, id string, change func(*otp.FraudSettings) error, at time.Time) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var stored string
		err := tx.QueryRowContext(ctx, `SELECT fraud FROM projects WHERE id = $1`+s.d.ForUpdate, id).Scan(&stored)
		if err != nil {
			return s.dbErr("update fraud settings", err)
		}
		f, err := decodeFraud(stored)
		if err != nil {
			return err
		}
		if err := change(&f); err != nil {
			return err
		}
		next, err := encodeFraud(f)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE projects SET fraud = $2, updated_at = $3 WHERE id = $1`, id, next, micros(at))
		return s.dbErr("update fraud settings", err)
	})
}
