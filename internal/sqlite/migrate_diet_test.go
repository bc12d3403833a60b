package sqlite_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// Migration 0038 drops users_destination and verifications_created and
// makes messages_provider partial: the rows written before it are all
// still found by the queries those indexes served, through the indexes
// left.
func TestMigrateSchemaDiet(t *testing.T) {
	ctx := t.Context()
	path, conn, closeDB := olderDatabase(t, "0038")
	// Ids as otp.NewID makes them, of the creation time: a day ago and a
	// year ago.
	now := time.Now()
	old, recent := now.AddDate(-1, 0, 0), now.Add(-24*time.Hour)
	oldID, recentID := fmt.Sprintf("ver_%012x%020d", old.UnixMilli(), 1), fmt.Sprintf("ver_%012x%020d", recent.UnixMilli(), 2)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO projects (id, name, description, policy, created_at, updated_at) VALUES ('prj_1', 'p', '', '{}', 1, 1)`)
	for _, app := range []string{"app_1", "app_2", "app_3"} {
		exec(`INSERT INTO applications (id, project_id, name, environment, status, client_id, public_key, api_key_hash,
			api_key_preview, client_secret_preview, created_at, updated_at)
		VALUES ($1, 'prj_1', 'a', 'test', 'active', $1, $1, CAST($1 AS BLOB), '', '', 1, 1)`, app)
	}
	for _, u := range []struct {
		app, to string
		last    int64
	}{{"app_1", "+15550001", 3000}, {"app_2", "+15550001", 2000}, {"app_2", "+15550002", 1000}} {
		exec(`INSERT INTO users (app_id, destination, first_verified, last_verified, verified_sms) VALUES ($1, $2, 1, $3, 1)`,
			u.app, u.to, u.last)
	}
	for _, v := range []struct {
		id      string
		created time.Time
	}{{oldID, old}, {recentID, recent}} {
		exec(`INSERT INTO verifications (id, app_id, destination, channel, purpose, locale, status, delivery_status,
			code_hash, code_sealed, attempts, max_attempts, resends, max_resends, metadata,
			created_at, updated_at, expires_at, last_sent_at, resend_at, sent_at, verified_at, last_error)
		VALUES ($1, 'app_1', '+15550001', 'sms', 'verification', 'en', 'verified', 'sent',
			x'05', NULL, 1, 5, 0, 3, NULL, $2, $2, $2, $2, $2, $2, $2, '')`, v.id, v.created.UnixMicro())
	}
	for _, m := range []struct{ id, verification, provider, providerID string }{
		{"dlv_1", recentID, "smsc", "smsc-1"},
		{"dlv_2", recentID, otp.TestInboxProvider, "dlv_2"},
		{"dlv_3", oldID, "smsc", "smsc-3"},
	} {
		exec(`INSERT INTO messages (id, attempts, app_id, verification_id, channel, destination, provider, provider_message_id,
			status, error, cost_micros, cost_currency, created_at, sent_at, delivered_at, next_attempt_at)
		VALUES ($1, 1, 'app_1', $2, 'sms', '', $3, $4, 'sent', '', 0, '', 1000000, 1000001, 0, 0)`,
			m.id, m.verification, m.provider, m.providerID)
	}
	closeDB()

	applied, err := sqlite.Migrate(ctx, path)
	if err != nil || len(applied) == 0 || !strings.HasPrefix(applied[0], "0038") {
		t.Fatalf("Migrate = %v, %v; want 0038 and later applied", applied, err)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// A destination across every application (the operator's look-up),
	// and the erasure of one in two applications, by the primary key.
	us, err := st.ListUsers(ctx, "", otp.UserFilter{Destination: "+15550001", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range us {
		got = append(got, u.AppID+" "+u.Destination)
	}
	if want := "app_1 +15550001,app_2 +15550001"; strings.Join(got, ",") != want {
		t.Errorf("users of +15550001 across applications = %v, want %s", got, want)
	}
	erased, err := st.EraseUser(ctx, otp.UserErasure{Destination: "+15550002", AppIDs: []string{"app_1", "app_2"}})
	if err != nil || erased.Users != 1 {
		t.Errorf("EraseUser(+15550002) = %+v, %v; want 1 user erased", erased, err)
	}

	// A receipt finds its message through the partial messages_provider;
	// the test inbox's messages, which it leaves out, get none.
	err = st.ApplyReceipt(ctx, "smsc", "smsc-1", func(v *otp.Verification, m *otp.Message) (otp.Effects, error) {
		if m.ID != "dlv_1" || v.ID != recentID {
			t.Errorf("receipt of smsc-1 found message %s of %s, want dlv_1 of %s", m.ID, v.ID, recentID)
		}
		m.Status = otp.DeliveryDelivered
		return otp.Effects{}, nil
	})
	if err != nil {
		t.Errorf("ApplyReceipt(smsc-1): %v", err)
	}
	err = st.ApplyReceipt(ctx, otp.TestInboxProvider, "dlv_2", func(*otp.Verification, *otp.Message) (otp.Effects, error) {
		return otp.Effects{}, nil
	})
	if !errors.Is(err, otp.ErrNotFound) {
		t.Errorf("ApplyReceipt of a test inbox message = %v, want ErrNotFound", err)
	}

	// Retention takes the year-old verification by its id, not the day-old one.
	if n, err := st.DeleteOldData(ctx, now.AddDate(0, 0, -90), now, 100); err != nil || n != 1 {
		t.Errorf("DeleteOldData = %d, %v; want the year-old verification", n, err)
	}
	if _, err := st.GetVerification(ctx, "app_1", oldID); !errors.Is(err, otp.ErrNotFound) {
		t.Errorf("the year-old verification after the sweep: %v, want ErrNotFound", err)
	}
	if _, err := st.GetVerification(ctx, "app_1", recentID); err != nil {
		t.Errorf("the day-old verification after the sweep: %v", err)
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for index, want := range map[string]string{
		"users_destination":     "",
		"verifications_created": "",
		"messages_provider":     "CREATE INDEX messages_provider ON messages (provider, provider_message_id) WHERE provider <> 'test_inbox'",
	} {
		var sql string
		err := raw.QueryRow(`SELECT coalesce((SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?), '')`, index).Scan(&sql)
		if err != nil {
			t.Fatal(err)
		}
		if sql != want {
			t.Errorf("index %s = %q, want %q", index, sql, want)
		}
	}
}
