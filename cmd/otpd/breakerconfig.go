package main

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/otpd/otpd/internal/delivery"
)

// breakerSpec is a provider's optional circuit_breaker key: when the
// router stops calling the provider during an outage, and for how long.
//
//	providers:
//	  smsc:
//	    type: smpp
//	    circuit_breaker: {failures: 5, cool_down: 30s}   # the defaults
type breakerSpec struct {
	Failures int           `yaml:"failures"`  // outage failures in a row that open it; 0: the default, 5
	CoolDown time.Duration `yaml:"cool_down"` // skipped for this long, then one trial; 0: the default, 30 s
}

// parseBreaker decodes the circuit_breaker key of the provider at where.
func parseBreaker(n *yaml.Node, where string) (delivery.BreakerConfig, error) {
	where += ".circuit_breaker"
	var s breakerSpec
	if err := decodeStrict(n, &s, where); err != nil {
		return delivery.BreakerConfig{}, err
	}
	if s.Failures < 0 {
		return delivery.BreakerConfig{}, fmt.Errorf("%s.failures: %d is negative; 0 takes the default, %d",
			where, s.Failures, delivery.DefaultBreakerFailures)
	}
	if s.CoolDown < 0 {
		return delivery.BreakerConfig{}, fmt.Errorf("%s.cool_down: %s is negative; 0 takes the default, %s",
			where, s.CoolDown, delivery.DefaultBreakerCoolDown)
	}
	return delivery.BreakerConfig{Failures: s.Failures, CoolDown: s.CoolDown}, nil
}
