package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/otpd/otpd/internal/telemetry"
)

// stmts prepares each query once per database handle and keeps it. Parsing
// and planning a statement costs more than running the small queries otpd
// makes, so reusing the prepared form is most of a query's saving.
type stmts struct {
	db      *sql.DB
	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]bool // seen inside a transaction, to prepare after it
}

func newStmts(db *sql.DB) *stmts {
	return &stmts{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// lookup returns the prepared form of query, or nil and notes the query to
// be prepared by preparePending. It never prepares: inside a transaction
// on SQLite's single write connection, preparing on the pool would wait
// for the very connection the transaction holds.
func (c *stmts) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	st := c.m[query]
	c.mu.RUnlock()
	if st == nil {
		c.mu.Lock()
		if c.m != nil {
			c.pending[query] = true
		}
		c.mu.Unlock()
	}
	return st
}

// preparePending prepares the queries lookup missed. It is called when no
// transaction holds a connection of the pool.
func (c *stmts) preparePending(ctx context.Context) {
	c.mu.Lock()
	var queries []string
	for q := range c.pending {
		delete(c.pending, q)
		if c.m != nil && c.m[q] == nil {
			queries = append(queries, q)
		}
	}
	c.mu.Unlock()
	// Prepare without holding the lock, for the reason get gives.
	for _, q := range queries {
		if st, err := c.db.PrepareContext(ctx, q); err == nil {
			c.keep(q, st)
		}
	}
}

// prepareTimeout bounds preparing a statement, which happens once per
// statement and process: about the request timeout's share of it.
const prepareTimeout = 5 * time.Second

func (c *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st := c.m[query]
	c.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	// Prepare without holding the lock: preparing waits for a free
	// connection, and the holders of connections may need the lock. The
	// caller's cancellation is not passed on (on SQLite an interrupt can
	// reach a connection's other work), but a frozen PostgreSQL must not
	// hold the request forever: the preparation has a bound of its own.
	prepareCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), prepareTimeout)
	defer cancel()
	st, err := c.db.PrepareContext(prepareCtx, query)
	if err != nil {
		return nil, err
	}
	if st = c.keep(query, st); st == nil {
		return nil, errClosed
	}
	return st, nil
}

// keep stores st for query unless another goroutine stored one first, in
// which case st is closed and the stored one returned.
//
// st is closed after the lock is released. Closing a statement waits for
// the lock of each connection it was prepared on, and a connection holds
// its lock while a query runs on it: on PostgreSQL that query may be
// waiting for a row lock held by a transaction that is itself waiting for
// c.mu in lookup. Closing under c.mu closed that circle (seen: 40
// concurrent updates of one row stuck for 9 minutes, issue 11).
func (c *stmts) keep(query string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	old, closed := c.m[query], c.m == nil
	if old == nil && !closed {
		c.m[query] = st
	}
	c.mu.Unlock()
	if old != nil || closed {
		st.Close()
		return old
	}
	return st
}

// close closes every statement, outside the lock for the reason keep gives.
func (c *stmts) close() {
	c.mu.Lock()
	m := c.m
	c.m = nil
	c.mu.Unlock()
	for _, st := range m {
		st.Close()
	}
}

// reader runs read-only queries on the read pool with prepared statements,
// each in a span of its own when the caller's span records.
type reader struct {
	c      *stmts
	system string // db.system.name
}

func (r reader) QueryContext(ctx context.Context, query string, args ...any) (rows *sql.Rows, err error) {
	ctx, span := r.span(ctx, query)
	defer func() { telemetry.End(span, err) }()
	st, err := r.c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (r reader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, span := r.span(ctx, query)
	defer span.End() // the row's error comes with Scan, after the span
	st, err := r.c.get(ctx, query)
	if err != nil {
		return r.c.db.QueryRowContext(ctx, query, args...) // reports the same error through Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// span is the span of one read: its SQL has $n placeholders, never the
// values, so it is safe to record.
func (r reader) span(ctx context.Context, query string) (context.Context, *telemetry.Span) {
	ctx, span := startSpan(ctx, "sqlstore.read", r.system)
	if span.IsRecording() {
		span.SetAttributes(telemetry.DBQuery.String(query))
	}
	return ctx, span
}

// txRunner runs the statements of one write transaction, with the
// statements prepared on the write handle.
type txRunner struct {
	tx *sql.Tx
	c  *stmts
}

func (t *txRunner) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.c.lookup(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *txRunner) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.c.lookup(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *txRunner) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.c.lookup(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
