package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Migration 0040 drops the foreign key from verifications to
// applications, and only that one, and marks no application deleting: an
// application made before it takes creations, and once deleted refuses
// them as NOT_FOUND, as one never made does.
func TestMigrateCreationsWithoutAppLock(t *testing.T) {
	ctx := t.Context()
	u, db, conn := olderSchema(t, "0040")
	_, err := conn.ExecContext(ctx, `INSERT INTO projects (id, name, description, policy, created_at, updated_at)
		VALUES ('prj_1', 'p', '', '{}', 1000000, 1000000)`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO applications (id, project_id, name, environment, status, client_id,
			public_key, api_key_hash, api_key_preview, client_secret_preview, created_at, updated_at)
		VALUES ('app_1', 'prj_1', 'a', 'test', 'active', 'client_1', 'pk_1', '\x01', '', '', 1000000, 1000000)`)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()

	st := open(t, u)
	defer st.Close()
	foreignKeys := func(table string) int {
		t.Helper()
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_constraint
			WHERE conrelid = to_regclass($1) AND contype = 'f' AND confrelid = to_regclass('applications')`, table).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := foreignKeys("verifications"); n != 0 {
		t.Errorf("verifications has %d foreign keys to applications, want none", n)
	}
	for _, table := range []string{"api_keys", "verification_sessions", "verify_tokens"} {
		if n := foreignKeys(table); n != 1 {
			t.Errorf("%s has %d foreign keys to applications, want its 1", table, n)
		}
	}

	now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	create := func(appID string) error {
		v := &otp.Verification{ID: otp.NewID("ver"), AppID: appID, To: "+447700900123", Channel: otp.SMS,
			Purpose: otp.PurposeVerification, Locale: "en", Status: otp.StatusPending, DeliveryStatus: otp.DeliveryQueued,
			CodeHash: randomBytes(32), MaxAttempts: 5, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
		return st.CreateVerification(ctx, v, otp.Effects{}, nil)
	}
	if err := create("app_1"); err != nil {
		t.Fatalf("creation for the application made before the migration: %v", err)
	}
	if err := create("app_never"); !errors.Is(err, otp.ErrNotFound) {
		t.Errorf("creation for an application never made: %v, want NOT_FOUND", err)
	}
	if err := st.DeleteApplication(ctx, "app_1"); err != nil {
		t.Fatalf("DeleteApplication: %v", err)
	}
	if err := create("app_1"); !errors.Is(err, otp.ErrNotFound) {
		t.Errorf("creation for the deleted application: %v, want NOT_FOUND", err)
	}
}
