package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// A test inbox message names itself as its provider's message id: the row
// stores the empty string instead of the id a second time, and a read
// gives the id back (the conformance suite checks the read on both
// engines; this checks the bytes).
func TestTestInboxMessageStoresNoSecondID(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "otpd.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Test, Status: otp.AppActive,
		ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("hash"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	v := &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: "+15550001111", Channel: otp.SMS,
		Purpose: otp.PurposeVerification, Locale: "en", Status: otp.StatusPending, DeliveryStatus: otp.DeliverySent,
		CodeHash: []byte{1}, MaxAttempts: 5, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Minute)}
	inbox := otp.Message{ID: otp.NewID("dlv"), AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS, To: v.To,
		Provider: otp.TestInboxProvider, Status: otp.DeliverySent, Attempts: 1, CreatedAt: now, SentAt: now}
	inbox.ProviderMessageID = inbox.ID
	other := inbox // a provider's own id is kept as it is
	other.ID, other.Provider, other.ProviderMessageID = otp.NewID("dlv"), "smsc", "smsc-1"
	if err := st.CreateVerification(ctx, v, otp.Effects{Messages: []otp.Message{inbox, other}}, nil); err != nil {
		t.Fatal(err)
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for id, want := range map[string]string{inbox.ID: "", other.ID: "smsc-1"} {
		var stored string
		if err := raw.QueryRowContext(ctx, `SELECT provider_message_id FROM messages WHERE id = ?`, id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != want {
			t.Errorf("message %s stores provider_message_id %q, want %q", id, stored, want)
		}
	}
	ms, err := st.ListMessages(ctx, a.ID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if want := map[string]string{inbox.ID: inbox.ID, other.ID: "smsc-1"}[m.ID]; m.ProviderMessageID != want {
			t.Errorf("message %s reads provider message id %q, want %q", m.ID, m.ProviderMessageID, want)
		}
	}
	if len(ms) != 2 {
		t.Errorf("%d messages read, want 2", len(ms))
	}
}
