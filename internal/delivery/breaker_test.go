package delivery_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
)

// manualClock is a clock the test moves.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func outage(name string) error {
	return &otp.ProviderError{Provider: name, Message: "request timed out"}
}

func permanent(name string) error {
	return &otp.ProviderError{Provider: name, Code: "21211", Message: "invalid number", Permanent: true}
}

// breakerRouter routes SMS to a, then b, each with a breaker that opens
// after 3 outage failures and cools down for 30 s on clock.
func breakerRouter(t *testing.T, a, b delivery.Provider, clock otp.Clock) *delivery.Router {
	t.Helper()
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}},
		Breakers:  map[string]delivery.BreakerConfig{"a": {Failures: 3, CoolDown: 30 * time.Second}},
		Clock:     clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var sms = otp.OutgoingMessage{ID: "dlv_1", Channel: otp.SMS, To: "+14155552671", Country: "US"}

// wantSkipped checks that attempt 1 of a message was skipped without a
// call to a: a transient failure naming a and the open circuit, failing
// over at once to b.
func wantSkipped(t *testing.T, r *delivery.Router, a *scripted) {
	t.Helper()
	calls := a.calls
	pe := send(t, r, sms, 1)
	if pe == nil || pe.Provider != "a" || !strings.Contains(pe.Error(), "provider circuit open") || !pe.Failover || pe.Permanent || pe.Refused {
		t.Fatalf("attempt 1 with a's breaker open = %+v, want a transient failover naming a and the open circuit", pe)
	}
	if a.calls != calls {
		t.Fatalf("a was called with its breaker open")
	}
}

func TestBreakerOpensAfterConsecutiveOutages(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{outage("a"), outage("a"), outage("a"), outage("a")}}
	b := &scripted{channels: []otp.Channel{otp.SMS}}
	r := breakerRouter(t, a, b, clock)
	for i := range 3 {
		if pe := send(t, r, sms, 1); pe == nil || strings.Contains(pe.Error(), "circuit") {
			t.Fatalf("failure %d: %v, want a's own error: the breaker opens only after the third", i+1, pe)
		}
	}
	if a.calls != 3 {
		t.Fatalf("a called %d times, want 3", a.calls)
	}
	// Open: a is skipped at once, however many messages come, and the
	// attempt fails over to b, which sends it.
	for range 10 {
		wantSkipped(t, r, a)
		if pe := send(t, r, sms, 2); pe != nil {
			t.Fatalf("attempt 2 through b: %v", pe)
		}
	}
	clock.advance(30*time.Second - time.Microsecond)
	wantSkipped(t, r, a)
	// A message pinned to a is skipped as well, and retried after backoff.
	pinned := sms
	pinned.Provider = "a"
	if pe := send(t, r, pinned, 1); pe == nil || !strings.Contains(pe.Error(), "provider circuit open") || pe.Permanent {
		t.Fatalf("pinned send with a's breaker open = %v, want a transient skip", pe)
	}
	if a.calls != 3 {
		t.Fatalf("a called %d times while open, want none", a.calls-3)
	}
}

func TestBreakerHalfOpenTrialFailureReopens(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: []error{outage("a"), outage("a"), outage("a"), outage("a")}}
	b := &scripted{channels: []otp.Channel{otp.SMS}}
	r := breakerRouter(t, a, b, clock)
	for range 3 {
		send(t, r, sms, 1)
	}
	clock.advance(30 * time.Second)
	// The trial goes to a, fails (its fourth outage), and opens the
	// breaker for another cool-down from now.
	if pe := send(t, r, sms, 1); pe == nil || strings.Contains(pe.Error(), "circuit") || a.calls != 4 {
		t.Fatalf("trial = %v after %d calls, want a's own error on its fourth call", pe, a.calls)
	}
	wantSkipped(t, r, a)
	clock.advance(30*time.Second - time.Microsecond)
	wantSkipped(t, r, a)
	clock.advance(time.Microsecond)
	// a is back: the next trial succeeds and closes the breaker.
	if pe := send(t, r, sms, 1); pe != nil || a.calls != 5 {
		t.Fatalf("second trial = %v after %d calls, want sent by a on its fifth call", pe, a.calls)
	}
	for range 5 {
		if pe := send(t, r, sms, 1); pe != nil {
			t.Fatalf("after the breaker closed: %v, want sent by a", pe)
		}
	}
	if a.calls != 10 {
		t.Errorf("a called %d times, want 10: every message once the breaker closed", a.calls)
	}
}

