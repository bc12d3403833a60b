package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

const usageColumns = `event_id, owner_id, project_id, app_id, environment, channel, country, cost_micros, cost_currency, created_at`

// recordUsage writes rs to the usage ledger, skipping the messages it
// holds already, and takes the cost of the rows it wrote from their
// projects' balances (those that are on, in the balance's currency). The
// ledger's key on the event is what charges each message once: the
// consumer and an application's deletion may both record the same event
// when they race, and only the first write counts.
func (s *Store) recordUsage(ctx context.Context, tx *txRunner, rs []otp.UsageRecord) error {
	type balance struct{ project, currency string }
	charges := map[balance]int64{}
	var order []balance
	for _, r := range rs {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO usage_ledger (`+usageColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (event_id) DO NOTHING`,
			r.EventID, r.OwnerID, r.ProjectID, r.AppID, string(r.Environment), string(r.Channel), r.Country,
			r.Cost.Micros, r.Cost.Currency, micros(r.At))
		if err != nil {
			return s.dbErr("record usage", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return s.dbErr("record usage", err)
		}
		if n == 0 || r.Cost.Micros == 0 {
			continue
		}
		k := balance{r.ProjectID, r.Cost.Currency}
		if _, ok := charges[k]; !ok {
			order = append(order, k)
		}
		charges[k] += r.Cost.Micros
	}
	for _, k := range order {
		_, err := tx.ExecContext(ctx,
			`UPDATE projects SET credit_micros = credit_micros - $2
			WHERE id = $1 AND credits_enabled = 1 AND credit_currency = $3`,
			k.project, charges[k], k.currency)
		if err != nil {
			return s.dbErr("charge credits", err)
		}
	}
	return nil
}

// unconsumedUsage is the ledger rows of the application's otp.sent events
// (none if the application is not otp.InLedger) the consumer has not
// taken yet, read in the deletion's transaction
// (after the application's row is locked) so that none is dropped. They
// are in the consumer's order, so that where both record the same
// messages they insert them in the same order and neither waits on the
// other while holding a row the other waits for.
func (s *Store) unconsumedUsage(ctx context.Context, tx *txRunner, appID string) ([]otp.UsageRecord, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT e.id, p.owner_id, a.project_id, e.app_id, a.environment, e.channel, e.country, e.cost_micros, e.cost_currency, e.created_at
		FROM events e JOIN applications a ON a.id = e.app_id JOIN projects p ON p.id = a.project_id
		WHERE e.app_id = $1 AND e.type = 'otp.sent' AND `+s.unconsumed()+` ORDER BY `+s.d.Events.Order, appID)
	if err != nil {
		return nil, s.dbErr("unconsumed usage", err)
	}
	defer rows.Close()
	usage, err := s.scanUsage(rows, "unconsumed usage")
	return slices.DeleteFunc(usage, func(r otp.UsageRecord) bool { return !otp.InLedger(r.Environment) }), err
}

// scanUsage reads ledger rows selected as usageColumns.
func (s *Store) scanUsage(rows *sql.Rows, op string) ([]otp.UsageRecord, error) {
	var out []otp.UsageRecord
	for rows.Next() {
		var (
			r        otp.UsageRecord
			env, ch  string
			accepted int64
		)
		if err := rows.Scan(&r.EventID, &r.OwnerID, &r.ProjectID, &r.AppID, &env, &ch, &r.Country,
			&r.Cost.Micros, &r.Cost.Currency, &accepted); err != nil {
			return nil, s.dbErr(op, err)
		}
		r.Environment, r.Channel, r.At = otp.Environment(env), otp.Channel(ch), fromMicros(accepted)
		out = append(out, r)
	}
	return out, s.dbErr(op, rows.Err())
}

// CountOwnerMessages counts the messages of live applications in the
// owner's ledger accepted at since or later.
func (s *Store) CountOwnerMessages(ctx context.Context, ownerID string, since time.Time) (int, error) {
	var n int
	err := s.reader.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM usage_ledger WHERE owner_id = $1 AND created_at >= $2 AND environment = 'live'`,
		ownerID, micros(since)).Scan(&n)
	return n, s.dbErr("count owner messages", err)
}

// ListOwnerUsage returns the owner's ledger rows accepted in [from, to),
// oldest first, up to limit of them.
func (s *Store) ListOwnerUsage(ctx context.Context, ownerID string, from, to time.Time, limit int) ([]otp.UsageRecord, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT `+usageColumns+` FROM usage_ledger WHERE owner_id = $1 AND created_at >= $2 AND created_at < $3
		ORDER BY created_at, event_id`+limitClause(limit), ownerID, micros(from), micros(to))
	if err != nil {
		return nil, s.dbErr("list owner usage", err)
	}
	defer rows.Close()
	return s.scanUsage(rows, "list owner usage")
}
