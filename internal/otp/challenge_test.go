package otp

import (
	"regexp"
	"testing"
)

func TestChallengeAllowsHost(t *testing.T) {
	c := ChallengePolicy{Hostnames: []string{"shop.example", "*.apps.example"}}
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"shop.example", true},
		{"SHOP.example", true},
		{"shop.example:8080", true}, // SmartCaptcha reports the port
		{"shop.example.", true},
		{"www.shop.example", false}, // no wildcard for shop.example
		{"a.apps.example", true},
		{"a.b.apps.example", true},
		{"apps.example", false}, // *. is for subdomains only
		{"evilapps.example", false},
		{"", false}, // SmartCaptcha's empty host when it could not tell
	} {
		if got := c.allowsHost(tc.host); got != tc.want {
			t.Errorf("allowsHost(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
	if !(ChallengePolicy{}).allowsHost("") {
		t.Error("an empty allow-list refused a token")
	}
}

func TestChallengeIdempotencyKey(t *testing.T) {
	k := challengeIdempotencyKey("app_1", "retry-1")
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(k) {
		t.Errorf("key %q is not a version 8 UUID", k)
	}
	if k != challengeIdempotencyKey("app_1", "retry-1") {
		t.Error("the same request got another key")
	}
	if k == challengeIdempotencyKey("app_2", "retry-1") {
		t.Error("two applications' requests got the same key")
	}
}

func TestMaskChallengeSecret(t *testing.T) {
	for secret, want := range map[string]string{
		"0x4AAAAAAABkMYinukE8nzYS": "****nzYS",
		"short":                    "****",
	} {
		if got := maskChallengeSecret(secret); got != want {
			t.Errorf("mask(%q) = %q, want %q", secret, got, want)
		}
	}
}
