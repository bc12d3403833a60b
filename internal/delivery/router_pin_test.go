package delivery_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
)

// TestRouterPinnedProvider: a message pinned to a provider goes through
// it alone, whatever the routing and the attempt number; without a cap its
// transient failures are retried until the code expires, with a cap the
// last is permanent, and a refusal is permanent at once: no other provider
// may take the message. A pin to a provider that is not there, or does not
// deliver the channel, fails at once.
func TestRouterPinnedProvider(t *testing.T) {
	a := &scripted{channels: []otp.Channel{otp.SMS}}
	b := &scripted{channels: []otp.Channel{otp.SMS, otp.Voice}, errs: []error{transient("b"), transient("b"), transient("b"), nil, refused("b")}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := otp.OutgoingMessage{ID: "dlv_1", Channel: otp.SMS, To: "+14155552671", Provider: "b"}
	for attempt := 1; attempt <= 3; attempt++ {
		m.Attempt = attempt
		_, err := r.Send(t.Context(), m)
		var pe *otp.ProviderError
		if !errors.As(err, &pe) || pe.Permanent || pe.Failover || pe.Provider != "b" {
			t.Fatalf("attempt %d: err = %#v, want b's transient error: no failover from a pin", attempt, err)
		}
	}
	m.Attempt = 4
	res, err := r.Send(t.Context(), m)
	if err != nil || res.Provider != "b" {
		t.Fatalf("attempt 4 = %+v, %v; want sent through b", res, err)
	}
	if a.calls != 0 || b.calls != 4 {
		t.Errorf("calls a=%d b=%d, want 0 and 4", a.calls, b.calls)
	}
	m.Attempt = 5
	if _, err := r.Send(t.Context(), m); !errors.Is(err, otp.ErrPermanent) || !strings.Contains(err.Error(), "pinned") {
		t.Errorf("a refusal by the pinned provider = %v, want permanent", err)
	}

	capped, err := delivery.NewRouter(delivery.RouterConfig{
		Providers:           map[string]delivery.Provider{"a": a, "b": b},
		Channels:            map[otp.Channel][]string{otp.SMS: {"a", "b"}},
		AttemptsPerProvider: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.errs, b.calls = []error{transient("b"), transient("b")}, 0
	m.Attempt = 1
	if _, err := capped.Send(t.Context(), m); err == nil || errors.Is(err, otp.ErrPermanent) {
		t.Errorf("capped attempt 1 = %v, want transient", err)
	}
	m.Attempt = 2 // the cap's last attempt fails transiently: that is final
	if _, err := capped.Send(t.Context(), m); !errors.Is(err, otp.ErrPermanent) || !strings.Contains(err.Error(), "provider b failed 2 attempts") {
		t.Errorf("the cap's last transient failure = %v, want permanent", err)
	}
	// Voice is not routed to anyone, but b delivers it: the pin holds.
	if res, err := r.Send(t.Context(), otp.OutgoingMessage{Channel: otp.Voice, To: "+14155552671", Provider: "b", Attempt: 1}); err != nil || res.Provider != "b" {
		t.Errorf("voice pinned to b = %+v, %v", res, err)
	}
	for _, tc := range []struct {
		name string
		m    otp.OutgoingMessage
	}{
		{"unknown provider", otp.OutgoingMessage{Channel: otp.SMS, Provider: "c", Attempt: 1}},
		{"provider without the channel", otp.OutgoingMessage{Channel: otp.Voice, Provider: "a", Attempt: 1}},
	} {
		if _, err := r.Send(t.Context(), tc.m); !errors.Is(err, otp.ErrPermanent) {
			t.Errorf("%s: err = %v, want permanent", tc.name, err)
		}
	}
}
