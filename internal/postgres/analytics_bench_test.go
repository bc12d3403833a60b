package postgres_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/otpd/otpd/internal/postgres"
	"github.com/otpd/otpd/internal/storetest"
)

// BenchmarkAnalytics seeds a PostgreSQL schema with two million
// verifications (OTPD_BENCH_VERIFICATIONS) and measures the analytics and
// log reads on it: make bench-analytics with OTPD_TEST_POSTGRES_URL set.
func BenchmarkAnalytics(b *testing.B) {
	base := os.Getenv("OTPD_TEST_POSTGRES_URL")
	if base == "" {
		b.Skip("OTPD_TEST_POSTGRES_URL is not set; skipping the PostgreSQL analytics benchmark")
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	schema := "bench_" + hex.EncodeToString(randomBytes(6))
	if _, err := admin.ExecContext(b.Context(), `CREATE SCHEMA `+schema); err != nil {
		b.Fatal(err)
	}
	// OTPD_BENCH_POSTGRES_KEEP=1 keeps the seeded schema, to look into
	// query plans after the run.
	if os.Getenv("OTPD_BENCH_POSTGRES_KEEP") == "1" {
		b.Logf("keeping schema %s", schema)
	} else {
		defer admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()

	st, err := postgres.Open(b.Context(), u.String())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// The bulk seed's session sorts its index builds in memory and does
	// not wait for the WAL to reach the disk: the data is thrown away.
	q.Set("maintenance_work_mem", "512MB")
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchAnalytics(b, st, db, storetest.PostgresEngine)
	// Fresh bulk rows have no planner statistics until autovacuum runs;
	// a long-lived database has them, so the measurements above are the
	// pessimistic case.
}
