package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlstore"
)

// BenchmarkWritePages measures what the store writes per create and per
// right check, in random order, over a store that already holds
// OTPD_BENCH_PREFILL verifications (default 20,000), from OTPD_BENCH_CALLERS
// concurrent callers (default 8; 1 gives each request a commit of its
// own): the WAL frames (pages)
// each operation appends, its commits, and the process's CPU time, figures
// that do not depend on what else the machine is doing. The background
// checkpointer is not started and the writer's own autocheckpoint is off
// while measuring, so the log's growth is exactly the pages written. Run it
// with
//
//	OTPD_BENCH_PREFILL=100000 go test -run '^$' -bench WritePages -benchtime 5000x ./internal/sqlite
//
// It also reports the bytes of database per verification (dbstat) of the
// verifications and messages tables and their indexes, and of the whole
// file.
func BenchmarkWritePages(b *testing.B) {
	prefill, callers := envInt(b, "OTPD_BENCH_PREFILL", 20_000), envInt(b, "OTPD_BENCH_CALLERS", 8)
	ctx := b.Context()
	path := filepath.Join(b.TempDir(), "otpd.db")
	write, err := openWriter(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := migrate(ctx, write); err != nil {
		b.Fatal(err)
	}
	read, err := sql.Open("sqlite", readerDSN(path))
	if err != nil {
		b.Fatal(err)
	}
	st := sqlstore.New(write, read, dialect) // no Background: no checkpointer
	defer st.Close()

	now := time.Now()
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateProject(ctx, p); err != nil {
		b.Fatal(err)
	}
	a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Test, Status: otp.AppActive,
		ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("hash"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateApplication(ctx, a); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	create := func() (string, error) {
		v, fx := benchVerification(a.ID, seq.Add(1), time.Now())
		return v.ID, st.CreateVerification(ctx, v, fx, nil)
	}
	ids := make([]string, prefill)
	parallel(b, 64, prefill, func(i int) error {
		id, err := create()
		ids[i] = id
		return err
	})

	walPages := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			b.Fatal(err)
		}
		return max(0, fi.Size()-32) / (4096 + 24)
	}
	restart := func() {
		// TRUNCATE empties the log, so that its growth from here is the
		// pages written; autocheckpoint 0 keeps it from restarting.
		if _, err := write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		if _, err := write.ExecContext(ctx, "PRAGMA wal_autocheckpoint(0)"); err != nil {
			b.Fatal(err)
		}
	}
	measure := func(name string, n int, op func(i int) error) {
		restart()
		before := walPages()
		cpu := cpuTime()
		start := time.Now()
		parallel(b, callers, n, op)
		b.ReportMetric(float64(walPages()-before)/float64(n), name+"-pages/op")
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(n)*1000, name+"-cpu-s/1000")
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), name+"/s")
	}

	n := b.N
	b.ResetTimer()
	measure("create", n, func(int) error { _, err := create(); return err })
	// Random order among the prefilled verifications, as otpd bench
	// -order random checks: each row is cold.
	order := rand.New(rand.NewPCG(1, 2)).Perm(len(ids))
	measure("check", min(n, len(ids)), func(i int) error {
		_, err := st.UpdateVerification(ctx, a.ID, ids[order[i]], func(v *otp.Verification) (otp.Effects, error) {
			at := time.Now()
			v.Attempts++
			v.Status, v.CodeSealed, v.VerifiedAt, v.UpdatedAt, v.NextStepAt = otp.StatusVerified, nil, at, at, time.Time{}
			return otp.Effects{
				Events: []otp.Event{{ID: otp.NewID("evt"), Type: otp.EventVerified, AppID: v.AppID, VerificationID: v.ID, CreatedAt: at, Channel: v.Channel}},
				Users:  []otp.UserVisit{{AppID: v.AppID, Destination: v.To, Channel: v.Channel, At: at}},
			}, nil
		})
		return err
	})
	b.StopTimer()

	var count int64
	if err := read.QueryRowContext(ctx, "SELECT count(*) FROM verifications").Scan(&count); err != nil {
		b.Fatal(err)
	}
	for _, table := range []string{"verifications", "messages"} {
		var bytes int64
		err := write.QueryRowContext(ctx, `SELECT sum(pgsize) FROM dbstat WHERE name = ?1
			OR name IN (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1)`, table).Scan(&bytes)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(bytes)/float64(count), table+"-bytes/verification")
	}
	// The events table and each of its indexes on their own: an event
	// is written twice per create and once per check, and its indexes
	// are most of its bytes.
	rows, err := write.QueryContext(ctx, `SELECT name, sum(pgsize) FROM dbstat WHERE name = 'events'
		OR name IN (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events') GROUP BY name`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var (
			name  string
			bytes int64
		)
		if err := rows.Scan(&name, &bytes); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(bytes)/float64(count), name+"-bytes/verification")
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	// The whole file too: the users table and the events are written by
	// the same creates and checks, and an index dropped from them shows
	// only here.
	var all int64
	if err := write.QueryRowContext(ctx, "SELECT sum(pgsize) FROM dbstat").Scan(&all); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(all)/float64(count), "all-bytes/verification")
}

// benchVerification is a pending verification of a test application with
// the effects the create endpoint writes with it.
func benchVerification(appID string, i int64, now time.Time) (*otp.Verification, otp.Effects) {
	hash, sealed := make([]byte, 32), make([]byte, 50)
	v := &otp.Verification{ID: otp.NewID("ver"), AppID: appID, To: fmt.Sprintf("+1555%07d", i%10_000_000),
		Channel: otp.SMS, Purpose: otp.PurposeVerification, Locale: "en", Status: otp.StatusPending,
		DeliveryStatus: otp.DeliverySent, CodeHash: hash, CodeSealed: sealed, InboxCode: sealed, MaxAttempts: 5, MaxResends: 3,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(5 * time.Minute), Country: "US"}
	msg := otp.NewID("dlv")
	return v, otp.Effects{
		Events: []otp.Event{
			{ID: otp.NewID("evt"), Type: otp.EventCreated, AppID: appID, VerificationID: v.ID, CreatedAt: now, Channel: otp.SMS},
			{ID: otp.NewID("evt"), Type: otp.EventSent, AppID: appID, VerificationID: v.ID, CreatedAt: now, Channel: otp.SMS},
		},
		// What a test application's create writes (testInboxEffects): the
		// message to the verification's own destination (To empty), whose
		// code the inbox reads from InboxCode.
		Messages: []otp.Message{{ID: msg, AppID: appID, VerificationID: v.ID, Channel: otp.SMS, Provider: otp.TestInboxProvider,
			ProviderMessageID: msg, Status: otp.DeliverySent, Attempts: 1, CreatedAt: now, SentAt: now}},
	}
}

// envInt is the integer in environment variable name, or def.
func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return n
}

// parallel runs op(0) … op(n-1) on workers goroutines.
func parallel(b *testing.B, workers, n int, op func(i int) error) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := op(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
