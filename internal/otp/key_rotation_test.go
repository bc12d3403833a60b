package otp_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/ratelimit"
)

// withKeys is a Service over f's store with other server keys.
func (f *fixture) withKeys(t *testing.T, keys *otp.ServerKey) *otp.Service {
	t.Helper()
	svc, err := otp.NewService(otp.Config{Store: f.store, Limiter: ratelimit.NewMemory(f.clock.Now), Keys: keys, Clock: f.clock,
		Limits: otp.Limits{ReadCacheTTL: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func key(t *testing.T, b byte) *otp.ServerKey {
	t.Helper()
	k, err := otp.NewServerKey(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A rotation: the new key with the old one as previous opens everything
// and checks pending codes; ResealValues moves every value, codes' HMACs
// included, to the new key, is a no-op when run again, and the old key
// can then go. A key that opens nothing stored is refused by
// CheckServerKey, naming the keys.
func TestServerKeyRotationOfStoredValues(t *testing.T) {
	f := newFixture(t, otp.Limits{}) // the fixture's key is 32 bytes of 7
	oldKey, newKey := key(t, 7), key(t, 8)
	a, _ := f.newApp(t, otp.Live)
	if _, _, err := f.svc.RotateCredentialWithGrace(t.Context(), a.ID, otp.CredentialWebhookSecret, time.Hour); err != nil {
		t.Fatal(err)
	}
	pol := otp.DefaultPolicy()
	pol.Challenge = otp.ChallengePolicy{Enabled: true, Provider: otp.ReCAPTCHA, SiteKey: "site"}
	if _, err := f.svc.UpdateProject(t.Context(), a.ProjectID, otp.ProjectInput{Policy: &pol, ChallengeSecret: ptr("challenge-secret-0123456789")}); err != nil {
		t.Fatal(err)
	}
	pol.Challenge.Enabled = false // keep the sealed secret, stop asking for tokens
	if _, err := f.svc.UpdateProject(t.Context(), a.ProjectID, otp.ProjectInput{Policy: &pol}); err != nil {
		t.Fatal(err)
	}
	v, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS})
	if err != nil {
		t.Fatal(err)
	}
	codes := f.acceptAll(t) // the code stays sealed: resends remain
	if len(codes) != 1 {
		t.Fatalf("sent %v; want one code", codes)
	}

	if err := f.withKeys(t, newKey).CheckServerKey(t.Context(), 10); !errors.Is(err, otp.ErrServerKeyMismatch) ||
		!strings.Contains(err.Error(), newKey.ID()) || !strings.Contains(err.Error(), "OTPD_SECRET_KEY") {
		t.Errorf("CheckServerKey with a key that opens nothing: %v; want ErrServerKeyMismatch naming the key", err)
	}

	ring := f.withKeys(t, newKey.WithPrevious(oldKey))
	if err := ring.CheckServerKey(t.Context(), 10); err != nil {
		t.Fatalf("CheckServerKey with the previous key set: %v", err)
	}
	want := map[otp.SealedKind]int{otp.SealedCode: 1, otp.SealedWebhookSecret: 1, otp.SealedPrevWebhookSecret: 1, otp.SealedChallengeSecret: 1}
	for run := range 2 { // the second run finds every value current
		for _, kind := range otp.SealedKinds {
			total, after := otp.ResealBatch{}, ""
			for {
				b, err := ring.ResealValues(t.Context(), kind, after, 1) // batches of one: the cursor works
				if err != nil {
					t.Fatalf("ResealValues(%s): %v", kind, err)
				}
				total.Resealed, total.Current = total.Resealed+b.Resealed, total.Current+b.Current
				if len(b.Unreadable) > 0 {
					t.Errorf("unreadable %s: %v", kind, b.Unreadable)
				}
				if after = b.Next; after == "" {
					break
				}
			}
			wantResealed, wantCurrent := want[kind], 0
			if run == 1 {
				wantResealed, wantCurrent = 0, want[kind]
			}
			if total.Resealed != wantResealed || total.Current != wantCurrent {
				t.Errorf("run %d, %s: resealed %d, current %d; want %d, %d", run+1, kind, total.Resealed, total.Current, wantResealed, wantCurrent)
			}
		}
	}

	// The old key can go: the new one alone opens and checks everything.
	only := f.withKeys(t, newKey)
	if err := only.CheckServerKey(t.Context(), 10); err != nil {
		t.Fatalf("CheckServerKey after the rotation: %v", err)
	}
	got, err := f.store.GetApplication(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := only.WebhookSecret(got); err != nil {
		t.Errorf("webhook secret after the rotation: %v", err)
	}
	if res, err := only.Check(t.Context(), a, v.ID, codes[0]); err != nil || !res.Valid {
		t.Errorf("check of a pending code after the rotation: %+v, %v; want valid (its HMAC renewed)", res, err)
	}
	if err := f.withKeys(t, oldKey).CheckServerKey(t.Context(), 10); !errors.Is(err, otp.ErrServerKeyMismatch) {
		t.Errorf("CheckServerKey with only the old key after the rotation: %v; want ErrServerKeyMismatch", err)
	}
}
