// Package sqlstore implements otp.Store over database/sql. The SQLite and
// PostgreSQL adapters share this one implementation and differ only in
// their Dialect, their connection setup and their migrations; the queries
// are plain SQL with $1 placeholders, which both drivers accept.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

// Dialect holds what differs between the engines behind the shared queries.
type Dialect struct {
	// System names the engine on the store's spans (db.system.name):
	// "sqlite" or "postgresql".
	System string
	// ForUpdate is appended to a SELECT of a row the transaction is about
	// to change: " FOR UPDATE" on PostgreSQL. SQLite has a single writer,
	// so a write transaction already excludes every other, and it is "".
	ForUpdate string
	// SkipLocked is appended to the SELECT that picks outbox rows to
	// claim: " FOR UPDATE SKIP LOCKED" on PostgreSQL, so that workers of
	// several instances claim disjoint rows without waiting on each other.
	SkipLocked string
	// ClaimLock, if set, is run first in a transaction that claims webhook
	// deliveries, so that claims of several instances run one at a time
	// and each sees the leases of the last: an application's cap on
	// deliveries in flight holds across instances. PostgreSQL takes a
	// transaction advisory lock; SQLite's single writer needs none.
	ClaimLock string
	// IsUniqueViolation reports whether err is a violated unique or
	// primary-key constraint.
	IsUniqueViolation func(error) bool
	// GroupCommit runs concurrent write transactions together in one
	// database transaction (see commit.go). It suits an engine with a
	// single writer, SQLite; PostgreSQL's row locks would serialise what
	// its many connections can do in parallel.
	GroupCommit bool
	// CombineWrites sends the writes of one state change (the
	// verification and the rows beside it) as one statement, with the
	// others in a WITH clause: one round trip instead of one per row. It
	// suits PostgreSQL, which is a network trip away and runs
	// data-modifying WITH queries; a creation is then a single
	// statement, its own transaction, with no BEGIN or COMMIT to send.
	CombineWrites bool
	// Tombstones replaces the foreign key from verifications to their
	// application, whose row lock made concurrent creations for one
	// application contend (PostgreSQL): a creation inserts its
	// verification only while the application is not marked deleting,
	// and a deletion marks it first and waits out the creations that may
	// not have seen the mark (application_tombstone.go). SQLite's one
	// writer keeps its foreign key and needs neither.
	Tombstones bool
	// IsApplicationGone reports, with Tombstones, the error of a creation
	// whose application was marked deleting: its verification got no id,
	// which violates the column's NOT NULL.
	IsApplicationGone func(error) bool
	// RowVersion, if set, is an expression of a row that changes whenever
	// the row is written ("xmin::text" on PostgreSQL, the id of the
	// transaction that wrote the row's current version). With it,
	// UpdateVerification reads without a lock and writes back guarded by
	// the version (verification_cas.go). SQLite's single writer
	// serialises read-modify-writes already, and it is "".
	RowVersion string
	// IsUnavailable reports the engine's own errors that mean the
	// database cannot serve now (shutting down, out of connections, disk
	// full), beside those every engine shares (unavailable.go).
	IsUnavailable func(error) bool
	// Events is how the engine orders events for their consumer.
	Events EventOrder
	// Background, when set, runs in a goroutine of its own from New
	// until Close, which cancels its context and waits for it to return.
	// committed receives a value after write transactions commit (one
	// pending value stands for any number of commits), so that work
	// which follows writes can sleep while there are none. SQLite
	// checkpoints its write-ahead log there.
	Background func(ctx context.Context, committed <-chan struct{})
}

// EventOrder is the order in which the event consumer takes events, as
// SQL over the events row named e (event_consumer.go). An event's place in
// it is (tx, seq): seq numbers events as they are inserted; tx is 0 where
// the engine commits events in seq order (SQLite's one writer), and the
// writing transaction's id where it does not (PostgreSQL).
type EventOrder struct {
	// Tx is an event's tx: "0", or its column.
	Tx string
	// After is the condition that e comes after the consumer's place ($1
	// tx, $2 seq), and Order the order the consumer reads in; together
	// they should follow an index.
	After, Order string
	// Settled, if set, is the condition that no event that can still
	// commit would come before e: the consumer takes only such events.
	Settled string
}

// Store is an otp.Store over a SQL database. Writes go to one handle and
// reads to another; they may be the same *sql.DB.
type Store struct {
	write      *sql.DB
	read       *sql.DB
	d          Dialect
	writeStmts *stmts
	reader     reader

	// With GroupCommit: requests to the commit loop, and its shutdown.
	requests chan *txRequest
	quit     chan struct{}
	loopDone chan struct{}
	closing  sync.Once

	// With Background: its cancellation and its end, and the signal of
	// commits it is given.
	stopBackground func()
	backgroundDone chan struct{}
	committed      chan struct{}
	// observer hears of commits (ObserveCommits); nil until one is set.
	observer atomic.Pointer[CommitObserver]

	// outage logs when the database stops and starts answering.
	outage *outageTracker
}

var _ otp.Store = (*Store)(nil)