// gated is a provider whose sends wait until the test lets them finish,
// each with the error it gives (nil: success).
type gated struct {
	started chan struct{}
	finish  chan error
}

func (g *gated) Channels() []otp.Channel { return []otp.Channel{otp.SMS} }

func (g *gated) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	g.started <- struct{}{}
	if err := <-g.finish; err != nil {
		return otp.SendResult{}, err
	}
	return otp.SendResult{ProviderMessageID: "pm-" + m.ID}, nil
}

func TestBreakerHalfOpenLetsOneTrialThroughAndItsSuccessCloses(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	a := &gated{started: make(chan struct{}), finish: make(chan error)}
	b := &scripted{channels: []otp.Channel{otp.SMS}}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": b},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}},
		Breakers:  map[string]delivery.BreakerConfig{"a": {Failures: 2, CoolDown: time.Minute}},
		Clock:     clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	sendAsync := func() chan error {
		done := make(chan error, 1)
		go func() {
			_, err := r.Send(context.Background(), sms)
			done <- err
		}()
		return done
	}
	for range 2 {
		done := sendAsync()
		<-a.started
		a.finish <- outage("a")
		if err := <-done; err == nil {
			t.Fatal("an outage was sent")
		}
	}
	clock.advance(time.Minute)
	trial := sendAsync()
	<-a.started // the trial is with a
	// Meanwhile every other message is skipped without a call: a call
	// would block on a.started, and the test would hang.
	for range 3 {
		if _, err := r.Send(context.Background(), sms); err == nil || !strings.Contains(err.Error(), "provider circuit open") {
			t.Fatalf("send during the trial = %v, want skipped", err)
		}
	}
	a.finish <- nil
	if err := <-trial; err != nil {
		t.Fatalf("trial = %v, want sent", err)
	}
	// Closed: a takes messages again.
	for range 3 {
		done := sendAsync()
		<-a.started
		a.finish <- nil
		if err := <-done; err != nil {
			t.Fatalf("send after the breaker closed = %v", err)
		}
	}
}

func TestBreakerNeverOpensOnRefusals(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	// Refusals and permanent failures of single messages, however many,
	// and outages that never come three in a row.
	var errs []error
	for range 10 {
		errs = append(errs, refused("a"), permanent("a"))
	}
	for range 5 {
		errs = append(errs, outage("a"), outage("a"), permanent("a"))
	}
	errs = append(errs, outage("a"), outage("a"), refused("a"))
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: errs}
	b := &scripted{channels: []otp.Channel{otp.SMS}}
	r := breakerRouter(t, a, b, clock)
	for i := range errs {
		pe := send(t, r, sms, 1)
		if pe == nil || strings.Contains(pe.Error(), "circuit") {
			t.Fatalf("message %d: %v, want a's own error: its breaker must stay closed", i, pe)
		}
	}
	if pe := send(t, r, sms, 1); pe != nil || a.calls != len(errs)+1 {
		t.Errorf("after %d refusals and broken runs of outages: %v after %d calls, want sent by a", len(errs), pe, a.calls)
	}
}

func TestBreakerConfigNamesKnownProviders(t *testing.T) {
	_, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": &scripted{channels: []otp.Channel{otp.SMS}}},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a"}},
		Breakers:  map[string]delivery.BreakerConfig{"z": {Failures: 2}},
	})
	if err == nil || !strings.Contains(err.Error(), `"z"`) {
		t.Errorf("NewRouter with a breaker for an unknown provider = %v, want an error naming it", err)
	}
}

func TestBreakerDefaults(t *testing.T) {
	clock := &manualClock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	var errs []error
	for range 5 {
		errs = append(errs, outage("a"))
	}
	a := &scripted{channels: []otp.Channel{otp.SMS}, errs: errs}
	r, err := delivery.NewRouter(delivery.RouterConfig{
		Providers: map[string]delivery.Provider{"a": a, "b": &scripted{channels: []otp.Channel{otp.SMS}}},
		Channels:  map[otp.Channel][]string{otp.SMS: {"a", "b"}},
		Clock:     clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	for range delivery.DefaultBreakerFailures {
		send(t, r, sms, 1)
	}
	wantSkipped(t, r, a)
	clock.advance(delivery.DefaultBreakerCoolDown - time.Microsecond)
	wantSkipped(t, r, a)
	clock.advance(time.Microsecond)
	if pe := send(t, r, sms, 1); pe != nil || a.calls != 6 {
		t.Errorf("after the default cool-down: %v after %d calls, want a trial sent by a", pe, a.calls)
	}
}
