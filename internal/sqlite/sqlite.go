// Package sqlite is otpd's embedded database: one SQLite file in WAL mode
// (modernc.org/sqlite, pure Go), served by the shared queries of sqlstore.
// otpd needs nothing else to run.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/otpd/otpd/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens the database at path, creating the file if needed, applies
// pending migrations and returns the store. path is a file system path
// ("otpd.db", "/var/lib/otpd/otpd.db") or a URL of the form sqlite:PATH,
// sqlite://PATH, file:PATH or file://PATH, whose PATH is percent-decoded
// ("sqlite:///var/lib/otpd/otpd.db" is the absolute path). Query
// parameters are refused: otpd sets the pragmas it relies on itself.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	s, _, err := open(ctx, path)
	return s, err
}

// open is Open that also returns the store's one write connection, which
// the store owns; tests change its per-connection settings through it.
func open(ctx context.Context, path string) (*sqlstore.Store, *sql.DB, error) {
	file, err := filePath(path)
	if err != nil {
		return nil, nil, err
	}
	write, err := openWriter(file)
	if err != nil {
		return nil, nil, err
	}
	if _, err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, nil, err
	}

	read, err := sql.Open("sqlite", readerDSN(file))
	if err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		read.Close()
		write.Close()
		return nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	// The checkpointer has a connection of its own: on the writer's it
	// would wait behind the group commits, which is what it is to avoid.
	checkpointer, err := sql.Open("sqlite", checkpointerDSN(file))
	if err != nil {
		read.Close()
		write.Close()
		return nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	checkpointer.SetMaxOpenConns(1)
	d := dialect
	d.Background = func(ctx context.Context, committed <-chan struct{}) {
		defer checkpointer.Close()
		checkpointLoop(ctx, passiveCheckpoint(checkpointer), committed)
	}
	return sqlstore.New(write, read, d), write, nil
}

// Migrate applies the pending migrations to the database at path (in the
// forms Open accepts), creating the file if needed, and returns the names
// of the migrations it applied.
func Migrate(ctx context.Context, path string) ([]string, error) {
	file, err := filePath(path)
	if err != nil {
		return nil, err
	}
	write, err := openWriter(file)
	if err != nil {
		return nil, err
	}
	defer write.Close()
	return migrate(ctx, write)
}

// openWriter opens the one writing connection of file, creating the file
// if needed.
func openWriter(file string) (*sql.DB, error) {
	// The file holds sealed codes and the test inbox: keep it private.
	// SQLite gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()

	// One writing connection: SQLite allows one writer at a time anyway,
	// and queueing writers in database/sql instead of in SQLite means they
	// never see SQLITE_BUSY.
	write, err := sql.Open("sqlite", writerDSN(file))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	return write, nil
}

// migrate applies the embedded migrations through the write handle.
func migrate(ctx context.Context, db *sql.DB) ([]string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer conn.Close()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	applied, err := sqlstore.Migrate(ctx, conn, sub)
	if err != nil {
		return applied, fmt.Errorf("sqlite: %w", err)
	}
	return applied, nil
}

// dialect is what the SQLite engine needs from the shared queries. It has
// no row locks to take: the single write connection serialises writers.
var dialect = sqlstore.Dialect{
	System:      "sqlite",
	GroupCommit: true,
	// The one writer commits events in seq order, and seq is never given
	// twice (AUTOINCREMENT): every event up to the newest committed seq
	// is final, and the rowid is the order.
	Events: sqlstore.EventOrder{Tx: "0", After: "e.seq > $2", Order: "e.seq"},
	IsUniqueViolation: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) &&
			(e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	IsUnavailable: isUnavailable,
}

// isUnavailable reports SQLite's errors that mean the file cannot serve
// now, whatever the statement: the disk (or max_page_count) is full, the
// disk failed to read or write, another process held the lock past
// busy_timeout, the file became read-only or could not be opened.
// Extended codes carry the primary code in their low byte.
func isUnavailable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED,
		sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM:
		return true
	}
	return false
}

// filePath turns the forms Open accepts into an absolute file path.
func filePath(s string) (string, error) {
	p := s
	for _, scheme := range []string{"sqlite:", "file:"} {
		rest, ok := strings.CutPrefix(s, scheme)
		if !ok {
			continue
		}
		rest = strings.TrimPrefix(rest, "//")
		if strings.ContainsAny(rest, "?#") {
			return "", fmt.Errorf("sqlite: %q: query parameters are not supported", s)
		}
		var err error
		if p, err = url.PathUnescape(rest); err != nil {
			return "", fmt.Errorf("sqlite: %q: %w", s, err)
		}
		break
	}
	if p == "" || p == ":memory:" || strings.HasPrefix(p, ":memory:") {
		return "", fmt.Errorf("sqlite: %q: a database file path is required", s)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("sqlite: %w", err)
	}
	return abs, nil
}

// writerDSN is the DSN of the write connection. The driver runs the
// pragmas on every connection it opens.
func writerDSN(file string) string {
	return dsn(file, url.Values{
		"_pragma": {
			// Waits for another process's lock (otpd migrate) instead
			// of failing at once.
			"busy_timeout(10000)",
			"journal_mode(WAL)",
			// WAL with synchronous NORMAL loses no committed transaction
			// when the process dies, only on power loss or an OS crash,
			// and it saves an fsync per commit.
			"synchronous(NORMAL)",
			"foreign_keys(1)",
			// Each request of a group commit runs in a savepoint, whose
			// statement journal would otherwise be a temporary file
			// written on every change.
			"temp_store(MEMORY)",
			fmt.Sprintf("cache_size(%d)", -writerCacheKiB),
			// See checkpoint.go: a background connection checkpoints.
			fmt.Sprintf("wal_autocheckpoint(%d)", writerCheckpointPages),
		},
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction
		// waits for another process at its start and never fails with
		// SQLITE_BUSY half-way, when it tries to upgrade a read lock.
		"_txlock": {"immediate"},
	})
}

// checkpointerDSN is the DSN of the connection that checkpoints the log
// in the background (checkpoint.go).
func checkpointerDSN(file string) string {
	return dsn(file, url.Values{"_pragma": {"busy_timeout(10000)", "synchronous(NORMAL)"}})
}

// readerDSN is the DSN of the read connections. Readers run beside the
// writer in WAL mode; query_only makes a write sent to them by mistake
// fail loudly.
func readerDSN(file string) string {
	return dsn(file, url.Values{
		"_pragma": {"busy_timeout(10000)", "query_only(1)", fmt.Sprintf("cache_size(%d)", -readerCacheKiB)},
	})
}

// dsn builds a file: URI for the driver. Characters that end or escape
// the path in a URI are percent-encoded; SQLite decodes them.
func dsn(file string, params url.Values) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")
	return "file:" + esc.Replace(file) + "?" + params.Encode()
}
