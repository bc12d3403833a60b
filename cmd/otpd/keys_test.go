package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// A server started with a key that does not open the stored values
// refuses to run and says which variables to set; `otpd keys rotate`
// with the new key and the previous one re-seals everything, resumably,
// so that the new key alone then serves and the old one is refused.
func TestServerKeyRotationCommand(t *testing.T) {
	dir := t.TempDir()
	newKey := otp.GenerateServerKey()
	env := map[string]string{"OTPD_DATA_DIR": dir, "OTPD_ADDR": "127.0.0.1:0", "OTPD_ADMIN_TOKEN": testAdminToken}
	var out, errOut bytes.Buffer
	runWith := func(extra map[string]string, args ...string) error {
		e := maps.Clone(env)
		maps.Copy(e, extra)
		out.Reset()
		errOut.Reset()
		return run(t.Context(), args, envFunc(e), &out, &errOut)
	}
	// Data sealed with the key otpd generates beside the database.
	if err := runWith(nil, "project", "create", "-name", "P"); err != nil {
		t.Fatal(err)
	}
	var p struct{ ID string }
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if err := runWith(nil, "app", "create", "-project", p.ID, "-name", "A"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	oldKey := strings.TrimSpace(string(b))

	err = runWith(map[string]string{"OTPD_SECRET_KEY": newKey}, "serve")
	if err == nil || !strings.Contains(err.Error(), "OTPD_SECRET_KEY_PREVIOUS") || !strings.Contains(err.Error(), "otpd keys rotate") {
		t.Fatalf("serve with another key: %v; want a refusal naming OTPD_SECRET_KEY_PREVIOUS and otpd keys rotate", err)
	}

	rotateEnv := map[string]string{"OTPD_SECRET_KEY": newKey, "OTPD_SECRET_KEY_PREVIOUS": oldKey}
	if err := runWith(rotateEnv, "keys", "rotate", "-batch", "1"); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "webhook_secret: 1 re-sealed, 0 already current") {
		t.Errorf("keys rotate printed:\n%s\nwant the webhook secret re-sealed", out.String())
	}
	if err := runWith(rotateEnv, "keys", "rotate"); err != nil {
		t.Fatalf("keys rotate again: %v", err)
	}
	if !strings.Contains(out.String(), "webhook_secret: 0 re-sealed, 1 already current") {
		t.Errorf("keys rotate again printed:\n%s\nwant nothing re-sealed", out.String())
	}

	env["OTPD_SECRET_KEY"] = newKey
	_, _, stop := startServe(t, env)
	if err := stop(); err != nil {
		t.Errorf("serve with the new key after the rotation: %v", err)
	}
	if err := runWith(map[string]string{"OTPD_SECRET_KEY": oldKey}, "serve"); err == nil || !strings.Contains(err.Error(), "OTPD_SECRET_KEY") {
		t.Errorf("serve with the old key after the rotation: %v; want a refusal", err)
	}
	if err := runWith(map[string]string{"OTPD_SECRET_KEY_PREVIOUS": newKey}, "keys", "rotate"); err == nil ||
		!strings.Contains(err.Error(), "OTPD_SECRET_KEY_PREVIOUS") {
		t.Errorf("OTPD_SECRET_KEY_PREVIOUS equal to OTPD_SECRET_KEY: %v; want it refused", err)
	}
}
