package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
)

// Provider is a configured provider the router can send through.
type Provider interface {
	otp.Sender
	// Channels lists the channels the provider can deliver on.
	Channels() []otp.Channel
}

// CountryRule sends a channel's messages to some destinations through
// other providers: those whose E.164 number starts with Prefix (e.g.
// "+7", "+4420"), or whose region is Country (e.g. "RU"). Exactly one of
// Prefix and Country is set.
type CountryRule struct {
	Channel   otp.Channel
	Prefix    string
	Country   string
	Providers []string
}

// RouterConfig declares the providers and how messages are routed to them.
type RouterConfig struct {
	Providers map[string]Provider      // by instance name
	Channels  map[otp.Channel][]string // default provider order per channel
	Rules     []CountryRule            // the most specific matching rule wins: longest prefix, then country
	// AttemptsPerProvider, if positive, caps the attempts a message gets:
	// that many rounds over its providers, after which a transient
	// failure is permanent. Zero (the default) sets no cap: the message
	// is tried until its code expires, which the service decides.
	AttemptsPerProvider int
	// Breakers configures each provider's circuit breaker, by instance
	// name; a provider not listed gets the defaults (BreakerConfig).
	Breakers map[string]BreakerConfig
	// Clock times the breakers' cool-downs; default otp.SystemClock.
	Clock otp.Clock
}

// Router is an otp.Sender that picks a provider for each attempt of a
// message. The candidates are the channel's providers in order (or a
// matching country rule's) less those that refused the message
// (OutgoingMessage.Skip); attempt n goes to candidate (n-1) mod their
// number, so the providers take turns. The attempt number and the skip
// list come from the durable outbox, so the rotation survives restarts.
//
// Every error Send returns is an *otp.ProviderError naming the provider
// it came from. A permanent failure ends the message at once; a refusal
// goes on to the next candidate at once (Refused), and is permanent when
// none is left; a transient failure is retried, at once on the next
// candidate within a round (Failover), else after the service's backoff.
//
// Each provider has a circuit breaker (BreakerConfig, breaker.go): while
// it is open, an attempt that would go to the provider fails at once,
// transiently, without a call (CircuitOpen), and the rules above take it
// from there, so the message fails over without waiting for a timeout.
type Router struct {
	cfg      RouterConfig
	clock    otp.Clock
	breakers map[string]*breaker // by provider name, one for each
}

var _ otp.Sender = (*Router)(nil)

// NewRouter checks that every named provider exists and serves the
// channel it is routed for.
func NewRouter(c RouterConfig) (*Router, error) {
	if c.AttemptsPerProvider < 0 {
		return nil, fmt.Errorf("routing.attempts_per_provider: %d is negative; 0 sets no cap", c.AttemptsPerProvider)
	}
	check := func(where string, ch otp.Channel, names []string) error {
		if !slices.Contains(otp.Channels, ch) {
			return fmt.Errorf("%s: unknown channel %q", where, ch)
		}
		if len(names) == 0 {
			return fmt.Errorf("%s: no providers listed", where)
		}
		for i, n := range names {
			p, ok := c.Providers[n]
			if !ok {
				return fmt.Errorf("%s: unknown provider %q", where, n)
			}
			if !slices.Contains(p.Channels(), ch) {
				return fmt.Errorf("%s: provider %q does not deliver %s", where, n, ch)
			}
			if slices.Contains(names[:i], n) {
				return fmt.Errorf("%s: provider %q is listed twice", where, n)
			}
		}
		return nil
	}
	for ch, names := range c.Channels {
		if err := check("routing.channels."+string(ch), ch, names); err != nil {
			return nil, err
		}
	}
	for i, r := range c.Rules {
		where := fmt.Sprintf("routing.countries[%d]", i)
		if (r.Prefix == "") == (r.Country == "") {
			return nil, fmt.Errorf("%s: set exactly one of prefix and country", where)
		}
		if r.Prefix != "" && (!strings.HasPrefix(r.Prefix, "+") || len(r.Prefix) < 2 || strings.Trim(r.Prefix[1:], "0123456789") != "") {
			return nil, fmt.Errorf("%s.prefix: %q is not an E.164 prefix such as +7 or +4420", where, r.Prefix)
		}
		if r.Country != "" && (len(r.Country) != 2 || strings.ToUpper(r.Country) != r.Country) {
			return nil, fmt.Errorf("%s.country: %q is not an ISO 3166 region such as RU", where, r.Country)
		}
		if err := check(where, r.Channel, r.Providers); err != nil {
			return nil, err
		}
	}
	for name := range c.Breakers {
		if _, ok := c.Providers[name]; !ok {
			return nil, fmt.Errorf("circuit breaker of unknown provider %q", name)
		}
	}
	r := &Router{cfg: c, clock: c.Clock, breakers: map[string]*breaker{}}
	if r.clock == nil {
		r.clock = otp.SystemClock{}
	}
	for name := range c.Providers {
		r.breakers[name] = newBreaker(c.Breakers[name])
	}
	return r, nil
}

