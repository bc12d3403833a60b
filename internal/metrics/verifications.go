package metrics

import "github.com/otpd/otpd/internal/otp"

var _ otp.Metrics = (*Metrics)(nil)

// VerificationCreated implements otp.Metrics.
func (m *Metrics) VerificationCreated(channel otp.Channel, country string) {
	m.created.WithLabelValues(string(channel), countryLabel(country)).Inc()
}

// VerificationChecked implements otp.Metrics.
func (m *Metrics) VerificationChecked(outcome otp.CheckOutcome, channel otp.Channel, country string) {
	m.checked.WithLabelValues(string(outcome), string(channel), countryLabel(country)).Inc()
}

// VerificationExpired implements otp.Metrics.
func (m *Metrics) VerificationExpired(channel otp.Channel, country string) {
	m.expired.WithLabelValues(string(channel), countryLabel(country)).Inc()
}

// Refused implements otp.Metrics.
func (m *Metrics) Refused(kind otp.RefusalKind, reason string) {
	m.refused.WithLabelValues(string(kind), reason).Inc()
}

// WebhookDelivered implements otp.Metrics.
func (m *Metrics) WebhookDelivered(outcome otp.WebhookOutcome) {
	m.webhooks.WithLabelValues(string(outcome)).Inc()
}

// countryLabel keeps the country label to ISO 3166 alpha-2 codes: "none"
// for an email destination, "other" for anything that is not two
// capital letters (libphonenumber's "001" of non-geographic numbers), so
// that no value outside that small set can reach the registry.
func countryLabel(c string) string {
	switch {
	case c == "":
		return "none"
	case len(c) == 2 && 'A' <= c[0] && c[0] <= 'Z' && 'A' <= c[1] && c[1] <= 'Z':
		return c
	}
	return "other"
}
