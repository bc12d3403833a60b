package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// statsWhere is the WHERE clause of f over daily_stats, its arguments
// starting at $1.
func statsWhere(f otp.StatsFilter, fromDay, toDay int64) (string, []any) {
	where := []string{"day >= $1", "day <= $2"}
	args := []any{fromDay, toDay}
	add := func(col string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if f.AppID != "" {
		add("app_id", f.AppID)
	} else if f.OwnerID != nil {
		var owner argList = args
		where = append(where, ownerAppsCondition("app_id", *f.OwnerID, &owner))
		args = owner
	}
	if f.Channel != "" {
		add("channel", string(f.Channel))
	}
	if f.Country != "" {
		add("country", f.Country)
	}
	return strings.Join(where, " AND "), args
}

const statsSums = `CAST(COALESCE(SUM(created), 0) AS BIGINT), CAST(COALESCE(SUM(sent), 0) AS BIGINT),
	CAST(COALESCE(SUM(verified), 0) AS BIGINT), CAST(COALESCE(SUM(failed), 0) AS BIGINT),
	CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT), COALESCE(MAX(cost_currency), '')`

func scanTotals(row interface{ Scan(...any) error }, key *string) (otp.StatsTotals, error) {
	var t otp.StatsTotals
	dest := []any{&t.Created, &t.Sent, &t.Verified, &t.Failed, &t.Cost.Micros, &t.Cost.Currency}
	if key != nil {
		dest = append([]any{key}, dest...)
	}
	if err := row.Scan(dest...); err != nil {
		return t, err
	}
	if key != nil {
		t.Key = *key
	}
	return t, nil
}

// StatsSummary adds up the rollup rows of f, in total, by channel and by
// country, and counts the applications and the users active in the period.
// The rollup is read once, grouped by channel and country (a few hundred
// groups at most), and the three views are added up here: three GROUP BYs
// would each read the period's rows again.
func (s *Store) StatsSummary(ctx context.Context, f otp.StatsFilter, fromDay, toDay int64) (*otp.Summary, error) {
	where, args := statsWhere(f, fromDay, toDay)
	rows, err := s.reader.QueryContext(ctx, `SELECT channel, country, `+statsSums+` FROM daily_stats WHERE `+where+
		` GROUP BY channel, country`, args...)
	if err != nil {
		return nil, s.dbErr("stats summary", err)
	}
	var groups []statsGroup
	for rows.Next() {
		var g statsGroup
		if err := rows.Scan(&g.channel, &g.country, &g.Created, &g.Sent, &g.Verified, &g.Failed, &g.Cost.Micros, &g.Cost.Currency); err != nil {
			rows.Close()
			return nil, s.dbErr("stats summary", err)
		}
		groups = append(groups, g)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, s.dbErr("stats summary", err)
	}
	sum := &otp.Summary{
		ByChannel: addUp(groups, func(g statsGroup) string { return g.channel }),
		ByCountry: addUp(groups, func(g statsGroup) string { return g.country }),
	}
	if all := addUp(groups, func(statsGroup) string { return "" }); len(all) == 1 {
		sum.Totals = all[0]
	}
	appQ, appArgs := `SELECT COUNT(*) FROM applications`, []any{}
	userQ := `SELECT COUNT(*) FROM users WHERE last_verified >= $1 AND last_verified < $2`
	userArgs := []any{fromDay * 86400 * 1_000_000, (toDay + 1) * 86400 * 1_000_000}
	switch {
	case f.AppID != "":
		appQ, appArgs = appQ+` WHERE id = $1`, []any{f.AppID}
		userQ, userArgs = userQ+` AND app_id = $3`, append(userArgs, f.AppID)
	case f.OwnerID != nil:
		var a, u argList = nil, userArgs
		appQ = appQ + ` WHERE ` + ownerAppsCondition("id", *f.OwnerID, &a)
		userQ = userQ + ` AND ` + ownerAppsCondition("app_id", *f.OwnerID, &u)
		appArgs, userArgs = a, u
	}
	if err := s.reader.QueryRowContext(ctx, appQ, appArgs...).Scan(&sum.Applications); err != nil {
		return nil, s.dbErr("stats summary", err)
	}
	if err := s.reader.QueryRowContext(ctx, userQ, userArgs...).Scan(&sum.ActiveUsers); err != nil {
		return nil, s.dbErr("stats summary", err)
	}
	return sum, nil
}

// StatsByDay returns the days of the period that have counters, in order.
func (s *Store) StatsByDay(ctx context.Context, f otp.StatsFilter, fromDay, toDay int64) ([]otp.DayStats, error) {
	where, args := statsWhere(f, fromDay, toDay)
	rows, err := s.reader.QueryContext(ctx,
		`SELECT day, CAST(SUM(sent) AS BIGINT), CAST(SUM(verified) AS BIGINT), CAST(SUM(failed) AS BIGINT)
		FROM daily_stats WHERE `+where+` GROUP BY day ORDER BY day`, args...)
	if err != nil {
		return nil, s.dbErr("stats by day", err)
	}
	defer rows.Close()
	var out []otp.DayStats
	for rows.Next() {
		var (
			d   otp.DayStats
			day int64
		)
		if err := rows.Scan(&day, &d.Sent, &d.Verified, &d.Failed); err != nil {
			return nil, s.dbErr("stats by day", err)
		}
		d.Day = fromMicros(day * 86400 * 1_000_000).UTC()
		out = append(out, d)
	}
	return out, s.dbErr("stats by day", rows.Err())
}

// statsGroup is the rollup of one channel and country over a period.
type statsGroup struct {
	otp.StatsTotals
	channel, country string
}

// breakdownRows bounds a breakdown, as the reports show it.
const breakdownRows = 50

// addUp adds groups up by key, the most created first (then by key), at
// most breakdownRows of them.
func addUp(groups []statsGroup, key func(statsGroup) string) []otp.StatsTotals {
	at := map[string]int{}
	var out []otp.StatsTotals
	for _, g := range groups {
		k := key(g)
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, otp.StatsTotals{Key: k})
		}
		t := &out[i]
		t.Created += g.Created
		t.Sent += g.Sent
		t.Verified += g.Verified
		t.Failed += g.Failed
		t.Cost.Micros += g.Cost.Micros
		t.Cost.Currency = max(t.Cost.Currency, g.Cost.Currency) // as MAX(cost_currency) did
	}
	slices.SortFunc(out, func(a, b otp.StatsTotals) int {
		if a.Created != b.Created {
			return cmp.Compare(b.Created, a.Created)
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out[:min(len(out), breakdownRows)]
}
