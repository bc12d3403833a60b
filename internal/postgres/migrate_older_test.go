package postgres_test

import (
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/otpd/otpd/internal/sqlstore"
)

// olderSchema makes a fresh schema with only the migrations numbered below
// first: what an older otpd left. The test fills it through conn, closes
// conn, then opens url (which migrates the rest of the way, as a newer
// otpd would); db stays open on the schema for the test's own queries.
func olderSchema(t *testing.T, first string) (url string, db *sql.DB, conn *sql.Conn) {
	t.Helper()
	url = newSchema(t)
	db, err := sql.Open("pgx", url)
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
	conn, err = db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := sqlstore.Migrate(t.Context(), conn, before); err != nil {
		t.Fatalf("migrate to below %s: %v", first, err)
	}
	return url, db, conn
}
