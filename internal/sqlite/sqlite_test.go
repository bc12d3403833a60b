package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
	"github.com/otpd/otpd/internal/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) otp.Store {
		st, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return st
	})
}

// TestReopen checks that every verification and its outbox row survive a
// restart of the process.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "otpd.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	now := time.Date(2031, 1, 2, 3, 4, 5, 6000, time.UTC)
	p := &otp.Project{ID: otp.NewID("prj"), Name: "p", Policy: otp.DefaultPolicy(), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateProject(ctx, p); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	a := &otp.Application{ID: otp.NewID("app"), ProjectID: p.ID, Name: "a", Environment: otp.Live, Status: otp.AppActive,
		ClientID: "c", PublicKey: "pk", APIKeyHash: []byte("hash"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateApplication(ctx, a); err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	var want []*otp.Verification
	var deliveries []string
	for i := range 10 {
		v := &otp.Verification{ID: otp.NewID("ver"), AppID: a.ID, To: fmt.Sprintf("+1555000%04d", i), Channel: otp.SMS,
			Purpose: otp.PurposeVerification, Locale: "en", Status: otp.StatusPending, DeliveryStatus: otp.DeliveryQueued,
			CodeHash: []byte{byte(i), 1}, CodeSealed: []byte{byte(i), 2}, MaxAttempts: 5, MaxResends: 3,
			Metadata:  []byte(`{"i":1}`),
			CreatedAt: now.Add(time.Duration(i) * time.Second), UpdatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
		d := otp.Delivery{ID: otp.NewID("dlv"), AppID: a.ID, VerificationID: v.ID, Channel: otp.SMS, NextAttemptAt: now, CreatedAt: now}
		if err := st.CreateVerification(ctx, v, otp.Effects{Deliveries: []otp.Delivery{d}}, nil); err != nil {
			t.Fatalf("CreateVerification: %v", err)
		}
		want = append([]*otp.Verification{v}, want...)
		deliveries = append(deliveries, d.ID)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer st.Close()
	got, err := st.ListVerifications(ctx, a.ID, otp.VerificationFilter{})
	if err != nil {
		t.Fatalf("ListVerifications: %v", err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("verifications after reopening (-want +got):\n%s", d)
	}
	ds, err := st.ClaimDeliveries(ctx, now, now.Add(time.Minute), 100)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	var claimed []string
	for _, d := range ds {
		claimed = append(claimed, d.ID)
	}
	slices.Sort(claimed)
	if d := cmp.Diff(deliveries, claimed); d != "" {
		t.Errorf("outbox after reopening (-want +got):\n%s", d)
	}
}

func TestOpenPathForms(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		arg  string
		file string
	}{
		{filepath.Join(dir, "plain.db"), "plain.db"},
		{"sqlite:" + filepath.Join(dir, "scheme.db"), "scheme.db"},
		{"sqlite://" + filepath.Join(dir, "url.db"), "url.db"},
		{"file:" + filepath.Join(dir, "file.db"), "file.db"},
		{"sqlite://" + filepath.Join(dir, "with%20space.db"), "with space.db"},
		{filepath.Join(dir, "odd ?#%name.db"), "odd ?#%name.db"},
	} {
		st, err := sqlite.Open(t.Context(), tc.arg)
		if err != nil {
			t.Errorf("Open(%q): %v", tc.arg, err)
			continue
		}
		st.Close()
		fi, err := os.Stat(filepath.Join(dir, tc.file))
		if err != nil {
			t.Errorf("Open(%q) did not create %s: %v", tc.arg, tc.file, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("Open(%q) created the file with mode %v, want 0600", tc.arg, fi.Mode().Perm())
		}
	}
	for _, bad := range []string{"", ":memory:", "sqlite::memory:", "sqlite:" + filepath.Join(dir, "x.db") + "?mode=memory"} {
		if st, err := sqlite.Open(t.Context(), bad); err == nil {
			st.Close()
			t.Errorf("Open(%q) succeeded, want an error", bad)
		}
	}
}

func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otpd.db")
	applied, err := sqlite.Migrate(t.Context(), path)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	// Every migration file, in order: read from the directory the
	// binary embeds, so a new migration needs no edit here.
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".sql"); ok {
			want = append(want, name)
		}
	}
	if len(want) < 19 || want[0] != "0001_init" || want[17] != "0018_api_keys" {
		t.Fatalf("migrations directory lists %v, want 0001_init first and 0018_api_keys among them", want)
	}
	if d := cmp.Diff(want, applied); d != "" {
		t.Errorf("first Migrate applied (-want +got):\n%s", d)
	}
	applied, err = sqlite.Migrate(t.Context(), path)
	if err != nil || len(applied) != 0 {
		t.Errorf("second Migrate = %v, %v; want nothing applied", applied, err)
	}
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open after Migrate: %v", err)
	}
	st.Close()

	// The database is left in WAL mode, which the pragma makes persistent.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
}