// Plan returns the providers a message on channel to destination to, in
// region country, is tried with, in order.
func (r *Router) Plan(channel otp.Channel, to, country string) []string {
	var best *CountryRule
	score := func(c *CountryRule) int {
		if c.Prefix != "" {
			return 10 + len(c.Prefix) // any prefix is more specific than a country
		}
		return 1
	}
	for i := range r.cfg.Rules {
		c := &r.cfg.Rules[i]
		if c.Channel != channel {
			continue
		}
		if c.Prefix != "" && !strings.HasPrefix(to, c.Prefix) || c.Country != "" && c.Country != country {
			continue
		}
		if best == nil || score(c) > score(best) {
			best = c
		}
	}
	if best != nil {
		return best.Providers
	}
	return r.cfg.Channels[channel]
}

// Channels lists the channels some provider is routed for, in the order
// of otp.Channels. A channel routed only by country rules is included,
// though messages to other countries will fail.
func (r *Router) Channels() []otp.Channel {
	var out []otp.Channel
	for _, ch := range otp.Channels {
		routed := len(r.cfg.Channels[ch]) > 0 || slices.ContainsFunc(r.cfg.Rules, func(c CountryRule) bool { return c.Channel == ch })
		if routed {
			out = append(out, ch)
		}
	}
	return out
}

// MaxAttempts is the most attempts any message can get: the longest plan
// times AttemptsPerProvider, or 0 when AttemptsPerProvider sets no cap.
func (r *Router) MaxAttempts() int {
	if r.cfg.AttemptsPerProvider == 0 {
		return 0
	}
	longest := 0
	for _, names := range r.cfg.Channels {
		longest = max(longest, len(names))
	}
	for _, c := range r.cfg.Rules {
		longest = max(longest, len(c.Providers))
	}
	return longest * r.cfg.AttemptsPerProvider
}

