package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// Migration 0029 backfills the usage ledger with the otp.sent events the
// consumer has taken (and charged); those not taken yet are left to the
// consumer, which charges what it records.
func TestMigrateBackfillsUsageLedger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otpd.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), OwnerID: "dev_1", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateProject(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Live, Status: otp.AppActive,
		ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("k"), ClientSecretHash: []byte("s"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateApplication(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	v := &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: "+14155552671", Channel: otp.SMS, Status: otp.StatusPending,
		CodeHash: []byte("h"), MaxAttempts: 5, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Minute)}
	ev := func(typ otp.EventType) otp.Event {
		return otp.Event{ID: otp.NewID("evt"), Type: typ, AppID: a.ID, VerificationID: v.ID, CreatedAt: now,
			Channel: otp.SMS, Country: "US", Cost: otp.Money{Micros: 7500, Currency: "USD"}}
	}
	consumed, pending := ev(otp.EventSent), ev(otp.EventSent)
	if err := st.CreateVerification(t.Context(), v, otp.Effects{Events: []otp.Event{ev(otp.EventCreated), consumed, pending}}, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// The database as 0028 left it, with the consumer past one event:
	// consumed events were marked so until 0036, which dropped the mark.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	migration, err := os.ReadFile(filepath.Join("migrations", "0029_usage_ledger.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE usage_ledger`, `ALTER TABLE events ADD COLUMN dispatched INTEGER NOT NULL DEFAULT 0`,
		`UPDATE events SET dispatched = 1 WHERE type <> 'otp.sent' OR id = '` + consumed.ID + `'`, string(migration)} {
		if _, err := raw.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	raw.Close()

	st, err = sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	rows, err := st.ListOwnerUsage(t.Context(), "dev_1", month, month.AddDate(0, 1, 0), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := otp.UsageRecord{EventID: consumed.ID, OwnerID: "dev_1", ProjectID: p.ID, AppID: a.ID, Environment: otp.Live,
		Channel: otp.SMS, Country: "US", Cost: consumed.Cost, At: now}
	if len(rows) != 1 || rows[0] != want {
		t.Errorf("the ledger after the migration = %+v, want only the consumed message %+v", rows, want)
	}
}
