package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// With Tombstones (PostgreSQL), no foreign key stops a verification from
// being inserted for an application being deleted: its lock on the
// application's row made concurrent creations contend (migration 0040).
// Instead a deletion has two steps before the transaction that deletes:
//
//  1. It marks the application deleting and commits. A creation's insert
//     gives its verification an id only while the mark is unset
//     (insertVerification), read without a lock, so a statement that
//     sees the mark writes nothing.
//  2. It waits until no statement that could have read the application
//     unmarked can still commit a row: first until no other backend of
//     the database holds a snapshot taken before the mark committed (its
//     xmin is at or below the marking transaction), then until every
//     transaction that had an id by then has ended, since a statement
//     that has finished may belong to a transaction not yet committed.
//
// The deleting transaction then sees every row those creations wrote,
// and none can be written after it. pg_stat_activity shows each backend's
// xmin and transaction id to any role; the ages compare the 32-bit ids
// across wraparound.

// tombstoneWait bounds step 2. A deletion that times out leaves the
// application marked, refusing creations; deleting it again finishes.
const tombstoneWait = 10 * time.Second

// tombstonePoll is how often step 2 looks at the other backends.
const tombstonePoll = 2 * time.Millisecond

// othersHolding counts the other client backends of this database that
// meet the condition appended. A backend of another role shows its xmin
// and transaction id but not its type to a role without pg_read_all_stats:
// it counts too.
const othersHolding = `SELECT count(*) FROM pg_stat_activity
	WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND coalesce(backend_type, 'client backend') = 'client backend' AND pid <> pg_backend_pid() AND `

// markDeleting runs steps 1 and 2 for application id; an unknown id is
// ErrNotFound.
func (s *Store) markDeleting(ctx context.Context, id string) error {
	var marked string // the marking transaction's id
	err := s.write.QueryRowContext(ctx,
		`UPDATE applications SET deleting = true WHERE id = $1 RETURNING xid(pg_current_xact_id())::text`, id).Scan(&marked)
	if err != nil {
		return s.dbErr("delete application: mark", err)
	}
	ctx, cancel := context.WithTimeout(ctx, tombstoneWait)
	defer cancel()
	if err := s.waitForNone(ctx, othersHolding+`age(backend_xmin) >= age($1::xid)`, marked); err != nil {
		return fmt.Errorf("delete application: snapshots older than the mark: %w", err)
	}
	var next string // the id the next transaction will take
	if err := s.write.QueryRowContext(ctx, `SELECT xid(pg_snapshot_xmax(pg_current_snapshot()))::text`).Scan(&next); err != nil {
		return s.dbErr("delete application: wait", err)
	}
	if err := s.waitForNone(ctx, othersHolding+`age(backend_xid) > age($1::xid)`, next); err != nil {
		return fmt.Errorf("delete application: transactions older than the mark: %w", err)
	}
	return nil
}

// waitForNone runs count, a query of one count, until it counts none or
// ctx ends.
func (s *Store) waitForNone(ctx context.Context, count string, arg any) error {
	for {
		var n int
		if err := s.write.QueryRowContext(ctx, count, arg).Scan(&n); err != nil {
			return s.dbErr("delete application: wait", err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d still running after %v; the application stays marked deleting, delete it again: %w",
				n, tombstoneWait, ctx.Err())
		case <-time.After(tombstonePoll):
		}
	}
}
