package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/storetest"
)

// BenchmarkAnalytics seeds a SQLite database with two million
// verifications (OTPD_BENCH_VERIFICATIONS) and measures the analytics and
// log reads on it: make bench-analytics.
func BenchmarkAnalytics(b *testing.B) {
	path := filepath.Join(b.TempDir(), "analytics.db")
	// OTPD_BENCH_SQLITE_PATH keeps the seeded database, to look into
	// query plans after the run; the file must not exist yet.
	if keep := os.Getenv("OTPD_BENCH_SQLITE_PATH"); keep != "" {
		if _, err := os.Stat(keep); err == nil {
			b.Fatalf("OTPD_BENCH_SQLITE_PATH=%s exists; the seed needs a new file", keep)
		}
		path = keep
	}
	st, err := sqlite.Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// The bulk seed writes on a connection of its own, without fsyncs:
	// the data is thrown away after the run.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)&_pragma=cache_size(-262144)&_pragma=temp_store(MEMORY)&_pragma=threads(4)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	storetest.BenchAnalytics(b, st, db, storetest.SQLiteEngine)
}
