package delivery_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
)

// scripted is a provider whose answers are set by the test.
type scripted struct {
	channels []otp.Channel
	errs     []error // answer i goes to call i; nil or past the end is success
	calls    int
}

func (p *scripted) Channels() []otp.Channel { return p.channels }

func (p *scripted) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	i := p.calls
	p.calls++
	if i < len(p.errs) && p.errs[i] != nil {
		return otp.SendResult{}, p.errs[i]
	}
	return otp.SendResult{Provider: "vendor", ProviderMessageID: "pm-" + m.ID}, nil
}

func transient(name string) error {
	return &otp.ProviderError{Provider: name, Message: "service unavailable", RetryAfter: 5 * time.Second}
}

func TestRouterFailsOverAfterAttemptsPerProvider(t *testing.T) {
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{transient("a"), transient("a")}}
	b := &scripted{channels: []otp.Channel{otp.SMS, otp.Voice}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := otp.OutgoingMessage{ID: "dlv_1", Channel: otp.SMS, To: "+14155552671", Country: "US"}

	m.Attempt = 1
	_, err = r.Send(t.Context(), m)
	var pe *otp.ProviderError
	if !errors.As(err, &pe) || pe.Permanent || pe.RetryAfter != 5*time.Second || pe.Provider != "a" {
		t.Fatalf("attempt 1: err = %#v, want a's transient error with its RetryAfter", err)
	}
	m.Attempt = 2
	_, err = r.Send(t.Context(), m)
	if !errors.As(err, &pe) || pe.Permanent || pe.RetryAfter != 0 {
		t.Fatalf("attempt 2: err = %#v, want transient without RetryAfter: the next attempt goes to b", err)
	}
	m.Attempt = 3
	res, err := r.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("attempt 3: %v", err)
	}
	if want := (otp.SendResult{Provider: "b", ProviderMessageID: "pm-dlv_1"}); res != want {
		t.Errorf("attempt 3 = %+v, want %+v (the instance name as provider)", res, want)
	}
	if a.calls != 2 || b.calls != 1 {
		t.Errorf("calls a=%d b=%d, want 2 and 1", a.calls, b.calls)
	}
	if got := r.MaxAttempts(); got != 4 {
		t.Errorf("MaxAttempts = %d, want 4", got)
	}
}

func TestRouterLastTransientFailureIsPermanent(t *testing.T) {
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{transient("a"), transient("a")}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers:           map[string]delivery.Provider{"a": a},
		Channels:            map[otp.Channel][]string{otp.SMS: {"a"}},
		AttemptsPerProvider: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := otp.OutgoingMessage{ID: "dlv_1", Channel: otp.SMS, To: "+14155552671", Attempt: 1}
	if _, err := r.Send(t.Context(), m); errors.Is(err, otp.ErrPermanent) {
		t.Fatalf("attempt 1 = %v, want transient", err)
	}
	m.Attempt = 2
	_, err = r.Send(t.Context(), m)
	if !errors.Is(err, otp.ErrPermanent) || !strings.Contains(err.Error(), "all 1 providers of channel sms failed; last: ") {
		t.Errorf("attempt 2 = %v, want a permanent 'all providers failed' error", err)
	}
	m.Attempt = 3
	if _, err := r.Send(t.Context(), m); !errors.Is(err, otp.ErrPermanent) || a.calls != 2 {
		t.Errorf("attempt 3 = %v after %d calls, want permanent without calling a again", err, a.calls)
	}
}

func TestRouterPermanentErrorStopsAtOnce(t *testing.T) {
	perm := &otp.ProviderError{Provider: "a", Code: "21211", Message: "invalid number", Permanent: true}
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{perm}}
	b := &scripted{channels: []otp.Channel{otp.SMS}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Send(t.Context(), otp.OutgoingMessage{Channel: otp.SMS, To: "+14155552671", Attempt: 1})
	if !errors.Is(err, perm) {
		t.Errorf("Send = %v, want the provider's permanent error as it is", err)
	}
}

