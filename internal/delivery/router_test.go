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

func refused(name string) error {
	return &otp.ProviderError{Provider: name, Code: "422", Message: "sender id not allowed", Refused: true}
}

// send sends m at attempt n and returns the router's error as a
// *otp.ProviderError, nil on success.
func send(t *testing.T, r *delivery.Router, m otp.OutgoingMessage, n int) *otp.ProviderError {
	t.Helper()
	m.Attempt = n
	res, err := r.Send(t.Context(), m)
	if err == nil {
		if res.Provider == "" {
			t.Errorf("attempt %d: sent without naming the provider", n)
		}
		return nil
	}
	var pe *otp.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("attempt %d: err = %v, want a *otp.ProviderError", n, err)
	}
	return pe
}

// Without a cap the providers take turns, attempt after attempt: a
// failure goes at once to the next provider of the round (Failover,
// without the failed provider's RetryAfter), and the round's last failure
// waits for the service's backoff, honouring the provider's RetryAfter.
func TestRouterRotatesWithoutCap(t *testing.T) {
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{transient("a"), transient("a"), transient("a")}}
	b := &scripted{channels: []otp.Channel{otp.SMS, otp.Voice}, errs: []error{transient("b"), transient("b")}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.MaxAttempts(); got != 0 {
		t.Errorf("MaxAttempts = %d, want 0: no cap", got)
	}
	m := otp.OutgoingMessage{ID: "dlv_1", Channel: otp.SMS, To: "+14155552671", Country: "US"}
	for n, want := range []otp.ProviderError{
		{Provider: "a", Message: "service unavailable", Failover: true},
		{Provider: "b", Message: "service unavailable", RetryAfter: 5 * time.Second},
		{Provider: "a", Message: "service unavailable", Failover: true},
		{Provider: "b", Message: "service unavailable", RetryAfter: 5 * time.Second},
		{Provider: "a", Message: "service unavailable", Failover: true},
	} {
		pe := send(t, r, m, n+1)
		if pe == nil || *pe != want {
			t.Fatalf("attempt %d: err = %+v, want %+v", n+1, pe, want)
		}
	}
	m.Attempt = 6
	res, err := r.Send(t.Context(), m)
	if want := (otp.SendResult{Provider: "b", ProviderMessageID: "pm-dlv_1"}); err != nil || res != want {
		t.Errorf("attempt 6 = %+v, %v; want %+v (the instance name as provider)", res, err, want)
	}
	if a.calls != 3 || b.calls != 3 {
		t.Errorf("calls a=%d b=%d, want 3 and 3", a.calls, b.calls)
	}
}

// AttemptsPerProvider caps the rounds: the transient failure of the last
// attempt it allows is permanent, and no attempt past it reaches a
// provider.
func TestRouterCap(t *testing.T) {
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{transient("a"), transient("a")}}
	b := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{transient("b"), transient("b")}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers:           map[string]delivery.Provider{"a": a, "b": b},
		Channels:            map[otp.Channel][]string{otp.SMS: {"a", "b"}},
		AttemptsPerProvider: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.MaxAttempts(); got != 4 {
		t.Errorf("MaxAttempts = %d, want 4", got)
	}
	m := otp.OutgoingMessage{ID: "dlv_1", Channel: otp.SMS, To: "+14155552671"}
	for n := 1; n <= 3; n++ {
		if pe := send(t, r, m, n); pe == nil || pe.Permanent {
			t.Fatalf("attempt %d = %+v, want transient", n, pe)
		}
	}
	pe := send(t, r, m, 4)
	if pe == nil || !pe.Permanent || pe.Provider != "b" || !strings.Contains(pe.Message, "all 2 providers of channel sms failed; last: ") {
		t.Errorf("attempt 4 = %+v, want b's permanent 'all providers failed' error", pe)
	}
	if pe := send(t, r, m, 5); pe == nil || !pe.Permanent || a.calls != 2 || b.calls != 2 {
		t.Errorf("attempt 5 = %+v after %d+%d calls, want permanent without another call", pe, a.calls, b.calls)
	}
	if _, err := delivery.NewRouter(delivery.RouterConfig{AttemptsPerProvider: -1}); err == nil {
		t.Error("a negative attempts_per_provider was accepted")
	}
}

