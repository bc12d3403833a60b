package otp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

func TestAuthenticateReadsTheStoreOncePerTTL(t *testing.T) {
	f := newFixture(t, otp.Limits{}) // default TTL, 2 s
	_, creds := f.newApp(t, otp.Test)
	auth := func() {
		t.Helper()
		if _, _, err := f.svc.Authenticate(t.Context(), creds.APIKey); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
	}
	for range 5 {
		auth()
	}
	if got := f.store.appByKey.Load(); got != 1 {
		t.Errorf("5 requests read the application %d times, want 1", got)
	}
	f.clock.Advance(2*time.Second - time.Microsecond)
	auth()
	if got := f.store.appByKey.Load(); got != 1 {
		t.Errorf("just before the TTL: %d reads, want 1", got)
	}
	f.clock.Advance(time.Microsecond)
	auth()
	auth()
	if got := f.store.appByKey.Load(); got != 2 {
		t.Errorf("after the TTL: %d reads, want 2 (read again once, then cached)", got)
	}
}

func TestReadCacheTTLIsConfigurable(t *testing.T) {
	for _, tc := range []struct {
		ttl       time.Duration
		advance   time.Duration
		wantReads int64
	}{
		{ttl: -1, advance: 0, wantReads: 3},                             // off: every request reads
		{ttl: 10 * time.Second, advance: 9 * time.Second, wantReads: 1}, // still fresh
		{ttl: 10 * time.Second, advance: 10 * time.Second, wantReads: 2},
	} {
		f := newFixture(t, otp.Limits{ReadCacheTTL: tc.ttl})
		_, creds := f.newApp(t, otp.Test)
		for _, d := range []time.Duration{0, 0, tc.advance} {
			f.clock.Advance(d)
			if _, _, err := f.svc.Authenticate(t.Context(), creds.APIKey); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.store.appByKey.Load(); got != tc.wantReads {
			t.Errorf("TTL %s, third request after %s: %d reads, want %d", tc.ttl, tc.advance, got, tc.wantReads)
		}
	}
}

func TestUnknownAPIKeysAreNotCached(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	for range 3 {
		if _, _, err := f.svc.Authenticate(t.Context(), "otpd_test_api_unknown"); code(err) != otp.CodeUnauthenticated {
			t.Fatalf("unknown key: %v, want UNAUTHENTICATED", err)
		}
	}
	if got := f.store.appByKey.Load(); got != 3 {
		t.Errorf("3 requests with an unknown key read the store %d times, want 3", got)
	}
	// A key created now works at once.
	_, creds := f.newApp(t, otp.Test)
	if _, _, err := f.svc.Authenticate(t.Context(), creds.APIKey); err != nil {
		t.Errorf("new key: %v", err)
	}
}

// Changes through the service end a cached application at once, without
// waiting for the TTL (the clock never moves here).
func TestApplicationChangesTakeEffectAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *fixture, a *otp.Application) error
		want   string
	}{
		{"disable", func(f *fixture, a *otp.Application) error {
			_, err := f.svc.UpdateApplication(t.Context(), a.ID, otp.ApplicationInput{Status: ptr(otp.AppDisabled)})
			return err
		}, otp.CodeForbidden},
		{"rotate the API key", func(f *fixture, a *otp.Application) error {
			_, _, err := f.svc.RotateCredential(t.Context(), a.ID, otp.CredentialAPIKey)
			return err
		}, otp.CodeUnauthenticated},
		{"delete", func(f *fixture, a *otp.Application) error {
			return f.svc.DeleteApplication(t.Context(), a.ID)
		}, otp.CodeUnauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, otp.Limits{ReadCacheTTL: time.Hour})
			a, creds := f.newApp(t, otp.Test)
			for range 2 {
				if _, _, err := f.svc.Authenticate(t.Context(), creds.APIKey); err != nil {
					t.Fatal(err)
				}
			}
			if got := f.store.appByKey.Load(); got != 1 {
				t.Fatalf("%d reads before the change, want 1: the application must be cached for this test", got)
			}
			if err := tc.change(f, a); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.svc.Authenticate(t.Context(), creds.APIKey); code(err) != tc.want {
				t.Errorf("old key after the change: %v, want %s", err, tc.want)
			}
		})
	}
}

