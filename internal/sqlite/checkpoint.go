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

const (
	checkpointInterval    = 100 * time.Millisecond
	writerCheckpointPages = 10000 // 40 MiB of 4 KiB pages
)

// checkpointLoop checkpoints the database of db every checkpointInterval
// until ctx ends. db must not be query_only: a checkpoint writes to the
// database file.
func checkpointLoop(ctx context.Context, db *sql.DB) {
	defer db.Close()
	tick := time.NewTicker(checkpointInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var busy, logFrames, copied int
		err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied)
		if err != nil && ctx.Err() == nil {
			// Not fatal: the writer's backstop checkpoint still runs.
			slog.Warn("sqlite: background checkpoint", "err", err)
		}
	}
}
