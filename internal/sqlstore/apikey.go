package sqlstore

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

const apiKeyColumns = `id, app_id, name, scope, allowed_ips, key_hash, preview, created_at`

func scanAPIKey(row interface{ Scan(...any) error }) (*otp.APIKey, error) {
	var (
		k       otp.APIKey
		ips     string
		created int64
	)
	if err := row.Scan(&k.ID, &k.AppID, &k.Name, &k.Scope, &ips, &k.Hash, &k.Preview, &created); err != nil {
		return nil, err
	}
	if ips != "" {
		for _, s := range strings.Split(ips, ",") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("api key %s: allowed ip %q: %w", k.ID, s, err)
			}
			k.AllowedIPs = append(k.AllowedIPs, p)
		}
	}
	k.CreatedAt = fromMicros(created)
	return &k, nil
}

func allowedIPsText(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// CreateAPIKey inserts k unless its application has max keys already.
// The application's row is locked first (on PostgreSQL; SQLite has one
// writer), so two creations cannot both count max-1 and both insert, and
// a deletion of the application cannot slip in between.
func (s *Store) CreateAPIKey(ctx context.Context, k *otp.APIKey, max int) error {
	return s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var found string
		err := tx.QueryRowContext(ctx, `SELECT id FROM applications WHERE id = $1`+s.d.ForUpdate, k.AppID).Scan(&found)
		if err != nil {
			return s.dbErr("create api key", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE app_id = $1`, k.AppID).Scan(&n); err != nil {
			return s.dbErr("create api key", err)
		}
		if n >= max {
			return fmt.Errorf("create api key: the application has %d keys: %w", n, otp.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			k.ID, k.AppID, k.Name, string(k.Scope), allowedIPsText(k.AllowedIPs), k.Hash, k.Preview, micros(k.CreatedAt))
		return s.dbErr("create api key", err)
	})
}

// GetAPIKeyByHash returns the API key whose hash is keyHash, or ErrNotFound.
func (s *Store) GetAPIKeyByHash(ctx context.Context, keyHash []byte) (*otp.APIKey, error) {
	k, err := scanAPIKey(s.reader.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE key_hash = $1`, keyHash))
	if err != nil {
		return nil, s.dbErr("get api key", err)
	}
	return k, nil
}

// ListAPIKeys returns the API keys of an application, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context, appID string) ([]*otp.APIKey, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE app_id = $1 ORDER BY id`, appID)
	if err != nil {
		return nil, s.dbErr("list api keys", err)
	}
	defer rows.Close()
	var out []*otp.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, s.dbErr("list api keys", err)
		}
		out = append(out, k)
	}
	return out, s.dbErr("list api keys", rows.Err())
}

// DeleteAPIKey deletes the key id of application appID, or returns
// ErrNotFound: another application's key is not found either.
func (s *Store) DeleteAPIKey(ctx context.Context, appID, id string) error {
	res, err := s.writeExec(ctx, `DELETE FROM api_keys WHERE app_id = $1 AND id = $2`, appID, id)
	if err != nil {
		return s.dbErr("delete api key", err)
	}
	return mustAffect("delete api key", res)
}
