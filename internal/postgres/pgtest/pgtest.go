// Package pgtest gives each test an empty PostgreSQL schema of its own on
// the server named by OTPD_TEST_POSTGRES_URL. It is for _test.go files only.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver
)

// URL returns OTPD_TEST_POSTGRES_URL, or skips the test when it is not
// set; under CI (CI set) it fails instead, because CI always sets it and
// a silently skipped engine would hide its failures.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("OTPD_TEST_POSTGRES_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("OTPD_TEST_POSTGRES_URL is not set under CI; .ci/run sets it")
		}
		t.Skip("OTPD_TEST_POSTGRES_URL is not set; skipping PostgreSQL tests " +
			"(e.g. OTPD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

// NewSchema creates an empty schema for one test and returns the test URL
// with search_path pointing at it, so tests of several packages and
// parallel tests never see each other's rows. The schema is dropped when
// the test ends.
func NewSchema(t testing.TB) string {
	t.Helper()
	base := URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("OTPD_TEST_POSTGRES_URL must be a postgres:// URL: %v", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is done by now.
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
