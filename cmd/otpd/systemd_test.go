package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// systemdUnit is a unit file's settings: section, then key, then every
// value given, in order.
type systemdUnit map[string]map[string][]string

func parseSystemdUnit(t *testing.T, text string) systemdUnit {
	t.Helper()
	unit := systemdUnit{}
	section := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			unit[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("line %d: %q is not key=value in a section", i+1, line)
			}
			unit[section][key] = append(unit[section][key], value)
		}
	}
	return unit
}

// TestSystemdUnit checks deploy/otpd.service: it runs an otpd command
// with variables otpd reads, gives SIGTERM's drain more time than otpd
// takes, and carries the hardening options; and `systemd-analyze verify`
// accepts it where systemd is installed.
func TestSystemdUnit(t *testing.T) {
	path := filepath.Join(repoRoot(t), "deploy", "otpd.service")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	unit := parseSystemdUnit(t, string(raw))
	service := unit["Service"]
	one := func(key string) string {
		if len(service[key]) != 1 {
			t.Errorf("[Service] has %d %s lines, want 1", len(service[key]), key)
			return ""
		}
		return service[key][0]
	}

	start := strings.Fields(one("ExecStart"))
	if len(start) < 2 || filepath.Base(start[0]) != "otpd" || !isOtpdCommand(start[1]) {
		t.Errorf("ExecStart=%s, want otpd and one of its commands", strings.Join(start, " "))
	}

	env := map[string]string{}
	var names []string
	for _, assignments := range service["Environment"] {
		for _, kv := range strings.Fields(assignments) {
			name, value, _ := strings.Cut(strings.Trim(kv, `"`), "=")
			env[name] = value
			names = append(names, name)
		}
	}
	checkEnvNames(t, "deploy/otpd.service's Environment", names)
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the unit's Environment: %v", err)
	}
	if want := "/var/lib/" + one("StateDirectory"); cfg.DataDir != want {
		t.Errorf("OTPD_DATA_DIR is %q, want the StateDirectory, %s", cfg.DataDir, want)
	}

	// otpd drains for up to cfg.ShutdownTimeout after SIGTERM, then ends
	// its deliveries: systemd must not SIGKILL it sooner.
	if sig := service["KillSignal"]; len(sig) > 0 && sig[0] != "SIGTERM" {
		t.Errorf("KillSignal=%s, want SIGTERM, which otpd drains on", sig[0])
	}
	stop, err := time.ParseDuration(one("TimeoutStopSec"))
	if err != nil {
		t.Errorf("TimeoutStopSec=%s: write it as 30s (%v)", one("TimeoutStopSec"), err)
	} else if stop < cfg.ShutdownTimeout+10*time.Second {
		t.Errorf("TimeoutStopSec=%s, want at least otpd's shutdown timeout (%s) and 10 s for its deliveries", stop, cfg.ShutdownTimeout)
	}

	for key, want := range map[string]string{
		"EnvironmentFile": "-/etc/otpd/otpd.env", "Restart": "on-failure", "DynamicUser": "yes", "StateDirectory": "otpd",
		"NoNewPrivileges": "yes", "CapabilityBoundingSet": "", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectControlGroups": "yes", "RestrictNamespaces": "yes", "RestrictSUIDSGID": "yes", "LockPersonality": "yes",
		"MemoryDenyWriteExecute": "yes", "SystemCallFilter": "@system-service", "SystemCallArchitectures": "native",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
	} {
		if got := service[key]; !slices.Contains(got, want) {
			t.Errorf("[Service] %s=%v, want %s=%s", key, got, key, want)
		}
	}

	verifyWithSystemd(t, string(raw))
}

// verifyWithSystemd runs `systemd-analyze verify` on the unit, with
// ExecStart pointing at an executable that exists here (verify refuses a
// missing one), and fails on anything it says: it reports unknown keys
// and bad values as warnings and still exits 0.
func verifyWithSystemd(t *testing.T, unit string) {
	t.Helper()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: the unit is not verified by systemd (apt-get install systemd)")
		return
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	local := regexp.MustCompile(`(?m)^ExecStart=\S+`).ReplaceAllString(unit, "ExecStart="+self)
	path := filepath.Join(t.TempDir(), "otpd.service")
	if err := os.WriteFile(path, []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify deploy/otpd.service: %v\n%s", err, out)
	}
}
