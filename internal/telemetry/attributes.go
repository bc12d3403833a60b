package telemetry

import "go.opentelemetry.io/otel/attribute"

// The attributes otpd's spans carry: OpenTelemetry's semantic conventions
// where they have a name, otpd.* otherwise. Keep the list short and free
// of personal data (see the package comment).
const (
	HTTPMethod    = attribute.Key("http.request.method")
	HTTPRoute     = attribute.Key("http.route")
	HTTPStatus    = attribute.Key("http.response.status_code")
	ServerAddress = attribute.Key("server.address")
	ErrorType     = attribute.Key("error.type")

	DBSystem = attribute.Key("db.system.name")   // "sqlite" or "postgresql"
	DBQuery  = attribute.Key("db.query.text")    // SQL with $n placeholders, never values
	DBGroup  = attribute.Key("otpd.store.group") // a write shared SQLite's group commit

	Dialect        = attribute.Key("otpd.dialect") // kotp, kookoo, cobinar, kodmobi
	LimiterBackend = attribute.Key("otpd.ratelimit.backend")
	LimiterTakes   = attribute.Key("otpd.ratelimit.takes")
	LimiterAllowed = attribute.Key("otpd.ratelimit.allowed")
	Provider       = attribute.Key("otpd.provider") // the configured instance name
	Channel        = attribute.Key("otpd.channel")
	Attempt        = attribute.Key("otpd.delivery.attempt")
	Verification   = attribute.Key("otpd.verification.id")
)
