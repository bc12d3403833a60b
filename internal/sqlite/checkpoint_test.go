package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// TestBackgroundCheckpoint checks that committed pages reach the database
// file without the writer checkpointing: the writes below stay far under
// the writer's backstop threshold, so only the background checkpointer
// can copy them out of the log.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "otpd.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// Let a checkpoint of the migrations pass, so the size below is that
	// of a database file with nothing left in the log.
	time.Sleep(300 * time.Millisecond)
	before := size()

	now := time.Now()
	for i := range 200 {
		p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Description: string(make([]byte, 1000)), Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
		if err := st.CreateProject(ctx, p); err != nil {
			t.Fatalf("CreateProject %d: %v", i, err)
		}
	}
	// About 200 KB was committed to the log: the file grows once it is
	// checkpointed, within a few checkpoint intervals.
	deadline := time.Now().Add(60 * time.Second) // a bound for a broken run, not a measure of speed
	for size() < before+100_000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file stayed at %d bytes (was %d): nothing was checkpointed", size(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
