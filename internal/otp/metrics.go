package otp

import "errors"

// Metrics receives what the service counts for monitoring. The domain
// knows nothing of how it is exported: internal/metrics implements it
// with Prometheus, and NoMetrics drops everything. Every argument is
// from a small fixed set (a channel, an ISO country or "", an outcome,
// an error key), never an id, a phone number or an application name.
// Implementations are called on the request path and must be cheap and
// safe for concurrent use.
type Metrics interface {
	// VerificationCreated counts a verification stored for sending.
	VerificationCreated(channel Channel, country string)
	// VerificationChecked counts one check of a code by its outcome.
	VerificationChecked(outcome CheckOutcome, channel Channel, country string)
	// VerificationExpired counts a verification that ran out of time
	// while pending, found by a check or by the sweep.
	VerificationExpired(channel Channel, country string)
	// Refused counts a request refused by a rate limit or a fraud rule,
	// by the error's Key (e.g. "destination_rate_limited", "geo_country_denied").
	Refused(kind RefusalKind, reason string)
	// WebhookDelivered counts one attempt to post a webhook delivery.
	WebhookDelivered(outcome WebhookOutcome)
}

// NoMetrics is the Metrics of a service configured without any.
type NoMetrics struct{}

func (NoMetrics) VerificationCreated(Channel, string)               {}
func (NoMetrics) VerificationChecked(CheckOutcome, Channel, string) {}
func (NoMetrics) VerificationExpired(Channel, string)               {}
func (NoMetrics) Refused(RefusalKind, string)                       {}
func (NoMetrics) WebhookDelivered(WebhookOutcome)                   {}

// CheckOutcome is how one check of a code ended.
type CheckOutcome string

// Check outcomes. The names follow the verification's statuses.
const (
	CheckVerified CheckOutcome = "verified"
	// CheckWrongCode: the code was wrong and attempts remain.
	CheckWrongCode CheckOutcome = "wrong_code"
	// CheckMaxAttempts: the code was wrong and was the last attempt.
	CheckMaxAttempts CheckOutcome = "max_attempts"
	// CheckExpired: the verification was past its expiry.
	CheckExpired CheckOutcome = "expired"
	// CheckNotPending: the verification was already verified, canceled
	// or out of attempts; nothing was compared.
	CheckNotPending CheckOutcome = "not_pending"
)

// checkOutcome names the outcome of a check from its result.
func checkOutcome(valid, evaluated bool, status Status) CheckOutcome {
	switch {
	case valid:
		return CheckVerified
	case evaluated && status == StatusMaxAttempts:
		return CheckMaxAttempts
	case evaluated:
		return CheckWrongCode
	case status == StatusExpired:
		return CheckExpired
	}
	return CheckNotPending
}

// RefusalKind says which defence refused a request.
type RefusalKind string

// Refusal kinds.
const (
	RefusedRateLimit RefusalKind = "rate_limit" // RATE_LIMITED
	RefusedFraud     RefusalKind = "fraud"      // geo, number type, budgets, blocked prefixes
)

// countRefusal counts err if it is a rate-limit or fraud refusal. Keys
// are fixed strings of the domain, so the reason label stays bounded.
func (s *Service) countRefusal(err error) {
	var e *Error
	if err == nil || !errors.As(err, &e) {
		return
	}
	switch e.Code {
	case CodeRateLimited:
		s.metrics.Refused(RefusedRateLimit, e.Key)
	case CodeGeoNotAllowed, CodeNumberTypeNotAllowed, CodeSendBudgetExceeded, CodeGuessBudgetExceeded, CodePrefixBlocked:
		s.metrics.Refused(RefusedFraud, e.Key)
	}
}

// WebhookOutcome is how one attempt to post a webhook delivery ended.
type WebhookOutcome string

// Webhook outcomes.
const (
	WebhookOutcomeDelivered WebhookOutcome = "delivered" // the endpoint answered 2xx
	WebhookOutcomeRetry     WebhookOutcome = "retry"     // failed; another attempt is scheduled
	WebhookOutcomeDead      WebhookOutcome = "dead"      // failed for good
	WebhookOutcomeHeld      WebhookOutcome = "held"      // not sent: the endpoint is disabled
)

// countCheck counts a check of v by its outcome, and the expiry it found.
func (s *Service) countCheck(v *Verification, valid, evaluated, expiredNow bool) {
	s.metrics.VerificationChecked(checkOutcome(valid, evaluated, v.Status), v.Channel, v.Country)
	if expiredNow {
		s.metrics.VerificationExpired(v.Channel, v.Country)
	}
}

// refuse counts the rate-limit refusal e where it is made, and returns it.
func (s *Service) refuse(e *Error) *Error {
	s.countRefusal(e)
	return e
}
