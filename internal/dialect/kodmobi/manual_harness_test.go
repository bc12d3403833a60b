package kodmobi_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/dialect/kodmobi"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// fakeProvider is a configured provider of the manual tests: it keeps
// what it is given and answers with fail, if set.
type fakeProvider struct {
	channels []otp.Channel
	fail     error
	mu       sync.Mutex
	got      []otp.OutgoingMessage
}

func (p *fakeProvider) Channels() []otp.Channel { return p.channels }

func (p *fakeProvider) Send(_ context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, m)
	if p.fail != nil {
		return otp.SendResult{}, p.fail
	}
	return otp.SendResult{ProviderMessageID: "pm-" + m.ID}, nil
}

func (p *fakeProvider) messages() []otp.OutgoingMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]otp.OutgoingMessage(nil), p.got...)
}

// deployment is a harness with configured providers behind a router, as
// cmd/otpd builds them from its configuration file: alpha (twilio, sms and
// voice, with receipts) and beta (smpp, sms, without) route sms in that
// order; mail (smtp) delivers email; down (httpapi, sms) refuses every
// message for good.
type deployment struct {
	*dialecttest.Harness
	router                  *delivery.Router
	alpha, beta, mail, down *fakeProvider
}

// catalog describes the deployment's providers to the domain.
var catalog = []otp.ProviderInfo{
	{Name: "alpha", Type: "twilio", Channels: []otp.Channel{otp.SMS, otp.Voice}, Receipts: true},
	{Name: "beta", Type: "smpp", Channels: []otp.Channel{otp.SMS}},
	{Name: "down", Type: "httpapi", Channels: []otp.Channel{otp.SMS}},
	{Name: "mail", Type: "smtp", Channels: []otp.Channel{otp.Email}},
}

// newDeployment starts otpd with the kod.mobi dialect, the providers of
// catalog, and webhooks (callbacks) allowed to reach this machine.
func newDeployment(t *testing.T, engine string, config func(c *otp.Config)) *deployment {
	t.Helper()
	d := &deployment{
		alpha: &fakeProvider{channels: []otp.Channel{otp.SMS, otp.Voice}},
		beta:  &fakeProvider{channels: []otp.Channel{otp.SMS}},
		mail:  &fakeProvider{channels: []otp.Channel{otp.Email}},
		down: &fakeProvider{channels: []otp.Channel{otp.SMS},
			fail: &otp.ProviderError{Provider: "down", Code: "21614", Message: "not a mobile number", Permanent: true}},
	}
	var err error
	d.router, err = delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"alpha": d.alpha, "beta": d.beta, "mail": d.mail, "down": d.down},
		Channels:  map[otp.Channel][]string{otp.SMS: {"alpha", "beta"}, otp.Voice: {"alpha"}, otp.Email: {"mail"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Harness = dialecttest.New(t, dialecttest.Options{
		Engine:   engine,
		Dialects: func(svc *otp.Service) []api.Dialect { return []api.Dialect{kodmobi.New(svc, nil)} },
		Config: func(c *otp.Config) {
			c.Providers = catalog
			c.Deliverable = []otp.Channel{otp.SMS, otp.Voice, otp.Email}
			c.WebhookAllowPrivate = true
			c.Webhooks = webhook.Transport{Sender: webhook.NewSender(webhook.Config{AllowPrivate: true})}
			if config != nil {
				config(c)
			}
		},
	})
	return d
}

// postCallbacks posts the due webhook deliveries (callbacks among them),
// as the server's background loop does, and returns how many it posted.
func (d *deployment) postCallbacks() int {
	d.T.Helper()
	n, err := d.Svc.DeliverWebhooks(context.Background(), 100, 1)
	if err != nil {
		d.T.Fatal(err)
	}
	return n
}

// callbackReceiver is an application's callback URL: it keeps every
// request and answers 503 to the first failFirst of them.
type callbackReceiver struct {
	URL       string
	mu        sync.Mutex
	failFirst int
	got       []receivedCallback
}

type receivedCallback struct {
	header http.Header
	body   []byte
	failed bool // answered 503
}

func newCallbackReceiver(t *testing.T) *callbackReceiver {
	rc := &callbackReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		fail := len(rc.got) < rc.failFirst
		rc.got = append(rc.got, receivedCallback{header: r.Header.Clone(), body: body, failed: fail})
		rc.mu.Unlock()
		if fail {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/otp/callback?shop=17"
	return rc
}

func (rc *callbackReceiver) requests() []receivedCallback {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedCallback(nil), rc.got...)
}

// callbackBody decodes a callback and checks its Standard Webhooks
// signature with the application's webhook secret, as a receiver does.
func (d *deployment) callbackBody(app dialecttest.App, rc receivedCallback) map[string]any {
	d.T.Helper()
	if err := webhook.VerifyStandard(app.WebhookSecret, rc.header, rc.body, d.Clock.Now()); err != nil {
		d.T.Errorf("callback %s: signature: %v", rc.body, err)
	}
	var m map[string]any
	if err := json.Unmarshal(rc.body, &m); err != nil {
		d.T.Fatalf("callback body %s: %v", rc.body, err)
	}
	return m
}

var base64URLNoPadding = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// decryptCode opens the code of a manual send exactly as kod.mobi's
// client would: base64url without padding, a 12-byte nonce, AES-256-GCM
// ciphertext and tag, the key SHA-256 of the secret key string.
func decryptCode(t *testing.T, secretKey, encrypted string) string {
	t.Helper()
	if !base64URLNoPadding.MatchString(encrypted) {
		t.Fatalf("code %q is not base64url without padding", encrypted)
	}
	raw, err := base64.RawURLEncoding.DecodeString(encrypted)
	if err != nil {
		t.Fatalf("code %q: %v", encrypted, err)
	}
	key := sha256.Sum256([]byte(secretKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 12+gcm.Overhead() {
		t.Fatalf("code %q has %d bytes, fewer than a nonce and a tag", encrypted, len(raw))
	}
	plain, err := gcm.Open(nil, raw[:12], raw[12:], nil)
	if err != nil {
		t.Fatalf("code %q does not open with SHA-256 of the secret key: %v", encrypted, err)
	}
	return string(plain)
}

// providerIDs are the ids GET /manual/channels lists for each channel.
func providerIDs(t *testing.T, channels []any) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for _, c := range channels {
		ch := c.(map[string]any)
		out[str(ch["type"])] = []int64{}
		for _, p := range ch["providers"].([]any) {
			out[str(ch["type"])] = append(out[str(ch["type"])], int64(p.(map[string]any)["id"].(float64)))
		}
	}
	return out
}
