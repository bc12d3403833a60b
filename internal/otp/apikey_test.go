package otp_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
	"github.com/otpd/otpd/internal/sqlite"
	"github.com/otpd/otpd/internal/sqlite/sqlitetest"
)

func TestAPIKeyAllows(t *testing.T) {
	prefixes := func(ss ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range ss {
			out = append(out, netip.MustParsePrefix(s))
		}
		return out
	}
	for _, tc := range []struct {
		allowed []netip.Prefix
		ip      string // "" is the zero address: unknown
		want    bool
	}{
		{nil, "198.51.100.1", true},
		{nil, "", true},
		{prefixes("203.0.113.0/24"), "203.0.113.200", true},
		{prefixes("203.0.113.0/24"), "203.0.114.1", false},
		{prefixes("203.0.113.0/24"), "::ffff:203.0.113.9", true}, // an IPv4 caller seen through an IPv6 socket
		{prefixes("203.0.113.0/24"), "", false},
		{prefixes("127.0.0.1/32"), "127.0.0.1", true},
		{prefixes("127.0.0.1/32"), "127.0.0.2", false},
		{prefixes("2001:db8::/32"), "2001:db8:ffff::1", true},
		{prefixes("2001:db8::/32"), "2001:db9::1", false},
		{prefixes("2001:db8::/32"), "203.0.113.1", false},
		{prefixes("203.0.113.0/24", "2001:db8::1/128"), "2001:db8::1", true},
		{prefixes("203.0.113.0/24", "2001:db8::1/128"), "2001:db8::2", false},
	} {
		var ip netip.Addr
		if tc.ip != "" {
			ip = netip.MustParseAddr(tc.ip)
		}
		k := &otp.APIKey{AllowedIPs: tc.allowed}
		if got := k.Allows(ip); got != tc.want {
			t.Errorf("%v allows %q = %t, want %t", tc.allowed, tc.ip, got, tc.want)
		}
	}
}

func TestCreateAPIKey(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	k, plain, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Name: "  dashboard ", Scope: otp.ScopeRead,
		AllowedIPs: []string{" 203.0.113.0/24", "2001:db8::1", "::ffff:198.51.100.7", "203.0.113.0/24", "2001:DB8::/32"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "otpd_live_read_") || len(plain) != len("otpd_live_read_")+48 {
		t.Errorf("plaintext = %q, want otpd_live_read_ and 48 hex digits", plain)
	}
	if want := "otpd_live_read_****" + plain[len(plain)-4:]; k.Preview != want {
		t.Errorf("preview = %q, want %q", k.Preview, want)
	}
	if !strings.HasPrefix(k.ID, "key_") || k.Name != "dashboard" || k.Scope != otp.ScopeRead || k.AppID != a.ID {
		t.Errorf("key = %+v, want key_…, name dashboard, scope read, app %s", k, a.ID)
	}
	var got []string
	for _, p := range k.AllowedIPs {
		got = append(got, p.String())
	}
	// Bare addresses are single-address blocks, IPv4-mapped addresses
	// their IPv4 form, duplicates dropped, IPv6 canonical.
	if want := []string{"203.0.113.0/24", "2001:db8::1/128", "198.51.100.7/32", "2001:db8::/32"}; !slices.Equal(got, want) {
		t.Errorf("allowed IPs = %q, want %q", got, want)
	}
	if _, full, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeFull}); err != nil || !strings.HasPrefix(full, "otpd_live_api_") {
		t.Errorf("full key = %q, %v; want otpd_live_api_…", full, err)
	}
	test, _ := f.newApp(t, otp.Test)
	if _, sandbox, err := f.svc.CreateAPIKey(t.Context(), test.ID, otp.APIKeyInput{Scope: otp.ScopeRead}); err != nil || !strings.HasPrefix(sandbox, "otpd_test_read_") {
		t.Errorf("test application's read key = %q, %v; want otpd_test_read_…", sandbox, err)
	}
}

