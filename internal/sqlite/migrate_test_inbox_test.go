package sqlite_test

import (
	"bytes"
	"database/sql"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/sqlite"
)

// Migration 0035 drops test_messages: a verification whose sealed code is
// still there keeps its messages in the test inbox by taking that code as
// its inbox code; a finished one's code was only in the dropped copies; a
// verification without test messages (a live application's) gets none.
func TestMigrateTestInboxToInboxCodes(t *testing.T) {
	path, conn, closeDB := olderDatabase(t, "0035")
	for _, q := range []string{
		`INSERT INTO verifications (id, app_id, destination, channel, purpose, locale, status, delivery_status, code_hash,
			code_sealed, attempts, max_attempts, resends, max_resends, created_at, updated_at, expires_at, last_sent_at,
			resend_at, sent_at, verified_at, last_error)
		VALUES ('ver_pending', 'app_test', '+14155550100', 'sms', 'verification', 'en', 'pending', 'sent', X'AA', X'0102', 0, 5, 0, 3, 1, 1, 2, 1, 1, 1, 0, ''),
			('ver_verified', 'app_test', '+14155550101', 'sms', 'verification', 'en', 'verified', 'sent', X'AA', NULL, 1, 5, 0, 3, 1, 1, 2, 1, 1, 1, 1, ''),
			('ver_live', 'app_live', '+14155550102', 'sms', 'verification', 'en', 'pending', 'sent', X'AA', X'0304', 0, 5, 0, 3, 1, 1, 2, 1, 1, 1, 0, '')`,
		`INSERT INTO test_messages (id, app_id, verification_id, destination, channel, body, code, created_at)
		VALUES ('dlv_1', 'app_test', 'ver_pending', '+14155550100', 'sms', 'b', '123456', 1),
			('dlv_2', 'app_test', 'ver_verified', '+14155550101', 'sms', 'b', '654321', 1)`,
	} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	closeDB()

	applied, err := sqlite.Migrate(t.Context(), path)
	if err != nil || len(applied) == 0 || !strings.HasPrefix(applied[0], "0035") {
		t.Fatalf("Migrate = %v, %v; want 0035 and later applied", applied, err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for id, want := range map[string][]byte{"ver_pending": {1, 2}, "ver_verified": nil, "ver_live": nil} {
		var got []byte
		if err := raw.QueryRow(`SELECT inbox_code FROM verifications WHERE id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("inbox code of %s = %x, want %x", id, got, want)
		}
	}
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'test_messages%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("test_messages and its indexes: %d left, %v; want none", n, err)
	}
}
