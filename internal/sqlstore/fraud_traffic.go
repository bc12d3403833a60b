package sqlstore

import (
	"context"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// addTraffic adds ts to the fraud traffic history, in the consumer's
// transaction so that each event counts once.
func (s *Store) addTraffic(ctx context.Context, tx *txRunner, ts []otp.TrafficDelta) error {
	for _, t := range ts {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO fraud_traffic (project_id, prefix, country, bucket, sends, verified)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (project_id, prefix, bucket, country) DO UPDATE SET
				sends = fraud_traffic.sends + excluded.sends, verified = fraud_traffic.verified + excluded.verified`,
			t.ProjectID, t.Prefix, t.Country, micros(t.Bucket), t.Sends, t.Verified)
		if err != nil {
			return s.dbErr("add fraud traffic", err)
		}
	}
	return nil
}

// FraudTraffic sums the project's rows in [from, to) under the prefix
// under by their first digits digits and country. The prefix is matched
// as a range, which the primary key serves.
func (s *Store) FraudTraffic(ctx context.Context, projectID string, from, to time.Time, under string, digits int) ([]otp.TrafficCount, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT substr(prefix, 1, $5) AS p, country, SUM(sends), SUM(verified) FROM fraud_traffic
		WHERE project_id = $1 AND prefix >= $2 AND prefix < $3 AND bucket >= $4 AND bucket < $6
		GROUP BY substr(prefix, 1, $5), country ORDER BY p, country`,
		projectID, under, under+"~", micros(from), 1+digits, micros(to))
	if err != nil {
		return nil, s.dbErr("fraud traffic", err)
	}
	defer rows.Close()
	var out []otp.TrafficCount
	for rows.Next() {
		var c otp.TrafficCount
		if err := rows.Scan(&c.Prefix, &c.Country, &c.Sends, &c.Verified); err != nil {
			return nil, s.dbErr("fraud traffic", err)
		}
		out = append(out, c)
	}
	return out, s.dbErr("fraud traffic", rows.Err())
}

// FraudTrafficByHour sums the project's rows in [from, to) under the
// prefix under by country and hour.
func (s *Store) FraudTrafficByHour(ctx context.Context, projectID string, from, to time.Time, under string) ([]otp.TrafficHour, error) {
	const hour = int64(time.Hour / time.Microsecond)
	rows, err := s.reader.QueryContext(ctx,
		`SELECT country, bucket - bucket % $4 AS h, SUM(sends), SUM(verified) FROM fraud_traffic
		WHERE project_id = $1 AND bucket >= $2 AND bucket < $3 AND prefix >= $5 AND prefix < $6
		GROUP BY country, bucket - bucket % $4 ORDER BY country, h`,
		projectID, micros(from), micros(to), hour, under, under+"~")
	if err != nil {
		return nil, s.dbErr("fraud traffic by hour", err)
	}
	defer rows.Close()
	var out []otp.TrafficHour
	for rows.Next() {
		var (
			h otp.TrafficHour
			t int64
		)
		if err := rows.Scan(&h.Country, &t, &h.Sends, &h.Verified); err != nil {
			return nil, s.dbErr("fraud traffic by hour", err)
		}
		h.Hour = fromMicros(t)
		out = append(out, h)
	}
	return out, s.dbErr("fraud traffic by hour", rows.Err())
}

// FraudTrafficProjects returns the projects with rows from from on.
func (s *Store) FraudTrafficProjects(ctx context.Context, from time.Time) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT DISTINCT project_id FROM fraud_traffic WHERE bucket >= $1 ORDER BY project_id`, micros(from))
	if err != nil {
		return nil, s.dbErr("fraud traffic projects", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, s.dbErr("fraud traffic projects", err)
		}
		ids = append(ids, id)
	}
	return ids, s.dbErr("fraud traffic projects", rows.Err())
}