func TestCreateAPIKeyRefusesBadInput(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	many := make([]string, otp.MaxAllowedIPs+1)
	for i := range many {
		many[i] = fmt.Sprintf("10.0.%d.0/24", i)
	}
	for _, tc := range []struct {
		name     string
		in       otp.APIKeyInput
		field    string
		key      string
		inDetail string // a word the message must have
	}{
		{"no scope", otp.APIKeyInput{}, "scope", "required", "full or read"},
		{"unknown scope", otp.APIKeyInput{Scope: "admin"}, "scope", "invalid_key_scope", "full or read"},
		{"name too long", otp.APIKeyInput{Scope: otp.ScopeFull, Name: strings.Repeat("n", 101)}, "name", "too_long", "100"},
		{"control characters", otp.APIKeyInput{Scope: otp.ScopeFull, Name: "a\nb"}, "name", "unsafe_characters", "control"},
		{"bidirectional override", otp.APIKeyInput{Scope: otp.ScopeFull, Name: "a\u202Eb"}, "name", "unsafe_characters", "bidirectional"},
		{"a hostname", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{"10.0.0.1", "example.com"}}, "allowedIps[1]", "invalid_allowed_ip", "CIDR"},
		{"empty entry", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{" "}}, "allowedIps[0]", "invalid_allowed_ip", "IPv4 or IPv6"},
		{"prefix too long", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{"10.0.0.0/33"}}, "allowedIps[0]", "invalid_allowed_ip", "CIDR"},
		{"v6 prefix too long", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{"2001:db8::/129"}}, "allowedIps[0]", "invalid_allowed_ip", "CIDR"},
		{"a zone", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{"fe80::1%eth0"}}, "allowedIps[0]", "invalid_allowed_ip", "CIDR"},
		{"a port", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{"203.0.113.7:443"}}, "allowedIps[0]", "invalid_allowed_ip", "CIDR"},
		{"a range", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{"10.0.0.1-10.0.0.9"}}, "allowedIps[0]", "invalid_allowed_ip", "CIDR"},
		{"host bits", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{"203.0.113.7/24"}}, "allowedIps[0]", "allowed_ip_host_bits", "203.0.113.0/24"},
		{"v6 host bits", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{"2001:db8::1/32"}}, "allowedIps[0]", "allowed_ip_host_bits", "2001:db8::/32"},
		{"very long", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: []string{strings.Repeat("1", 100)}}, "allowedIps[0]", "invalid_allowed_ip", "CIDR"},
		{"too many", otp.APIKeyInput{Scope: otp.ScopeFull, AllowedIPs: many}, "allowedIps", "too_many", "50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, plain, err := f.svc.CreateAPIKey(t.Context(), a.ID, tc.in)
			e := otp.ErrorOf(err)
			if e == nil || e.Code != otp.CodeInvalidParameter || e.Field != tc.field || e.Key != tc.key || !strings.Contains(e.Message, tc.inDetail) {
				t.Fatalf("error = %v, want INVALID_PARAMETER %s on %s mentioning %q", err, tc.key, tc.field, tc.inDetail)
			}
			if plain != "" {
				t.Errorf("a refused key came with a plaintext")
			}
		})
	}
	keys, err := f.svc.ListAPIKeys(t.Context(), a.ID)
	if err != nil || len(keys) != 1 {
		t.Errorf("keys after the refusals = %d, %v; want only the application's own", len(keys), err)
	}
}

func TestAPIKeysPerApplicationAreBounded(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	b, _ := f.newApp(t, otp.Live)
	for range otp.MaxAPIKeysPerApp {
		if _, _, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeRead}); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeRead})
	if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeConflict || e.Key != "too_many_api_keys" {
		t.Fatalf("key %d: %v, want CONFLICT too_many_api_keys", otp.MaxAPIKeysPerApp+1, err)
	}
	if _, _, err := f.svc.CreateAPIKey(t.Context(), b.ID, otp.APIKeyInput{Scope: otp.ScopeRead}); err != nil {
		t.Errorf("another application's first key: %v", err)
	}
	if _, _, err := f.svc.CreateAPIKey(t.Context(), "app_unknown", otp.APIKeyInput{Scope: otp.ScopeRead}); code(err) != otp.CodeNotFound {
		t.Errorf("unknown application: %v, want NOT_FOUND", err)
	}
}

