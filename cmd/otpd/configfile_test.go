package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

func writeConfig(t testing.TB, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "otpd.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFileSecrets(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secretFile, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, `
providers:
  dev:
    type: console
routing:
  attempts_per_provider: ${ATTEMPTS}
  channels:
    sms: [dev]
prices:
  currency: ${CURRENCY}
  default: {sms: "0.0075"}
  countries:
    RU: {sms: "0.045"}
`)
	fc, err := loadConfigFile(path, envOf(map[string]string{"ATTEMPTS": "3", "CURRENCY_FILE": secretFile}))
	if err == nil || !strings.Contains(err.Error(), "prices.currency: ") {
		// the file holds "from-a-file", not a currency: the error names the key
		t.Fatalf("loadConfigFile with a bad currency from a file = %v, want an error naming prices.currency", err)
	}
	if err := os.WriteFile(secretFile, []byte("EUR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fc, err = loadConfigFile(path, envOf(map[string]string{"ATTEMPTS": "3", "CURRENCY_FILE": secretFile}))
	if err != nil {
		t.Fatalf("loadConfigFile: %v", err)
	}
	if fc.Routing.AttemptsPerProvider != 3 {
		t.Errorf("attempts_per_provider = %d, want 3 from the environment", fc.Routing.AttemptsPerProvider)
	}
	prices, err := fc.Prices.table()
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := prices.Price(otp.SMS, "RU"); !ok || m.Amount() != "0.045" || m.Currency != "EUR" {
		t.Errorf("RU sms price = %+v %v, want 0.045 EUR", m, ok)
	}
	if m, ok := prices.Price(otp.SMS, "US"); !ok || m.Amount() != "0.0075" {
		t.Errorf("US sms price = %+v %v, want the default 0.0075", m, ok)
	}
	if _, ok := prices.Price(otp.Voice, "US"); ok {
		t.Error("voice has a price, want none")
	}
}

func TestConfigFileErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
		env              map[string]string
	}{
		{"missing secret", "providers:\n  dev:\n    type: console\n    token: ${NOPE}\n", "providers.dev.token: environment variable NOPE (or NOPE_FILE) is not set", nil},
		{"missing secret file", "routing:\n  attempts_per_provider: ${N}\n", "routing.attempts_per_provider: N_FILE: ", map[string]string{"N_FILE": "/nonexistent/file"}},
		{"unknown top-level key", "provider:\n  dev: {type: console}\n", `unknown key "provider"`, nil},
		{"provider without type", "providers:\n  dev: {}\n", "providers.dev.type is required", nil},
		{"unknown provider type", "providers:\n  dev: {type: carrier-pigeon}\n", `providers.dev.type: unknown type "carrier-pigeon"`, nil},
		{"unknown provider key", "providers:\n  dev: {type: console, colour: red}\n", `providers.dev: unknown key "colour"`, nil},
		{"bad provider name", "providers:\n  \"a b\": {type: console}\n", "providers.a b: a provider name is", nil},
		{"unknown routing key", "routing:\n  chanels: {sms: [dev]}\n", `routing: unknown key "chanels"`, nil},
		{"bad routing value", "routing:\n  attempts_per_provider: many\n", `routing: "many" is not a valid int`, nil},
		{"routing to unknown provider", "providers:\n  dev: {type: console}\nrouting:\n  channels: {sms: [twilio]}\n", `routing.channels.sms: unknown provider "twilio"`, nil},
		{"bad country rule", "providers:\n  dev: {type: console}\nrouting:\n  countries: [{channel: sms, prefix: \"7\", providers: [dev]}]\n", "routing.countries[0].prefix", nil},
		{"bad price", "prices:\n  currency: USD\n  default: {sms: \"cheap\"}\n", "prices.default.sms: ", nil},
		{"bad price channel", "prices:\n  currency: USD\n  default: {fax: \"1\"}\n", "prices.default.fax: unknown channel", nil},
		{"bad price country", "prices:\n  currency: USD\n  countries: {Russia: {sms: \"1\"}}\n", "prices.countries.Russia: not an ISO 3166 region", nil},
		{"not yaml", "providers: [\n", "", nil},
		{"empty", "", "the file is empty", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.text)
			getenv := envOf(tc.env)
			fc, err := loadConfigFile(path, getenv)
			if err == nil {
				_, err = newDeliverySetup(fc, providerEnv{Logger: discardLogger()})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// A secret's value cannot change the file's structure: it is expanded
// inside the scalar it appears in, after parsing.
func TestConfigFileSecretCannotInjectKeys(t *testing.T) {
	path := writeConfig(t, "routing:\n  channels: {sms: [\"${NAME}\"]}\nproviders:\n  dev: {type: console}\n")
	fc, err := loadConfigFile(path, envOf(map[string]string{"NAME": "dev]\n  voice: [dev"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.Routing.Channels["sms"]; len(got) != 1 || got[0] != "dev]\n  voice: [dev" || len(fc.Routing.Channels) != 1 {
		t.Errorf("channels = %q, want one sms provider with the odd name verbatim", fc.Routing.Channels)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
