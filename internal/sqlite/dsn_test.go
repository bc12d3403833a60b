package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPragmas checks the pragmas on several connections of each pool: the
// driver must run them on every connection it opens, not just the first.
func TestPragmas(t *testing.T) {
	ctx := t.Context()
	file := filepath.Join(t.TempDir(), "otpd.db")
	for _, tc := range []struct {
		name string
		dsn  string
		want map[string]string
	}{
		{"writer", writerDSN(file), map[string]string{
			"journal_mode": "wal", "synchronous": "1", "foreign_keys": "1", "busy_timeout": "10000", "query_only": "0",
			"cache_size": "-16384"}},
		// The page caches bound most of otpd's resident memory (memory.go).
		{"reader", readerDSN(file), map[string]string{
			"journal_mode": "wal", "busy_timeout": "10000", "query_only": "1", "cache_size": "-1024"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sql.Open("sqlite", tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var conns []*sql.Conn
			for range 3 {
				c, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
			for i, c := range conns {
				for pragma, want := range tc.want {
					var got string
					if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
						t.Fatalf("PRAGMA %s: %v", pragma, err)
					}
					if got != want {
						t.Errorf("connection %d: %s = %s, want %s", i, pragma, got, want)
					}
				}
				c.Close()
			}
		})
	}

	reader, err := sql.Open("sqlite", readerDSN(file))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := reader.ExecContext(ctx, `CREATE TABLE x (y INTEGER)`); err == nil {
		t.Error("a write through the read pool succeeded, want it refused")
	}
}
