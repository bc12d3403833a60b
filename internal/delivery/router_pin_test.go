package delivery_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
)

// TestRouterPinnedProvider: a message pinned to a provider goes through
// it alone, whatever the routing and the attempt number; with nothing to
// fail over to it keeps the whole retry budget, and the last transient
// failure is permanent. A pin to a provider that is not there, or does
// not deliver the channel, fails at once.
func TestRouterPinnedProvider(t *testing.T) {
	a := &scripted{channels: []otp.Channel{otp.SMS}}
	b := &scripted{channels: []otp.Channel{otp.SMS, otp.Voice}, errs: []error{transient("b"), transient("b"), transient("b"), nil, transient("b")}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}}, // MaxAttempts 4
	})
	if err != nil {
		t.Fatal(err)
	}
	m := otp.OutgoingMessage{ID: "dlv_1", Channel: otp.SMS, To: "+14155552671", Provider: "b"}
	for attempt := 1; attempt <= 3; attempt++ {
		m.Attempt = attempt
		_, err := r.Send(t.Context(), m)
		var pe *otp.ProviderError
		if !errors.As(err, &pe) || pe.Permanent || pe.Provider != "b" {
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
	m.Attempt = 4 // the last attempt of the budget fails transiently: that is final
	if _, err := r.Send(t.Context(), m); !errors.Is(err, otp.ErrPermanent) || !strings.Contains(err.Error(), "provider b failed 4 attempts") {
		t.Errorf("the budget's last transient failure = %v, want permanent", err)
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
