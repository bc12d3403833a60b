package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/otpd/otpd/internal/otp"
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
	// AttemptsPerProvider is how many attempts a message gets with one
	// provider before it fails over to the next; default 2.
	AttemptsPerProvider int
}

// Router is an otp.Sender that picks a provider for each attempt of a
// message: the channel's providers in order (or a matching country
// rule's), each given AttemptsPerProvider attempts, so that transient
// failures fail over. The attempt number comes from the durable outbox,
// so failover survives restarts. A permanent failure ends the message at
// once; so does the last transient failure of the last provider.
type Router struct {
	cfg RouterConfig
}

var _ otp.Sender = (*Router)(nil)

// NewRouter checks that every named provider exists and serves the
// channel it is routed for.
func NewRouter(c RouterConfig) (*Router, error) {
	if c.AttemptsPerProvider <= 0 {
		c.AttemptsPerProvider = 2
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
	return &Router{cfg: c}, nil
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
// times AttemptsPerProvider. The outbox must allow at least as many.
func (r *Router) MaxAttempts() int {
	longest := 0
	for _, names := range r.cfg.Channels {
		longest = max(longest, len(names))
	}
	for _, c := range r.cfg.Rules {
		longest = max(longest, len(c.Providers))
	}
	return longest * r.cfg.AttemptsPerProvider
}

// Send sends m through the provider its attempt number falls to, or
// through the one it is pinned to (m.Provider).
func (r *Router) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.Provider != "" {
		return r.sendPinned(ctx, m)
	}
	plan := r.Plan(m.Channel, m.To, m.Country)
	if len(plan) == 0 {
		return otp.SendResult{}, &otp.ProviderError{Provider: "router", Permanent: true,
			Message: "no provider is configured for channel " + string(m.Channel)}
	}
	attempt := max(m.Attempt, 1)
	per := r.cfg.AttemptsPerProvider
	i := (attempt - 1) / per
	if i >= len(plan) {
		return otp.SendResult{}, &otp.ProviderError{Provider: "router", Permanent: true,
			Message: fmt.Sprintf("all %d providers of channel %s failed", len(plan), m.Channel)}
	}
	name := plan[i]
	res, err := r.cfg.Providers[name].Send(ctx, m)
	if err == nil {
		res.Provider = name
		return res, nil
	}
	if errors.Is(err, otp.ErrPermanent) {
		return res, err
	}
	pe := &otp.ProviderError{Provider: name, Message: err.Error()}
	if errors.As(err, &pe) {
		copied := *pe
		pe = &copied
	}
	switch {
	case attempt >= len(plan)*per:
		pe.Permanent = true
		pe.Message = fmt.Sprintf("all %d providers of channel %s failed; last: %s", len(plan), m.Channel, pe.Message)
	case attempt%per == 0:
		// The next attempt goes to another provider: this one's request
		// to slow down does not apply to it.
		pe.RetryAfter = 0
	}
	return res, pe
}

// sendPinned sends m through the provider it is pinned to and no other:
// the caller chose it. With nothing to fail over to, it has every attempt
// a message can get (MaxAttempts); a transient failure of the last is
// permanent.
func (r *Router) sendPinned(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	name := m.Provider
	p, ok := r.cfg.Providers[name]
	if !ok || !slices.Contains(p.Channels(), m.Channel) {
		return otp.SendResult{}, &otp.ProviderError{Provider: "router", Permanent: true,
			Message: fmt.Sprintf("the message is pinned to provider %q, which is not configured for channel %s", name, m.Channel)}
	}
	res, err := p.Send(ctx, m)
	if err == nil {
		res.Provider = name
		return res, nil
	}
	if errors.Is(err, otp.ErrPermanent) {
		return res, err
	}
	pe := &otp.ProviderError{Provider: name, Message: err.Error()}
	if errors.As(err, &pe) {
		copied := *pe
		pe = &copied
	}
	if max(m.Attempt, 1) >= r.MaxAttempts() {
		pe.Permanent = true
		pe.Message = fmt.Sprintf("provider %s failed %d attempts; last: %s", name, r.MaxAttempts(), pe.Message)
	}
	return res, pe
}
