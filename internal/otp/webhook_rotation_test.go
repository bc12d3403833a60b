package otp_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// signedRequest is what a webhook receiver got.
type signedRequest struct {
	path   string
	header http.Header
	body   []byte
}

// TestWebhookSecretRotationGrace: after a rotation of the webhook secret
// with a grace period, Standard Webhooks deliveries and test sends carry
// the new and the previous secret's signatures, so a receiver holding
// either accepts them; a K-OTP endpoint gets the new secret's only. Once
// the grace period ends, only the new secret signs.
func TestWebhookSecretRotationGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu  sync.Mutex
			got []signedRequest
		)
		f, svc := newWebhookFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, signedRequest{r.URL.Path, r.Header.Clone(), b})
			mu.Unlock()
		}))
		ctx := t.Context()
		kotp := otp.SigningKOTP
		kotpHook, err := svc.CreateWebhook(ctx, otp.WebhookInput{AppID: &f.app.ID, URL: ptr("http://hooks.acme.example/kotp"), Signing: &kotp})
		if err != nil {
			t.Fatal(err)
		}
		// received runs a verification's event through the queue, plus a
		// test send to each endpoint, and returns what the receiver got.
		received := func(t *testing.T) []signedRequest {
			t.Helper()
			mu.Lock()
			got = nil
			mu.Unlock()
			if _, _, err := svc.CreateVerification(ctx, f.app, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.ConsumeEvents(ctx, 10); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.DeliverWebhooks(ctx, 10, 1); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{f.hook.ID, kotpHook.ID} {
				if res, err := svc.TestWebhook(ctx, id); err != nil || res.Err != nil {
					t.Fatalf("test send: %+v, %v", res, err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			var standard, kotp int
			for _, r := range got {
				if r.path == "/otpd" {
					standard++
				} else {
					kotp++
				}
			}
			if standard < 2 || kotp < 2 {
				t.Fatalf("the receiver got %d standard and %d kotp requests, want a delivery and a test send of each", standard, kotp)
			}
			return got
		}

		const grace = time.Hour
		oldSecret, err := svc.WebhookSecret(f.app)
		if err != nil {
			t.Fatal(err)
		}
		newSecret, rotatedAt, err := svc.RotateCredentialWithGrace(ctx, f.app.ID, otp.CredentialWebhookSecret, grace)
		if err != nil {
			t.Fatal(err)
		}
		if newSecret == oldSecret || !strings.HasPrefix(newSecret, "whsec_") {
			t.Fatalf("rotated secret %q, want a new whsec_ secret", newSecret)
		}
		app, err := svc.GetApplication(ctx, f.app.ID)
		if err != nil {
			t.Fatal(err)
		}
		prev, until, err := svc.PreviousWebhookSecret(app)
		if err != nil || prev != oldSecret || !until.Equal(rotatedAt.Add(grace)) {
			t.Errorf("PreviousWebhookSecret = %q, %v, %v; want the old secret until %v", prev, until, err, rotatedAt.Add(grace))
		}

		for _, r := range received(t) {
			if r.path == "/kotp" {
				wantOnlyNew(t, webhook.KOTP, r, newSecret, oldSecret)
				continue
			}
			if n := len(strings.Fields(r.header.Get("webhook-signature"))); n != 2 {
				t.Errorf("during grace webhook-signature = %q, want 2 signatures", r.header.Get("webhook-signature"))
			}
			for _, secret := range []string{newSecret, oldSecret} {
				if err := webhook.VerifyStandard(secret, r.header, r.body, time.Now()); err != nil {
					t.Errorf("during grace a receiver with %s refuses: %v", secret[:10], err)
				}
			}
		}

		time.Sleep(grace) // the bubble's clock reaches the end of the grace period
		if prev, until, err := svc.PreviousWebhookSecret(app); err != nil || prev != "" || !until.IsZero() {
			t.Errorf("after grace PreviousWebhookSecret = %q, %v, %v; want none", prev, until, err)
		}
		for _, r := range received(t) {
			scheme := webhook.KOTP
			if r.path == "/otpd" {
				scheme = webhook.Standard
				if n := len(strings.Fields(r.header.Get("webhook-signature"))); n != 1 {
					t.Errorf("after grace webhook-signature = %q, want 1 signature", r.header.Get("webhook-signature"))
				}
			}
			wantOnlyNew(t, scheme, r, newSecret, oldSecret)
		}

		// A rotation without grace leaves no previous secret, even while
		// an earlier grace period would still run.
		if _, _, err := svc.RotateCredentialWithGrace(ctx, f.app.ID, otp.CredentialWebhookSecret, grace); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.RotateCredentialWithGrace(ctx, f.app.ID, otp.CredentialWebhookSecret, 0); err != nil {
			t.Fatal(err)
		}
		if app, err = svc.GetApplication(ctx, f.app.ID); err != nil {
			t.Fatal(err)
		}
		if app.PrevWebhookSecretSealed != nil || !app.PrevWebhookSecretUntil.IsZero() {
			t.Errorf("after a rotation without grace the previous secret is %x until %v, want none", app.PrevWebhookSecretSealed, app.PrevWebhookSecretUntil)
		}
	})
}

// wantOnlyNew checks that r verifies with the new secret and not the old.
func wantOnlyNew(t *testing.T, scheme webhook.Scheme, r signedRequest, newSecret, oldSecret string) {
	t.Helper()
	if err := webhook.Verify(scheme, newSecret, r.header, r.body, time.Now()); err != nil {
		t.Errorf("%s %s: the new secret refuses: %v", scheme, r.path, err)
	}
	if err := webhook.Verify(scheme, oldSecret, r.header, r.body, time.Now()); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("%s %s: the old secret gives %v, want ErrInvalidSignature", scheme, r.path, err)
	}
}