func TestRouterPlan(t *testing.T) {
	p := func(chs ...otp.Channel) *scripted { return &scripted{channels: chs} }
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{
			"smpp": p(otp.SMS), "smpp-ru": p(otp.SMS), "london": p(otp.SMS), "twilio": p(otp.SMS, otp.Voice), "smtp": p(otp.Email),
		},
		Channels: map[otp.Channel][]string{otp.SMS: {"smpp", "twilio"}, otp.Voice: {"twilio"}, otp.Email: {"smtp"}},
		Rules: []delivery.CountryRule{
			{Channel: otp.SMS, Country: "RU", Providers: []string{"smpp-ru", "twilio"}},
			{Channel: otp.SMS, Prefix: "+4420", Providers: []string{"london"}},
			{Channel: otp.SMS, Prefix: "+44", Providers: []string{"twilio"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		channel     otp.Channel
		to, country string
		want        []string
	}{
		{otp.SMS, "+14155552671", "US", []string{"smpp", "twilio"}},
		{otp.SMS, "+79123456789", "RU", []string{"smpp-ru", "twilio"}},
		{otp.SMS, "+442079460958", "GB", []string{"london"}},
		{otp.SMS, "+447700900123", "GB", []string{"twilio"}},
		{otp.Voice, "+79123456789", "RU", []string{"twilio"}},
		{otp.Email, "a@example.com", "", []string{"smtp"}},
		{otp.WhatsApp, "+14155552671", "US", nil},
	} {
		if d := cmp.Diff(tc.want, r.Plan(tc.channel, tc.to, tc.country)); d != "" {
			t.Errorf("Plan(%s, %s) (-want +got):\n%s", tc.channel, tc.to, d)
		}
	}
	if d := cmp.Diff([]otp.Channel{otp.SMS, otp.Voice, otp.Email}, r.Channels()); d != "" {
		t.Errorf("Channels (-want +got):\n%s", d)
	}
	_, err = r.Send(t.Context(), otp.OutgoingMessage{Channel: otp.WhatsApp, To: "+14155552671", Attempt: 1})
	if !errors.Is(err, otp.ErrPermanent) || !strings.Contains(err.Error(), "no provider is configured for channel whatsapp") {
		t.Errorf("Send on an unrouted channel = %v, want a permanent 'no provider' error", err)
	}
}

func TestNewRouterRejectsBadConfig(t *testing.T) {
	sms := &scripted{channels: []otp.Channel{otp.SMS}}
	providers := map[string]delivery.Provider{"sms": sms}
	for _, tc := range []struct {
		name string
		cfg  delivery.RouterConfig
		want string
	}{
		{"unknown provider", delivery.RouterConfig{Channels: map[otp.Channel][]string{otp.SMS: {"nope"}}},
			`routing.channels.sms: unknown provider "nope"`},
		{"wrong channel", delivery.RouterConfig{Channels: map[otp.Channel][]string{otp.Voice: {"sms"}}},
			`routing.channels.voice: provider "sms" does not deliver voice`},
		{"twice", delivery.RouterConfig{Channels: map[otp.Channel][]string{otp.SMS: {"sms", "sms"}}},
			`routing.channels.sms: provider "sms" is listed twice`},
		{"empty", delivery.RouterConfig{Channels: map[otp.Channel][]string{otp.SMS: {}}},
			`routing.channels.sms: no providers listed`},
		{"unknown channel", delivery.RouterConfig{Channels: map[otp.Channel][]string{"fax": {"sms"}}},
			`routing.channels.fax: unknown channel "fax"`},
		{"prefix and country", delivery.RouterConfig{Rules: []delivery.CountryRule{{Channel: otp.SMS, Prefix: "+7", Country: "RU", Providers: []string{"sms"}}}},
			`routing.countries[0]: set exactly one of prefix and country`},
		{"bad prefix", delivery.RouterConfig{Rules: []delivery.CountryRule{{Channel: otp.SMS, Prefix: "7", Providers: []string{"sms"}}}},
			`routing.countries[0].prefix: "7" is not an E.164 prefix`},
		{"bad country", delivery.RouterConfig{Rules: []delivery.CountryRule{{Channel: otp.SMS, Country: "Russia", Providers: []string{"sms"}}}},
			`routing.countries[0].country: "Russia" is not an ISO 3166 region`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Providers = providers
			_, err := delivery.NewRouter(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewRouter = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