func TestListAndRevokeAPIKeys(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Live)
	b, _ := f.newApp(t, otp.Live)
	first, _, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeFull, Name: "first"})
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeRead, Name: "second"})
	if err != nil {
		t.Fatal(err)
	}
	ofB, _, err := f.svc.CreateAPIKey(t.Context(), b.ID, otp.APIKeyInput{Scope: otp.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := f.svc.ListAPIKeys(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	if want := []string{otp.PrimaryAPIKeyID, first.ID, second.ID}; !slices.Equal(ids, want) {
		t.Fatalf("keys = %q, want the application's own first, then oldest first: %q", ids, want)
	}
	if p := keys[0]; !p.Primary || p.Scope != otp.ScopeFull || p.Preview != a.APIKeyPreview || len(p.AllowedIPs) != 0 || len(p.Hash) != 0 {
		t.Errorf("primary entry = %+v, want full scope, the application's preview, no allow-list, no hash", p)
	}

	for _, tc := range []struct {
		name, app, key, want string
	}{
		{"the application's own key", a.ID, otp.PrimaryAPIKeyID, otp.CodeConflict},
		{"another application's key", a.ID, ofB.ID, otp.CodeNotFound},
		{"an unknown key", a.ID, "key_unknown", otp.CodeNotFound},
		{"an unknown application", "app_unknown", first.ID, otp.CodeNotFound},
		{"its own key", a.ID, first.ID, ""},
		{"the same key again", a.ID, first.ID, otp.CodeNotFound},
	} {
		if err := f.svc.RevokeAPIKey(t.Context(), tc.app, tc.key); code(err) != tc.want {
			t.Errorf("revoke %s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if keys, _ := f.svc.ListAPIKeys(t.Context(), b.ID); len(keys) != 2 {
		t.Errorf("b has %d keys after a's revocations, want 2", len(keys))
	}
}

func TestAuthenticateWithExtraKeys(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, creds := f.newApp(t, otp.Test)
	_, full, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeFull})
	if err != nil {
		t.Fatal(err)
	}
	_, read, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeRead, AllowedIPs: []string{"203.0.113.0/24", "2001:db8::/32"}})
	if err != nil {
		t.Fatal(err)
	}
	inside, outside := netip.MustParseAddr("203.0.113.9"), netip.MustParseAddr("198.51.100.1")
	inside6, outside6 := netip.MustParseAddr("2001:db8:5::1"), netip.MustParseAddr("2001:db9::1")
	for _, tc := range []struct {
		name    string
		call    otp.APICall
		code    string
		errKey  string
		appBack bool
	}{
		{"own key, anywhere, writing", otp.APICall{Key: creds.APIKey, RemoteIP: outside}, "", "", true},
		{"full key, anywhere, writing", otp.APICall{Key: full, RemoteIP: outside}, "", "", true},
		{"full key, unknown address", otp.APICall{Key: full}, "", "", true},
		{"read key, allowed v4, reading", otp.APICall{Key: read, RemoteIP: inside, ReadOnly: true}, "", "", true},
		{"read key, allowed v6, reading", otp.APICall{Key: read, RemoteIP: inside6, ReadOnly: true}, "", "", true},
		{"read key, allowed, writing", otp.APICall{Key: read, RemoteIP: inside}, otp.CodeForbidden, "read_only_key", false},
		{"read key, elsewhere v4", otp.APICall{Key: read, RemoteIP: outside, ReadOnly: true}, otp.CodeUnauthenticated, "invalid_credentials", false},
		{"read key, elsewhere v6", otp.APICall{Key: read, RemoteIP: outside6, ReadOnly: true}, otp.CodeUnauthenticated, "invalid_credentials", false},
		{"read key, unknown address", otp.APICall{Key: read, ReadOnly: true}, otp.CodeUnauthenticated, "invalid_credentials", false},
		{"unknown key", otp.APICall{Key: "otpd_test_read_" + strings.Repeat("0", 48), RemoteIP: inside, ReadOnly: true}, otp.CodeUnauthenticated, "invalid_credentials", false},
	} {
		got, _, err := f.svc.AuthenticateCall(t.Context(), tc.call)
		e := otp.ErrorOf(err)
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: %v, want success", tc.name, err)
		case tc.code != "" && (e == nil || e.Code != tc.code || e.Key != tc.errKey):
			t.Errorf("%s: %v, want %s %s", tc.name, err, tc.code, tc.errKey)
		case tc.appBack && (got == nil || got.ID != a.ID):
			t.Errorf("%s: application %+v, want %s", tc.name, got, a.ID)
		case !tc.appBack && got != nil:
			t.Errorf("%s: an application came back with the refusal", tc.name)
		}
	}
	// Authenticate, the strict form (a write from an unknown address),
	// passes only keys without an allow-list and of scope full.
	if _, _, err := f.svc.Authenticate(t.Context(), full); err != nil {
		t.Errorf("Authenticate(full key): %v", err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), read); code(err) != otp.CodeUnauthenticated {
		t.Errorf("Authenticate(allow-listed read key): %v, want UNAUTHENTICATED", err)
	}

	// A disabled application refuses its extra keys as it does its own,
	// but a caller from outside the allow-list is not told so.
	if _, err := f.svc.UpdateApplication(t.Context(), a.ID, otp.ApplicationInput{Status: ptr(otp.AppDisabled)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AuthenticateCall(t.Context(), otp.APICall{Key: read, RemoteIP: inside, ReadOnly: true}); code(err) != otp.CodeForbidden {
		t.Errorf("read key of a disabled application: %v, want FORBIDDEN", err)
	}
	if _, _, err := f.svc.AuthenticateCall(t.Context(), otp.APICall{Key: read, RemoteIP: outside, ReadOnly: true}); code(err) != otp.CodeUnauthenticated {
		t.Errorf("read key of a disabled application from elsewhere: %v, want UNAUTHENTICATED", err)
	}
}

// Each API key counts against its own bucket: the application's own key
// keeps the bucket it always had, each extra key gets one of its own.
func TestEachAPIKeyHasItsOwnRateLimit(t *testing.T) {
	f := newFixture(t, otp.Limits{APIKeyRequests: otp.Limit{Count: 2, Period: time.Minute}})
	a, creds := f.newApp(t, otp.Test)
	_, k1, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeFull})
	if err != nil {
		t.Fatal(err)
	}
	_, k2, err := f.svc.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{creds.APIKey, k1, k2} {
		for i := range 3 {
			_, d, err := f.svc.AuthenticateCall(t.Context(), otp.APICall{Key: key, ReadOnly: true})
			want := ""
			if i == 2 {
				want = otp.CodeRateLimited
			}
			if code(err) != want {
				t.Fatalf("%s request %d: %v, want %q", key[:15], i+1, err, want)
			}
			if d.Limit != 2 || d.Remaining != max(0, 1-i) {
				t.Errorf("%s request %d: decision %+v, want limit 2, remaining %d", key[:15], i+1, d, max(0, 1-i))
			}
		}
	}
	// The console's test sends share the application's own bucket, as before.
	if _, err := f.svc.TestSend(t.Context(), a.ID, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS}); code(err) != otp.CodeRateLimited {
		t.Errorf("test send after the own key's bucket ran out: %v, want RATE_LIMITED", err)
	}
}

