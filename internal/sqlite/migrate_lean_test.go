package sqlite_test

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// Migration 0037 narrows the index of messages by verification: the rows
// written before it read back as they were, through the indexes.
func TestMigrateNarrowMessageIndex(t *testing.T) {
	path, conn, closeDB := olderDatabase(t, "0037")
	for _, q := range []string{
		`INSERT INTO projects (id, name, description, policy, created_at, updated_at) VALUES ('prj_1', 'p', '', '{}', 1, 1)`,
		`INSERT INTO applications (id, project_id, name, environment, status, client_id, public_key, api_key_hash,
			api_key_preview, client_secret_preview, created_at, updated_at)
		VALUES ('app_1', 'prj_1', 'a', 'test', 'active', 'c', 'pk', x'00', '', '', 1, 1)`,
		`INSERT INTO verifications (id, app_id, destination, channel, purpose, locale, status, delivery_status,
			code_hash, code_sealed, attempts, max_attempts, resends, max_resends, metadata,
			created_at, updated_at, expires_at, last_sent_at, resend_at, sent_at, verified_at, last_error,
			country, carrier, cost_micros, cost_currency, delivered_at, options, fallback_step, next_step_at, message_number)
		VALUES ('ver_1', 'app_1', '+15550001', 'sms', 'verification', 'en', 'pending', 'delivered',
			x'0102', x'0304', 2, 5, 1, 3, '{"k":"v"}',
			1000000, 2000000, 3000000, 1500000, 1600000, 1700000, 0, 'late',
			'US', 'carrier', 7500, 'USD', 1800000, NULL, 1, 2500000, 7)`,
		`INSERT INTO verifications (id, app_id, destination, channel, purpose, locale, status, delivery_status,
			code_hash, code_sealed, attempts, max_attempts, resends, max_resends, metadata,
			created_at, updated_at, expires_at, last_sent_at, resend_at, sent_at, verified_at, last_error)
		VALUES ('ver_2', 'app_1', 'a@example.com', 'email', 'two_factor', 'ru', 'verified', 'sent',
			x'05', NULL, 1, 5, 0, 3, NULL, 1100000, 1200000, 1300000, 1100000, 1100000, 1100000, 1200000, '')`,
		`INSERT INTO messages (id, attempts, app_id, verification_id, channel, destination, provider, provider_message_id,
			status, error, cost_micros, cost_currency, created_at, sent_at, delivered_at, next_attempt_at)
		VALUES ('dlv_1', 1, 'app_1', 'ver_1', 'sms', '+15550001', 'smsc', 'smsc-1', 'failed', 'busy', 0, '', 1000000, 1000001, 0, 1400000),
			('dlv_1', 2, 'app_1', 'ver_1', 'sms', '+15550001', 'smsc', 'smsc-2', 'delivered', '', 7500, 'USD', 1400000, 1400001, 1800000, 0)`,
	} {
		if _, err := conn.ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	closeDB()

	applied, err := sqlite.Migrate(t.Context(), path)
	if err != nil || len(applied) == 0 || !strings.HasPrefix(applied[0], "0037") {
		t.Fatalf("Migrate = %v, %v; want 0037 and later applied", applied, err)
	}
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	us := func(n int64) time.Time {
		if n == 0 {
			return time.Time{}
		}
		return time.UnixMicro(n).UTC()
	}
	wantVerifications := []*otp.Verification{
		{ID: "ver_2", AppID: "app_1", To: "a@example.com", Channel: otp.Email, Purpose: otp.PurposeTwoFactor, Locale: "ru",
			Status: otp.StatusVerified, DeliveryStatus: otp.DeliverySent, CodeHash: []byte{5}, Attempts: 1, MaxAttempts: 5, MaxResends: 3,
			CreatedAt: us(1100000), UpdatedAt: us(1200000), ExpiresAt: us(1300000), LastSentAt: us(1100000), ResendAt: us(1100000),
			SentAt: us(1100000), VerifiedAt: us(1200000)},
		{ID: "ver_1", AppID: "app_1", To: "+15550001", Channel: otp.SMS, Purpose: otp.PurposeVerification, Locale: "en",
			Status: otp.StatusPending, DeliveryStatus: otp.DeliveryDelivered, CodeHash: []byte{1, 2}, CodeSealed: []byte{3, 4},
			Attempts: 2, MaxAttempts: 5, Resends: 1, MaxResends: 3, Metadata: json.RawMessage(`{"k":"v"}`),
			CreatedAt: us(1000000), UpdatedAt: us(2000000), ExpiresAt: us(3000000), LastSentAt: us(1500000), ResendAt: us(1600000),
			SentAt: us(1700000), LastError: "late", Country: "US", Carrier: "carrier", Cost: otp.Money{Micros: 7500, Currency: "USD"},
			DeliveredAt: us(1800000), FallbackStep: 1, NextStepAt: us(2500000), MessageNumber: 7},
	}
	got, err := st.ListVerifications(t.Context(), "app_1", otp.VerificationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantVerifications, got); diff != "" {
		t.Errorf("verifications after the migration (-want +got):\n%s", diff)
	}
	got, err = st.ListVerifications(t.Context(), "app_1", otp.VerificationFilter{To: "+15550001"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantVerifications[1:], got); diff != "" {
		t.Errorf("verifications to +15550001 after the migration (-want +got):\n%s", diff)
	}
	ms, err := st.ListMessages(t.Context(), "app_1", "ver_1")
	if err != nil {
		t.Fatal(err)
	}
	wantMessages := []otp.Message{
		{ID: "dlv_1", AppID: "app_1", VerificationID: "ver_1", Channel: otp.SMS, To: "+15550001", Provider: "smsc",
			ProviderMessageID: "smsc-1", Status: otp.DeliveryFailed, Attempts: 1, Error: "busy",
			CreatedAt: us(1000000), SentAt: us(1000001), NextAttemptAt: us(1400000)},
		{ID: "dlv_1", AppID: "app_1", VerificationID: "ver_1", Channel: otp.SMS, To: "+15550001", Provider: "smsc",
			ProviderMessageID: "smsc-2", Status: otp.DeliveryDelivered, Attempts: 2, Cost: otp.Money{Micros: 7500, Currency: "USD"},
			CreatedAt: us(1400000), SentAt: us(1400001), DeliveredAt: us(1800000)},
	}
	if diff := cmp.Diff(wantMessages, ms); diff != "" {
		t.Errorf("messages after the migration (-want +got):\n%s", diff)
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for index, wantColumns := range map[string]string{
		"verifications_destination": "app_id,destination,id",
		"messages_verification":     "verification_id",
	} {
		var columns string
		err := raw.QueryRow(`SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(?) ORDER BY seqno)`, index).Scan(&columns)
		if err != nil {
			t.Fatal(err)
		}
		if columns != wantColumns {
			t.Errorf("columns of %s = %s, want %s", index, columns, wantColumns)
		}
	}
}
