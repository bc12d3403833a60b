package sqlite_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// Migration 0024 rebuilds messages with the key (id, attempts): the rows
// written before it are kept as they were, and a delivery can then have a
// row per attempt.
func TestMigrateMessagesToOneRowPerAttempt(t *testing.T) {
	path, conn, closeDB := olderDatabase(t, "0024")
	_, err := conn.ExecContext(t.Context(), `INSERT INTO messages (id, app_id, verification_id, channel, destination, provider,
		provider_message_id, status, attempts, error, cost_micros, cost_currency, created_at, sent_at, delivered_at)
		VALUES ('dlv_1', 'app_1', 'ver_1', 'sms', '', 'smsc', 'smsc-1', 'delivered', 2, '', 7500, 'USD', 1000000, 2000000, 3000000)`)
	if err != nil {
		t.Fatal(err)
	}
	closeDB()

	applied, err := sqlite.Migrate(t.Context(), path)
	if err != nil || len(applied) == 0 || !strings.HasPrefix(applied[0], "0024") {
		t.Fatalf("Migrate = %v, %v; want 0024 and later applied", applied, err)
	}
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, err := st.ListMessages(t.Context(), "app_1", "ver_1")
	if err != nil {
		t.Fatal(err)
	}
	us := func(n int64) time.Time { return time.UnixMicro(n).UTC() }
	want := otp.Message{ID: "dlv_1", AppID: "app_1", VerificationID: "ver_1", Channel: otp.SMS, Provider: "smsc",
		ProviderMessageID: "smsc-1", Status: otp.DeliveryDelivered, Attempts: 2, Cost: otp.Money{Micros: 7500, Currency: "USD"},
		CreatedAt: us(1000000), SentAt: us(2000000), DeliveredAt: us(3000000)}
	if len(ms) != 1 || ms[0] != want {
		t.Fatalf("messages after the migration = %+v, want %+v", ms, want)
	}
	// Another attempt of the same delivery is a row of its own; the same
	// attempt twice is not.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	insert := `INSERT INTO messages (id, attempts, app_id, verification_id, channel, provider, provider_message_id,
		status, error, created_at, sent_at) VALUES ('dlv_1', $1, 'app_1', 'ver_1', 'sms', '', '', 'retrying', 'x', 1000000, 0)`
	if _, err := raw.Exec(insert, 1); err != nil {
		t.Errorf("a second attempt of dlv_1: %v", err)
	}
	if _, err := raw.Exec(insert, 2); err == nil {
		t.Error("attempt 2 of dlv_1 was inserted twice")
	}
	// The rebuilt table has its indexes back.
	rows, err := raw.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var indexes []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, name)
	}
	// 0035 adds the test inbox's partial indexes.
	const wantIndexes = "messages_provider,messages_test_inbox,messages_test_inbox_to,messages_verification"
	if got := strings.Join(indexes, ","); got != wantIndexes {
		t.Errorf("indexes of messages = %s, want %s", got, wantIndexes)
	}
}