// New returns a Store that writes through write and reads through read.
// The Store owns both handles: Close closes them.
func New(write, read *sql.DB, d Dialect) *Store {
	s := &Store{write: write, read: read, d: d, writeStmts: newStmts(write), reader: reader{newStmts(read), d.System},
		committed: make(chan struct{}, 1), outage: newOutageTracker(time.Now, slog.Default())}
	if d.GroupCommit {
		s.requests = make(chan *txRequest)
		s.quit = make(chan struct{})
		s.loopDone = make(chan struct{})
		go s.commitLoop()
	}
	if d.Background != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopBackground, s.backgroundDone = cancel, make(chan struct{})
		go func() {
			defer close(s.backgroundDone)
			d.Background(ctx, s.committed)
		}()
	}
	return s
}

// SetLogger sets where the store logs the start and end of a database
// outage (slog.Default until then). Call it before the store serves.
func (s *Store) SetLogger(l *slog.Logger) { s.outage.log.Store(l) }

// Close stops the background work and the commit loop and closes the
// database handles.
func (s *Store) Close() error {
	var err error
	s.closing.Do(func() {
		if s.stopBackground != nil {
			s.stopBackground()
			<-s.backgroundDone
		}
		if s.quit != nil {
			close(s.quit)
			<-s.loopDone
		}
		s.writeStmts.close()
		s.reader.c.close()
		if s.read != s.write {
			err = s.read.Close()
		}
		err = errors.Join(err, s.write.Close())
	})
	return err
}

// inTx runs fn in a write transaction and commits if fn returns nil. The
// error of fn is returned as it is, so callers can match it with errors.Is.
// fn must use the ctx it is given, which may differ from the caller's.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx *txRunner) error) (err error) {
	ctx, span := s.span(ctx, "sqlstore.tx")
	defer func() { telemetry.End(span, err) }()
	err = s.runTx(ctx, fn)
	if err == nil {
		s.outage.succeeded()
	}
	return s.classify(err)
}

// runTx is inTx without the classification of its error.
func (s *Store) runTx(ctx context.Context, fn func(ctx context.Context, tx *txRunner) error) error {
	if s.requests != nil {
		if span := telemetry.FromContext(ctx); span.IsRecording() {
			span.SetAttributes(telemetry.DBGroup.Bool(true))
		}
		return s.groupTx(ctx, fn)
	}
	begin := time.Now()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Rolling back also when fn panics matters: the transaction holds a
	// connection (on SQLite, the only write connection).
	defer s.writeStmts.preparePending(context.WithoutCancel(ctx)) // runs after the rollback below
	defer tx.Rollback()                                           // a no-op after Commit; the error of fn is the one that matters
	if err := fn(ctx, &txRunner{tx: tx, c: s.writeStmts}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.observeCommit(begin, 1)
	s.signalCommit()
	return nil
}

// span starts the span of one transaction or statement under the span in
// ctx, if that records (telemetry.Child). inTx, the read pool and the
// single-statement writes of PostgreSQL are the store's only ways to the
// database, so these spans cover every method of otp.Store.
func (s *Store) span(ctx context.Context, name string) (context.Context, *telemetry.Span) {
	return startSpan(ctx, name, s.d.System)
}

func startSpan(ctx context.Context, name, system string) (context.Context, *telemetry.Span) {
	ctx, span := telemetry.Child(ctx, name, telemetry.Client)
	if span.IsRecording() {
		span.SetAttributes(telemetry.DBSystem.String(system))
	}
	return ctx, span
}

// signalCommit tells the background work that a write transaction
// committed. It never blocks: a signal already pending covers this one.
func (s *Store) signalCommit() {
	select {
	case s.committed <- struct{}{}:
	default:
	}
}

// dbErr maps the errors of the engines to the domain's: a missing row to
// ErrNotFound, a unique violation to ErrConflict and an unreachable
// database to ErrUnavailable. Anything else is internal and only gets
// context.
func (s *Store) dbErr(op string, err error) error {
	if err == nil {
		s.outage.succeeded()
		return nil
	}
	if s.isUnavailable(err) {
		return fmt.Errorf("%s: %w", op, s.classify(err))
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, otp.ErrNotFound)
	case s.d.IsApplicationGone != nil && s.d.IsApplicationGone(err):
		return fmt.Errorf("%s: application: %w", op, otp.ErrNotFound)
	case s.d.IsUniqueViolation != nil && s.d.IsUniqueViolation(err):
		return fmt.Errorf("%s: %w: %v", op, otp.ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// mustAffect turns an UPDATE or DELETE that matched no row into ErrNotFound.
func mustAffect(op string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, otp.ErrNotFound)
	}
	return nil
}

// micros stores a time as unix microseconds; the zero time is 0 so that
// "not yet" survives the round trip.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros is the inverse of micros, in UTC.
func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

// nullBytes stores an empty byte slice as NULL, so nil reads back as nil.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// emptyToNil reads NULL and empty blobs back as nil; drivers differ on
// which of the two an empty value becomes.
func emptyToNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nullJSON stores absent metadata as NULL.
func nullJSON(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

func fromNullJSON(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// writeExec runs one writing statement as its own transaction, so that it
// too goes through the group commit where there is one.
func (s *Store) writeExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.inTx(ctx, func(ctx context.Context, tx *txRunner) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}
