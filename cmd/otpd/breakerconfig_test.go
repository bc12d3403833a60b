package main

import (
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/delivery"
)

func TestConfigFileCircuitBreaker(t *testing.T) {
	path := writeConfig(t, `
providers:
  primary:
    type: console
    circuit_breaker: {failures: 3, cool_down: 2s}
  backup:
    type: console
routing:
  channels: {sms: [primary, backup]}
`)
	fc, err := loadConfigFile(path, envOf(nil))
	if err != nil {
		t.Fatalf("loadConfigFile: %v", err)
	}
	rc := fc.routerConfig(nil)
	want := map[string]delivery.BreakerConfig{"primary": {Failures: 3, CoolDown: 2 * time.Second}}
	if len(rc.Breakers) != 1 || rc.Breakers["primary"] != want["primary"] {
		t.Errorf("router breakers = %v, want %v (backup takes the defaults)", rc.Breakers, want)
	}

	for _, c := range []struct{ breaker, wantErr string }{
		{"{failures: -1}", "providers.primary.circuit_breaker.failures: -1 is negative"},
		{"{cool_down: -5s}", "providers.primary.circuit_breaker.cool_down: -5s is negative"},
		{"{cool_down: soon}", "providers.primary.circuit_breaker: "},
		{"{failures: 3, window: 10s}", `providers.primary.circuit_breaker: unknown key "window"`},
	} {
		path := writeConfig(t, "providers:\n  primary:\n    type: console\n    circuit_breaker: "+c.breaker+"\n")
		if _, err := loadConfigFile(path, envOf(nil)); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("circuit_breaker: %s: error %v, want one containing %q", c.breaker, err, c.wantErr)
		}
	}
}
