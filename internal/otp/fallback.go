package otp

import (
	"fmt"
	"time"
)

// FallbackStep is one step of a fallback workflow: a channel to send the
// code on, optionally to another destination, and how long to wait for a
// successful check before the next step goes out with the same code.
type FallbackStep struct {
	Channel Channel       `json:"channel"`
	To      string        `json:"to,omitempty"` // "" is the verification's destination
	Timeout time.Duration `json:"timeout,omitempty"`
}

// Bounds of a fallback workflow.
const (
	MaxFallbackSteps       = 5
	MinFallbackTimeout     = 15 * time.Second
	MaxFallbackTimeout     = 10 * time.Minute
	DefaultFallbackTimeout = time.Minute
)

// validateFallback checks a workflow against the destination, the
// project's channels and the code's lifetime, and returns it normalised:
// destinations parsed, timeouts defaulted (the last step has none).
func validateFallback(steps []FallbackStep, dest Destination, cs channelSet, ttl time.Duration) ([]FallbackStep, error) {
	if len(steps) < 2 || len(steps) > MaxFallbackSteps {
		return nil, invalidField("fallback", "out_of_range", fmt.Sprintf("fallback must list 2 to %d steps", MaxFallbackSteps))
	}
	out := make([]FallbackStep, len(steps))
	seen := make(map[stepTarget]bool, len(steps))
	var total time.Duration
	for i, st := range steps {
		field := fmt.Sprintf("fallback[%d]", i)
		d := dest
		if st.To != "" {
			var err error
			if d, err = ParseDestination(st.To, field+".to"); err != nil {
				return nil, err
			}
		}
		if err := validateChannel(st.Channel, d, field+".channel"); err != nil {
			return nil, err
		}
		if err := cs.check(st.Channel, field+".channel"); err != nil {
			return nil, err
		}
		target := stepTarget{st.Channel, d.limitKey()}
		if seen[target] {
			return nil, &Error{Code: CodeInvalidParameter, Key: "fallback_repeats_step", Field: field,
				Message: "a fallback workflow may send on one channel to one destination once: " + field + " repeats an earlier step",
				Params:  map[string]any{"channel": string(st.Channel)}}
		}
		seen[target] = true
		timeout := st.Timeout
		switch {
		case i == len(steps)-1:
			timeout = 0
		case timeout == 0:
			timeout = DefaultFallbackTimeout
		case timeout < MinFallbackTimeout || timeout > MaxFallbackTimeout:
			return nil, invalidField(field+".timeout", "out_of_range", "a fallback timeout must be between 15 and 600 seconds")
		}
		total += timeout
		to := ""
		if d.Value != dest.Value {
			to = d.Value
		}
		out[i] = FallbackStep{Channel: st.Channel, To: to, Timeout: timeout}
	}
	if total >= ttl {
		return nil, invalidField("fallback", "fallback_exceeds_ttl",
			"the fallback timeouts add up to the code's lifetime or more: shorten them or raise ttl")
	}
	return out, nil
}

// stepTarget is what one fallback step may not share with another: its
// channel and its destination as the limits count it, so a workflow cannot
// send one code over and over (victim+1@, victim+2@ are one target), while
// SMS then voice to one number stays the normal workflow.
type stepTarget struct {
	channel Channel
	dest    string
}

// nextFallback moves v to its next fallback step if one is due at now and
// returns the delivery to queue for it.
func (v *Verification) nextFallback(now time.Time) (Delivery, bool) {
	steps := v.Options.Fallback
	if v.Status != StatusPending || !now.Before(v.ExpiresAt) || v.NextStepAt.IsZero() ||
		now.Before(v.NextStepAt) || v.FallbackStep+1 >= len(steps) {
		return Delivery{}, false
	}
	v.FallbackStep++
	st := steps[v.FallbackStep]
	v.NextStepAt = time.Time{}
	if v.FallbackStep+1 < len(steps) {
		v.NextStepAt = now.Add(st.Timeout)
	}
	v.Channel, v.DeliveryStatus, v.LastSentAt, v.UpdatedAt = st.Channel, DeliveryQueued, now, now
	d := newDelivery(v, now)
	d.To = st.To
	return d, true
}
