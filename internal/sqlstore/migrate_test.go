package sqlstore

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	_ "modernc.org/sqlite" // the runner needs a real database; SQLite needs no server
)

func openConn(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestMigrate(t *testing.T) {
	ctx := t.Context()
	conn := openConn(t)
	fsys := fstest.MapFS{
		"0002_second.sql": file(`ALTER TABLE a ADD COLUMN y INTEGER; INSERT INTO a (x, y) VALUES (1, 2);`),
		"0001_first.sql":  file(`CREATE TABLE a (x INTEGER);`),
		"README.md":       file(`not a migration`),
	}
	applied, err := Migrate(ctx, conn, fsys)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if want := []string{"0001_first", "0002_second"}; !slices.Equal(applied, want) {
		t.Errorf("applied %v, want %v in version order", applied, want)
	}
	applied, err = Migrate(ctx, conn, fsys)
	if err != nil || len(applied) != 0 {
		t.Errorf("second Migrate = %v, %v; want nothing applied", applied, err)
	}

	// A failing migration leaves no trace and is retried next time.
	fsys["0003_broken.sql"] = file(`INSERT INTO a (x, y) VALUES (3, 4); INSERT INTO missing VALUES (1);`)
	if _, err := Migrate(ctx, conn, fsys); err == nil || !strings.Contains(err.Error(), "0003_broken") {
		t.Fatalf("Migrate with a broken migration = %v, want an error naming it", err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM a`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows in a after a failed migration = %d, %v; want 1", n, err)
	}
	fsys["0003_broken.sql"] = file(`INSERT INTO a (x, y) VALUES (3, 4);`)
	applied, err = Migrate(ctx, conn, fsys)
	if err != nil || !slices.Equal(applied, []string{"0003_broken"}) {
		t.Errorf("Migrate after the fix = %v, %v; want 0003_broken applied", applied, err)
	}
}

func TestMigrateRejectsBadNames(t *testing.T) {
	for _, fsys := range []fstest.MapFS{
		{"first.sql": file(`SELECT 1;`)},
		{"0001.sql": file(`SELECT 1;`)},
		{"0000_zero.sql": file(`SELECT 1;`)},
		{"0001_a.sql": file(`SELECT 1;`), "001_b.sql": file(`SELECT 1;`)},
	} {
		if _, err := Migrate(t.Context(), openConn(t), fsys); err == nil {
			t.Errorf("Migrate(%v) succeeded, want an error", fsys)
		}
	}
}

func TestMicros(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Date(2031, 3, 14, 15, 9, 26, 535897000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 1000, time.UTC),
	} {
		if got := fromMicros(micros(tm)); !got.Equal(tm) || got.Location() != time.UTC && !tm.IsZero() {
			t.Errorf("fromMicros(micros(%v)) = %v", tm, got)
		}
	}
	if micros(time.Time{}) != 0 {
		t.Errorf("micros(zero) = %d, want 0", micros(time.Time{}))
	}
}
