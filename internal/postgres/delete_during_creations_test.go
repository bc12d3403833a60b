package postgres_test

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlstore"
)

// TestDeleteApplicationDuringCreations deletes an application while
// creations for it run on many connections: without the foreign key from
// verifications to applications (migration 0040), nothing but the
// deletion's mark and wait keeps a creation from committing rows of an
// application already deleted. Afterwards no table holds a row of it, and
// every creation started after the deletion returned failed as NOT_FOUND.
// The races are not steered: whatever order they take, the outcome must
// be the same.
func TestDeleteApplicationDuringCreations(t *testing.T) {
	ctx := t.Context()
	st, db, newApp := storeForDeletions(t)
	now := appTime
	gone, kept := newApp(), newApp()

	// create stores a verification of a with every row a creation writes
	// beside it. Even creators reuse one destination, so that each
	// creation supersedes the last; odd ones take a new one each time.
	create := func(a *otp.Application, creator, i int) error {
		to := fmt.Sprintf("+4477009%05d", creator)
		if creator%2 == 1 {
			to = fmt.Sprintf("+4477%03d%05d", creator, i)
		}
		v := &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: to, Channel: otp.SMS, Purpose: otp.PurposeVerification,
			Locale: "en", Status: otp.StatusPending, DeliveryStatus: otp.DeliveryQueued, CodeHash: randomBytes(32),
			CodeSealed: randomBytes(40), MaxAttempts: 5, MaxResends: 3, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
		fx := otp.Effects{
			Events: []otp.Event{{ID: otp.NewID("evt"), Type: otp.EventCreated, AppID: a.ID, VerificationID: v.ID, CreatedAt: now}},
			Deliveries: []otp.Delivery{{ID: otp.NewID("dlv"), AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS, To: to,
				NextAttemptAt: now, CreatedAt: now}},
			Messages: []otp.Message{{ID: otp.NewID("dlv"), AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS,
				Provider: otp.TestInboxProvider, Status: otp.DeliverySent, Attempts: 1, CreatedAt: now, SentAt: now}},
		}
		idem := &otp.Idempotency{AppID: a.ID, Key: v.ID, RequestHash: randomBytes(32), VerificationID: v.ID, CreatedAt: now}
		return st.CreateVerification(ctx, v, fx, idem)
	}

	const creators = 16
	var (
		wg        sync.WaitGroup
		created   atomic.Int64
		enough    = make(chan struct{}) // closed once the creators are well under way
		enoughOne sync.Once
		deleted   = make(chan struct{}) // closed when DeleteApplication has returned
	)
	for c := range creators {
		wg.Go(func() {
			for i := 0; ; i++ {
				var after bool
				select {
				case <-deleted:
					after = true
				default:
				}
				err := create(gone, c, i)
				switch {
				case err == nil && after:
					t.Errorf("creator %d: a creation started after DeleteApplication returned succeeded", c)
					return
				case err == nil:
					if created.Add(1) == 4*creators {
						enoughOne.Do(func() { close(enough) })
					}
				case errors.Is(err, otp.ErrNotFound):
					return
				default:
					t.Errorf("creator %d: %v, want NOT_FOUND once the application is deleted", c, err)
					return
				}
			}
		})
	}
	<-enough
	if err := st.DeleteApplication(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteApplication: %v", err)
	}
	close(deleted)
	wg.Wait()
	t.Logf("%d creations committed before the deletion", created.Load())

	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'app_id' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 5 {
		t.Fatalf("tables with an app_id: %v; expected verifications, events, outbox, messages, idempotency and more", tables)
	}
	for _, table := range tables {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE app_id = $1`, gone.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows of the deleted application", table, n)
		}
	}
	if _, err := st.GetApplication(ctx, gone.ID); !errors.Is(err, otp.ErrNotFound) {
		t.Errorf("GetApplication of the deleted application: %v, want NOT_FOUND", err)
	}
	if err := create(kept, 0, 0); err != nil {
		t.Errorf("creation for the other application: %v", err)
	}
}

// appTime is when storeForDeletions's project and applications are made.
var appTime = time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)

// storeForDeletions opens a store on a fresh schema, a plain handle on it
// for the test's own queries, and a project; newApp makes an application
// in the project.
func storeForDeletions(t *testing.T) (st *sqlstore.Store, db *sql.DB, newApp func() *otp.Application) {
	t.Helper()
	u := newSchema(t)
	st = open(t, u)
	t.Cleanup(func() { st.Close() })
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: appTime, UpdatedAt: appTime}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	return st, db, func() *otp.Application {
		id := otp.NewID("app")
		a := &otp.Application{ID: id, ProjectID: p.ID, Name: id, Environment: otp.Test, Status: otp.AppActive,
			ClientID: "client_" + id, PublicKey: "pk_" + id, APIKeyHash: randomBytes(32), CreatedAt: appTime, UpdatedAt: appTime}
		if err := st.CreateApplication(t.Context(), a); err != nil {
			t.Fatalf("CreateApplication: %v", err)
		}
		return a
	}
}
