package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// Checkpointing. In WAL mode a commit appends the changed pages to the
// -wal file, and a checkpoint copies them back into the database file and
// syncs it. Left to SQLite, the committing connection checkpoints every
// 1000 pages, inside a commit: otpd's single writer then stops, copying
// pages and waiting for two fsyncs, while every request of the next group
// commit waits for it. So the writer's own checkpoint is pushed out to
// writerCheckpointPages, a backstop, and a background connection
// checkpoints in PASSIVE mode every checkpointInterval, beside the writer
// and the readers without blocking either. The writer's backstop then
// finds almost every page already copied back; it is still needed, since
// the log can only start over from its beginning once a checkpoint has
// copied all of it, which under steady writes only the writer itself, at
// a commit, is sure to do.
//
// The checkpointer runs only after commits, at most once every
// checkpointInterval: an idle otpd does no checkpointing at all (and a
// test on a fake clock is not woken ten times a second for nothing).

const (
	checkpointInterval    = 100 * time.Millisecond
	writerCheckpointPages = 10000 // 40 MiB of 4 KiB pages
)

// checkpointLoop runs checkpoint once at the start and then after
// commits (a value on committed), at most once every checkpointInterval,
// until ctx ends.
func checkpointLoop(ctx context.Context, checkpoint func(context.Context) (logFrames, copied int, err error), committed <-chan struct{}) {
	pause := time.NewTimer(checkpointInterval)
	defer pause.Stop()
	for {
		logFrames, copied, err := checkpoint(ctx)
		if err != nil && ctx.Err() == nil {
			// Not fatal: the writer's backstop checkpoint still runs.
			slog.Warn("sqlite: background checkpoint", "err", err)
		}
		// A checkpoint that could not copy every frame (a reader was
		// still on them) is tried again after the pause, commits or not.
		incomplete := err == nil && copied < logFrames
		pause.Reset(checkpointInterval)
		select {
		case <-ctx.Done():
			return
		case <-pause.C:
		}
		if incomplete {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-committed:
		}
	}
}

// passiveCheckpoint checkpoints the database of db in PASSIVE mode, which
// copies what it can without waiting for the writer or the readers. db
// must not be query_only: a checkpoint writes to the database file.
func passiveCheckpoint(db *sql.DB) func(context.Context) (int, int, error) {
	return func(ctx context.Context) (int, int, error) {
		var busy, logFrames, copied int
		err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied)
		return logFrames, copied, err
	}
}
