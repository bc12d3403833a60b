package postgres_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// Migration 0038 drops users_destination, makes messages_provider partial
// and users.app_id bytewise like the other app_id columns (so that the
// primary key serves a destination across applications): the rows written
// before it are still found by the queries those indexes served.
// verifications_created stays here.
func TestMigrateSchemaDiet(t *testing.T) {
	ctx := t.Context()
	u, db, conn := olderSchema(t, "0038")
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
	for _, app := range []string{"app_1", "app_2"} {
		exec(`INSERT INTO applications (id, project_id, name, environment, status, client_id, public_key, api_key_hash,
			api_key_preview, client_secret_preview, created_at, updated_at)
		VALUES ($1, 'prj_1', 'a', 'test', 'active', $1, $1, $2, '', '', 1, 1)`, app, []byte(app))
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
			code_hash, attempts, max_attempts, resends, max_resends,
			created_at, updated_at, expires_at, last_sent_at, resend_at, sent_at, verified_at, last_error)
		VALUES ($1, 'app_1', '+15550001', 'sms', 'verification', 'en', 'verified', 'sent',
			$3, 1, 5, 0, 3, $2, $2, $2, $2, $2, $2, $2, '')`, v.id, v.created.UnixMicro(), []byte{5})
	}
	for _, m := range []struct{ id, verification, provider, providerID string }{
		{"dlv_1", recentID, "smsc", "smsc-1"},
		{"dlv_2", recentID, otp.TestInboxProvider, "dlv_2"},
	} {
		exec(`INSERT INTO messages (id, attempts, app_id, verification_id, channel, destination, provider, provider_message_id,
			status, error, cost_micros, cost_currency, created_at, sent_at, delivered_at, next_attempt_at)
		VALUES ($1, 1, 'app_1', $2, 'sms', '', $3, $4, 'sent', '', 0, '', 1000000, 1000001, 0, 0)`,
			m.id, m.verification, m.provider, m.providerID)
	}
	conn.Close()

	st := open(t, u)
	defer st.Close()
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
	if n, err := st.DeleteOldData(ctx, now.AddDate(0, 0, -90), now, 100); err != nil || n != 1 {
		t.Errorf("DeleteOldData = %d, %v; want the year-old verification", n, err)
	}
	if _, err := st.GetVerification(ctx, "app_1", oldID); !errors.Is(err, otp.ErrNotFound) {
		t.Errorf("the year-old verification after the sweep: %v, want ErrNotFound", err)
	}
	if _, err := st.GetVerification(ctx, "app_1", recentID); err != nil {
		t.Errorf("the day-old verification after the sweep: %v", err)
	}

	for index, want := range map[string]string{
		"users_destination":     "",
		"verifications_created": "CREATE INDEX verifications_created ON %s.verifications USING btree (created_at)",
		"messages_provider":     "CREATE INDEX messages_provider ON %s.messages USING btree (provider, provider_message_id) WHERE (provider <> 'test_inbox'::text)",
	} {
		var def, schema string
		err := db.QueryRowContext(ctx, `SELECT current_schema(), coalesce((SELECT indexdef FROM pg_indexes
			WHERE schemaname = current_schema() AND indexname = $1), '')`, index).Scan(&schema, &def)
		if err != nil {
			t.Fatal(err)
		}
		if want != "" {
			want = fmt.Sprintf(want, schema)
		}
		if def != want {
			t.Errorf("index %s = %q, want %q", index, def, want)
		}
	}
	var collation string
	err = db.QueryRowContext(ctx, `SELECT coalesce(collation_name, '') FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'app_id'`).Scan(&collation)
	if err != nil || collation != "C" {
		t.Errorf("collation of users.app_id = %q, %v; want C, as applications.id", collation, err)
	}
}