// Send sends m through the provider its attempt number falls to among
// the candidates, or through the one it is pinned to (m.Provider).
func (r *Router) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.Provider != "" {
		return r.sendPinned(ctx, m)
	}
	plan := r.Plan(m.Channel, m.To, m.Country)
	if len(plan) == 0 {
		return otp.SendResult{}, &otp.ProviderError{Provider: "router", Permanent: true,
			Message: "no provider is configured for channel " + string(m.Channel)}
	}
	candidates := slices.DeleteFunc(slices.Clone(plan), func(name string) bool { return slices.Contains(m.Skip, name) })
	if len(candidates) == 0 {
		// Only when the plan changed since the last refusal (a restart
		// with another configuration): a refusal by the last candidate
		// is permanent at once.
		return otp.SendResult{}, &otp.ProviderError{Provider: m.Skip[len(m.Skip)-1], Permanent: true,
			Message: fmt.Sprintf("every provider of channel %s refused the message", m.Channel)}
	}
	attempt := max(m.Attempt, 1)
	n := len(candidates)
	name := candidates[(attempt-1)%n]
	if per := r.cfg.AttemptsPerProvider; per > 0 && attempt > per*n {
		// Past the cap (it was lowered, or providers refused since):
		// nothing more is tried.
		return otp.SendResult{}, &otp.ProviderError{Provider: name, Permanent: true,
			Message: fmt.Sprintf("all %d providers of channel %s failed %d attempts each", n, m.Channel, per)}
	}
	res, err := r.call(ctx, name, m)
	if err == nil {
		res.Provider = name
		return res, nil
	}
	pe := providerError(name, err)
	switch {
	case pe.Permanent:
	case pe.Refused && n == 1:
		pe.Permanent, pe.Refused = true, false
		pe.Message = fmt.Sprintf("every provider of channel %s refused the message; last: %s", m.Channel, pe.Message)
	case pe.Refused:
		pe.RetryAfter = 0 // the next attempt goes to another provider
	case r.cfg.AttemptsPerProvider > 0 && attempt >= r.cfg.AttemptsPerProvider*n:
		pe.Permanent = true
		pe.Message = fmt.Sprintf("all %d providers of channel %s failed; last: %s", n, m.Channel, pe.Message)
	case n > 1 && attempt%n != 0:
		// The next candidate has not been tried in this round: it goes
		// now, and this provider's request to slow down is not its.
		pe.Failover, pe.RetryAfter = true, 0
	}
	return res, pe
}

// sendVia sends m through provider p, configured as name, in a span of
// its own under the delivery attempt's.
func sendVia(ctx context.Context, name string, p Provider, m otp.OutgoingMessage) (otp.SendResult, error) {
	ctx, span := telemetry.Child(ctx, "provider.send", telemetry.Internal)
	if span.IsRecording() {
		span.SetAttributes(telemetry.Provider.String(name), telemetry.Channel.String(string(m.Channel)))
	}
	res, err := p.Send(ctx, m)
	telemetry.End(span, err)
	return res, err
}

// providerError returns err as a copy of the *otp.ProviderError it holds,
// or wraps it in one, naming provider name in either case so that the
// message records which configured provider failed.
func providerError(name string, err error) *otp.ProviderError {
	var pe *otp.ProviderError
	if errors.As(err, &pe) {
		copied := *pe
		copied.Provider = name
		return &copied
	}
	return &otp.ProviderError{Provider: name, Message: err.Error(), Permanent: errors.Is(err, otp.ErrPermanent)}
}

// sendPinned sends m through the provider it is pinned to and no other:
// the caller chose it. A refusal is permanent, since no other provider
// may take the message; transient failures are retried, up to
// AttemptsPerProvider attempts when that caps them.
func (r *Router) sendPinned(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	name := m.Provider
	p, ok := r.cfg.Providers[name]
	if !ok || !slices.Contains(p.Channels(), m.Channel) {
		return otp.SendResult{}, &otp.ProviderError{Provider: "router", Permanent: true,
			Message: fmt.Sprintf("the message is pinned to provider %q, which is not configured for channel %s", name, m.Channel)}
	}
	res, err := r.call(ctx, name, m)
	if err == nil {
		res.Provider = name
		return res, nil
	}
	pe := providerError(name, err)
	switch per := r.cfg.AttemptsPerProvider; {
	case pe.Permanent:
	case pe.Refused:
		pe.Permanent, pe.Refused = true, false
		pe.Message = fmt.Sprintf("provider %s, to which the message is pinned, refused it; %s", name, pe.Message)
	case per > 0 && max(m.Attempt, 1) >= per:
		pe.Permanent = true
		pe.Message = fmt.Sprintf("provider %s failed %d attempts; last: %s", name, per, pe.Message)
	}
	return res, pe
}
