package sqlite_test

import (
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/otpd/otpd/internal/sqlstore"
)

// olderDatabase makes a SQLite database under t.TempDir() with only the
// migrations numbered below first: the schema an older otpd left. The test
// fills it through conn, then calls closeDB before it migrates path the
// rest of the way, as a newer otpd would.
func olderDatabase(t *testing.T, first string) (path string, conn *sql.Conn, closeDB func()) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "otpd.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	before := fstest.MapFS{}
	err = fs.WalkDir(os.DirFS("migrations"), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || name >= first {
			return err
		}
		b, err := os.ReadFile(filepath.Join("migrations", name))
		before[name] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if conn, err = db.Conn(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlstore.Migrate(t.Context(), conn, before); err != nil {
		t.Fatalf("migrate to the one before %s: %v", first, err)
	}
	return path, conn, func() {
		conn.Close()
		db.Close()
	}
}
