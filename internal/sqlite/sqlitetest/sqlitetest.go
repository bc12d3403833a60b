// Package sqlitetest gives tests a migrated SQLite database file quickly.
// Migrating a new file runs every migration, which costs about a second
// under the race detector (the SQLite engine is Go translated from C,
// and the detector instruments all of it); a test binary makes hundreds
// of stores. The migrations run once per test process into a template,
// and each test gets a copy of it. Tests of migrating itself open new
// files with sqlite.Open instead. It is for _test.go files only.
package sqlitetest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/otpd/otpd/internal/sqlite"
)

var template struct {
	once  sync.Once
	bytes []byte
	err   error
}

// Path returns the path of a new database file in t.TempDir() holding
// the fully migrated, empty schema, for sqlite.Open or OTPD_DATABASE_URL.
func Path(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "otpd.db")
	WriteTo(t, path)
	return path
}

// WriteTo writes the fully migrated, empty database to path (mode 0600),
// for a server about to open it there, e.g. otpd serve's default file in
// its data directory.
func WriteTo(t testing.TB, path string) {
	t.Helper()
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "otpd-sqlitetest-")
		if err != nil {
			template.err = err
			return
		}
		defer os.RemoveAll(dir)
		file := filepath.Join(dir, "template.db")
		if _, err := sqlite.Migrate(context.Background(), file); err != nil {
			template.err = err
			return
		}
		// Migrate closed its connection, so the write-ahead log is
		// checkpointed into the file and removed: the file is complete.
		if _, err := os.Stat(file + "-wal"); err == nil {
			template.err = os.ErrExist
			return
		}
		template.bytes, template.err = os.ReadFile(file)
	})
	if template.err != nil {
		t.Fatalf("sqlitetest: migrating the template database: %v", template.err)
	}
	if err := os.WriteFile(path, template.bytes, 0o600); err != nil {
		t.Fatal(err)
	}
}
