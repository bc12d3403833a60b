package otp_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
)

// TestProviderID: a provider's number is a function of its name alone,
// positive, within 31 bits; it does not change between releases (clients
// store it).
func TestProviderID(t *testing.T) {
	for _, tc := range []struct {
		name string
		want int64
	}{
		{"twilio", 164633755},
		{"console", 332957516},
	} {
		if got := otp.ProviderID(tc.name); got != tc.want {
			t.Errorf("ProviderID(%q) = %d, want %d", tc.name, got, tc.want)
		}
	}
	for _, name := range []string{"", "a", "smpp-eu", strings.Repeat("x", 300)} {
		if id := otp.ProviderID(name); id <= 0 || id > 1<<31-1 {
			t.Errorf("ProviderID(%q) = %d, want within 1 to 2^31-1", name, id)
		}
	}
}

// TestProviderCatalogRefusesAmbiguity: two providers with one name, or
// whose names share a number, cannot be configured together: a pinned
// send could reach the wrong one.
func TestProviderCatalogRefusesAmbiguity(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "otpd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	keys, err := otp.NewServerKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	sms := []otp.Channel{otp.SMS}
	for _, tc := range []struct {
		name      string
		providers []otp.ProviderInfo
		wantErr   string
	}{
		{"distinct", []otp.ProviderInfo{{Name: "a", Channels: sms}, {Name: "b", Channels: sms}}, ""},
		{"one name twice", []otp.ProviderInfo{{Name: "a", Channels: sms}, {Name: "a", Channels: sms}}, `provider "a" is listed twice`},
		// sms-2848 and sms-32277 share the first 31 bits of their SHA-256.
		{"one number for two names", []otp.ProviderInfo{{Name: "sms-2848", Channels: sms}, {Name: "sms-32277", Channels: sms}}, "same numeric id 1735859194"},
		{"no name", []otp.ProviderInfo{{Channels: sms}}, "without a name"},
	} {
		_, err := otp.NewService(otp.Config{Store: store, Limiter: ratelimit.NewMemory(nil), Keys: keys, Providers: tc.providers})
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: err = %v, want one that says %q", tc.name, err, tc.wantErr)
		}
	}
}