func TestRotatedKeyWorksAtOnce(t *testing.T) {
	f := newFixture(t, otp.Limits{ReadCacheTTL: time.Hour})
	a, creds := f.newApp(t, otp.Test)
	if _, _, err := f.svc.Authenticate(t.Context(), creds.APIKey); err != nil {
		t.Fatal(err)
	}
	newKey, _, err := f.svc.RotateCredential(t.Context(), a.ID, otp.CredentialAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), newKey); err != nil {
		t.Errorf("new key: %v", err)
	}
	if _, _, err := f.svc.Authenticate(t.Context(), creds.APIKey); code(err) != otp.CodeUnauthenticated {
		t.Errorf("old key after the new one was used: %v, want UNAUTHENTICATED", err)
	}
}

func TestProjectPolicyIsCachedAndUpdatedAtOnce(t *testing.T) {
	f := newFixture(t, otp.Limits{ReadCacheTTL: time.Hour})
	a, _ := f.newApp(t, otp.Test)
	before := f.store.project.Load() // creating the application read it
	send := func(to string) *otp.Verification {
		t.Helper()
		v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: to, Channel: otp.SMS})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	send("+14155552671")
	v := send("+14155552672")
	if got := f.store.project.Load() - before; got != 1 {
		t.Errorf("2 sends read the project %d times, want 1", got)
	}
	if _, err := f.svc.Resend(t.Context(), a, v.ID, ""); code(err) != otp.CodeRateLimited {
		t.Fatalf("resend in the cooldown: %v, want RATE_LIMITED", err)
	}
	if got := f.store.project.Load() - before; got != 1 {
		t.Errorf("2 sends and a resend read the project %d times, want 1", got)
	}

	policy := otp.DefaultPolicy()
	policy.TTL = 10 * time.Minute
	if _, err := f.svc.UpdateProject(t.Context(), a.ProjectID, otp.ProjectInput{Policy: &policy}); err != nil {
		t.Fatal(err)
	}
	if got := send("+14155552673"); got.ExpiresAt.Sub(got.CreatedAt) != 10*time.Minute {
		t.Errorf("send after the policy change lives %s, want the new TTL 10m", got.ExpiresAt.Sub(got.CreatedAt))
	}
}

// Delivering a message reads its application from the cache its create
// filled when it authenticated, not from the store; a disabled
// application is seen at once.
func TestDeliverReadsTheApplicationFromTheCache(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	_, creds := f.newApp(t, otp.Live)
	a, _, err := f.svc.Authenticate(t.Context(), creds.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: fmt.Sprintf("+1415555267%d", i), Channel: otp.SMS}); err != nil {
			t.Fatal(err)
		}
	}
	before := f.store.appByID.Load()
	rec := &recorder{}
	f.deliverAll(t, rec)
	if len(rec.sent) != 3 || rec.sent[0].AppName != "A" {
		t.Fatalf("sent %d messages (%+v), want 3 naming the application", len(rec.sent), rec.sent)
	}
	if got := f.store.appByID.Load() - before; got != 0 {
		t.Errorf("3 deliveries read the application %d times from the store, want 0", got)
	}
	f.clock.Advance(3 * time.Second) // past the TTL: read once, then cached
	if _, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552679", Channel: otp.SMS}); err != nil {
		t.Fatal(err)
	}
	f.deliverAll(t, rec)
	if got := f.store.appByID.Load() - before; got != 1 {
		t.Errorf("after the TTL: %d reads, want 1", got)
	}
}

func TestClientSecretGracePeriod(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, creds := f.newApp(t, otp.Live)
	newSecret, _, err := f.svc.RotateCredentialWithGrace(t.Context(), a.ID, otp.CredentialSecret, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{creds.ClientSecret, newSecret} {
		if _, _, err := f.svc.AuthenticateTriple(t.Context(), a.ClientID, secret, otp.APICall{Key: creds.APIKey}); err != nil {
			t.Errorf("during the grace period: %v", err)
		}
	}
	f.clock.Advance(time.Minute)
	if _, _, err := f.svc.AuthenticateTriple(t.Context(), a.ClientID, creds.ClientSecret, otp.APICall{Key: creds.APIKey}); code(err) != otp.CodeUnauthenticated {
		t.Errorf("the old secret after the grace period = %v, want UNAUTHENTICATED", err)
	}
	if _, _, err := f.svc.AuthenticateTriple(t.Context(), a.ClientID, newSecret, otp.APICall{Key: creds.APIKey}); err != nil {
		t.Errorf("the new secret = %v", err)
	}
}
