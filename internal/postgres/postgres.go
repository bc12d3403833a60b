// Package postgres stores otpd's data in PostgreSQL through pgx, with the
// shared queries of sqlstore. Several otpd instances can share one
// database: verifications are locked row by row, outbox rows are claimed
// with SKIP LOCKED, and migrations are serialised by an advisory lock.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/otpd/otpd/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_lock key that serialises migrations of
// every otpd process on a database. It is arbitrary but must never change.
const migrationLock int64 = 0x6f747064_6d696772 // "otpdmigr"

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgx accepts; runtime parameters such as
// search_path may be given in it), applies pending migrations and returns
// the store.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	db, err := openDB(url)
	if err != nil {
		return nil, err
	}
	// Each request holds a connection for one short transaction; a small
	// pool per instance keeps several instances within max_connections.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, db, dialect), nil
}

// Migrate applies the pending migrations to the database at url and
// returns the names of those it applied.
func Migrate(ctx context.Context, url string) ([]string, error) {
	db, err := openDB(url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return migrate(ctx, db)
}

// connectTimeout bounds a new connection's dial and handshake unless the
// URL's connect_timeout says otherwise. Without it a dead server's
// address (packets dropped, not refused) held each request until the
// operating system gave up, minutes later.
const connectTimeout = 5 * time.Second

// openDB is the pool of url, whose connections give up connecting after
// connectTimeout.
func openDB(url string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	return stdlib.OpenDB(*cfg), nil
}

// migrate applies the embedded migrations while holding the advisory lock,
// so that instances started together migrate one after the other: the
// second finds the work done.
func migrate(ctx context.Context, db *sql.DB) ([]string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		conn.Close()
		return nil, fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer func() {
		// A session lock outlives a failed statement: release it even if
		// ctx is done, and if that fails, drop the connection rather than
		// return it to the pool still holding the lock.
		_, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
		if err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()

	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	applied, err := sqlstore.Migrate(ctx, conn, sub)
	if err != nil {
		return applied, fmt.Errorf("postgres: %w", err)
	}
	return applied, nil
}

// dialect is what PostgreSQL needs from the shared queries: row locks on
// the verification being changed, and SKIP LOCKED so that concurrent
// workers claim disjoint outbox rows.
var dialect = sqlstore.Dialect{
	System:        "postgresql",
	ForUpdate:     " FOR UPDATE",
	SkipLocked:    " FOR UPDATE SKIP LOCKED",
	ClaimLock:     "SELECT pg_advisory_xact_lock(7342015)", // an arbitrary key of otpd's webhook claims
	CombineWrites: true,
	// A row's xmin is the transaction that wrote its current version:
	// any write of the row changes it.
	RowVersion: "xmin::text",
	// Transactions commit in any order, so a lower seq may commit after a
	// higher one: events are taken in (tx, seq) order, and only those of
	// transactions older than every one still running (the snapshot's
	// xmin), which have all ended. A transaction that can still commit an
	// event has a tx at or above that xmin, so it comes after every event
	// taken. pg_current_snapshot is the statement's own, the one its rows
	// are read in.
	Events: sqlstore.EventOrder{
		Tx:      "e.tx",
		After:   "(e.tx, e.seq) > ($1, $2)",
		Order:   "e.tx, e.seq",
		Settled: "e.tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
	},
	IsUniqueViolation: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505" // unique_violation
	},
	IsUnavailable: isUnavailable,
	Tombstones:    true,
	IsApplicationGone: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23502" && // not_null_violation
			e.TableName == "verifications" && e.ColumnName == "id"
	},
}

// isUnavailable reports PostgreSQL's errors that mean the server cannot
// serve now: it could not be connected to, it is shutting down or
// starting, it has no connection to spare, its disk is full, or a
// statement's context ran out (pgx times it out and closes the
// connection).
func isUnavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) {
		return true
	}
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case "57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
		"53300", "53100", "53200": // too_many_connections, disk_full, out_of_memory
		return true
	}
	return strings.HasPrefix(e.Code, "08") // connection_exception and its kind
}