// keyCountingStore counts the reads of extra API keys.
type keyCountingStore struct {
	otp.Store
	byHash atomic.Int64
}

func (s *keyCountingStore) GetAPIKeyByHash(ctx context.Context, keyHash []byte) (*otp.APIKey, error) {
	s.byHash.Add(1)
	return s.Store.GetAPIKeyByHash(ctx, keyHash)
}

// twoInstances returns two services sharing one database, as two otpd
// instances would, each with its own read cache, on one clock.
func twoInstances(t *testing.T, ttl time.Duration) (one, two *otp.Service, store *keyCountingStore, clk *testClock) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlitetest.Path(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := otp.NewServerKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk = &testClock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	store = &keyCountingStore{Store: db}
	newService := func() *otp.Service {
		svc, err := otp.NewService(otp.Config{Store: store, Limiter: ratelimit.NewMemory(clk.Now), Keys: keys, Clock: clk,
			Limits: otp.Limits{ReadCacheTTL: ttl}})
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	return newService(), newService(), store, clk
}

// A revoked key stops at once on the instance that revoked it, and on
// the others when their read cache expires, not later.
func TestRevokedAPIKeyStops(t *testing.T) {
	one, two, store, clk := twoInstances(t, 2*time.Second)
	p, err := one.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := one.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID})
	if err != nil {
		t.Fatal(err)
	}
	k, plain, err := one.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeFull})
	if err != nil {
		t.Fatal(err)
	}
	auth := func(svc *otp.Service) error {
		_, _, err := svc.Authenticate(t.Context(), plain)
		return err
	}
	for range 3 {
		for _, svc := range []*otp.Service{one, two} {
			if err := auth(svc); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := store.byHash.Load(); got != 2 {
		t.Fatalf("6 calls on 2 instances read the key %d times, want 2: it must be cached for this test", got)
	}
	if err := one.RevokeAPIKey(t.Context(), a.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := auth(one); code(err) != otp.CodeUnauthenticated {
		t.Errorf("on the revoking instance: %v, want UNAUTHENTICATED at once", err)
	}
	if err := auth(two); err != nil {
		t.Errorf("on the other instance within its cache TTL: %v, want it still accepted (documented)", err)
	}
	clk.Advance(2 * time.Second)
	if err := auth(two); code(err) != otp.CodeUnauthenticated {
		t.Errorf("on the other instance after its cache TTL: %v, want UNAUTHENTICATED", err)
	}
}

// Deleting an application ends its extra keys at once, cached or not.
func TestDeletedApplicationsKeysStopAtOnce(t *testing.T) {
	one, _, _, _ := twoInstances(t, time.Hour)
	p, err := one.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P")})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := one.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, plain, err := one.CreateAPIKey(t.Context(), a.ID, otp.APIKeyInput{Scope: otp.ScopeFull})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := one.Authenticate(t.Context(), plain); err != nil {
		t.Fatal(err)
	}
	if err := one.DeleteApplication(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := one.Authenticate(t.Context(), plain); code(err) != otp.CodeUnauthenticated {
		t.Errorf("a deleted application's key: %v, want UNAUTHENTICATED", err)
	}
}