// A provider that refuses a message is not asked again: the refusal goes
// back Refused (due at once), the service adds the provider to the
// message's skip list, and the next attempts rotate over the rest. A
// refusal by the last candidate is permanent.
func TestRouterSkipsRefusingProviders(t *testing.T) {
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{refused("a")}}
	b := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{transient("b"), refused("b")}}
	c := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{transient("c"), transient("c")}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b, "c": c},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b", "c"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := otp.OutgoingMessage{ID: "dlv_1", Channel: otp.SMS, To: "+14155552671"}
	pe := send(t, r, m, 1)
	if pe == nil || !pe.Refused || pe.Permanent || pe.Provider != "a" || pe.RetryAfter != 0 {
		t.Fatalf("attempt 1 = %+v, want a's refusal", pe)
	}
	m.Skip = []string{"a"}
	// Candidates b, c: attempt 2 goes to (2-1) mod 2 = c, the last of a
	// round of two (rounds follow the attempt number), attempt 3 to b.
	if pe := send(t, r, m, 2); pe == nil || pe.Provider != "c" || pe.Failover || pe.Permanent {
		t.Fatalf("attempt 2 = %+v, want c's transient failure, the round's last", pe)
	}
	if pe := send(t, r, m, 3); pe == nil || pe.Provider != "b" || !pe.Failover {
		t.Fatalf("attempt 3 = %+v, want b's transient failure, failing over", pe)
	}
	if pe := send(t, r, m, 4); pe == nil || pe.Provider != "c" || pe.Failover {
		t.Fatalf("attempt 4 = %+v, want c's transient failure, the round's last", pe)
	}
	if pe := send(t, r, m, 5); pe == nil || pe.Provider != "b" || !pe.Refused {
		t.Fatalf("attempt 5 = %+v, want b's refusal", pe)
	}
	m.Skip = []string{"a", "b"}
	if pe := send(t, r, m, 6); pe != nil {
		t.Fatalf("attempt 6 = %+v, want sent through c", pe)
	}
	if a.calls != 1 || b.calls != 2 || c.calls != 3 {
		t.Errorf("calls a=%d b=%d c=%d, want 1, 2, 3: no refusing provider asked again", a.calls, b.calls, c.calls)
	}

	// The only candidate left refuses: nothing can take the message.
	last := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{refused("last")}}
	r, err = delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "last": last},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "last"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Skip = []string{"a"}
	pe = send(t, r, m, 2)
	if pe == nil || !pe.Permanent || pe.Refused || pe.Provider != "last" ||
		!strings.Contains(pe.Message, "every provider of channel sms refused the message; last: sender id not allowed") {
		t.Errorf("the last candidate's refusal = %+v, want permanent", pe)
	}
	// Every provider of the plan skipped (the plan changed since): permanent without a call.
	m.Skip = []string{"a", "last"}
	if pe := send(t, r, m, 3); pe == nil || !pe.Permanent || last.calls != 1 {
		t.Errorf("every provider skipped = %+v after %d calls, want permanent without a call", pe, last.calls)
	}
}

func TestRouterPermanentErrorStopsAtOnce(t *testing.T) {
	perm := &otp.ProviderError{Provider: "a", Code: "21211", Message: "invalid number", Permanent: true}
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{perm, errors.New("plain")}}
	b := &scripted{channels: []otp.Channel{otp.SMS}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := otp.OutgoingMessage{Channel: otp.SMS, To: "+14155552671"}
	if pe := send(t, r, m, 1); pe == nil || *pe != *perm {
		t.Errorf("Send = %+v, want the provider's permanent error as it is", pe)
	}
	// An error that is no *otp.ProviderError is wrapped in one naming the provider.
	want := otp.ProviderError{Provider: "a", Message: "plain", Failover: true}
	if pe := send(t, r, m, 3); pe == nil || *pe != want {
		t.Errorf("Send = %+v, want %+v", pe, want)
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
