package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// envVar is one environment variable otpd reads, as `otpd config example`
// documents it.
type envVar struct {
	Name string
	// Default is the value otpd uses when the variable is unset, written
	// so that setting it changes nothing; empty when unset means
	// something else, which Meaning then says.
	Default string
	Meaning string
}

// envVars is every environment variable otpd reads. A test compares it
// with the names the source reads, so a new variable cannot go
// undocumented.
var envVars = []envVar{
	{"OTPD_ADDR", "127.0.0.1:8080", `Listen address. ":8080" listens on every interface, as a container must.`},
	{"OTPD_DATA_DIR", "otpd-data", "Where the SQLite database, a generated server key and the admin token's hash live."},
	{"OTPD_DATABASE_URL", "", "A SQLite path (otpd.db, sqlite:path, file:path) or a postgres:// URL. Unset: $OTPD_DATA_DIR/otpd.db."},
	{"OTPD_SECRET_KEY", "", "The server key: 32 bytes as 64 hex digits or base64 (`openssl rand -hex 32`). Every instance needs the same one; " +
		"keep it out of the data directory and its backups. Unset: generated into $OTPD_DATA_DIR/server.key on first start."},
	{"OTPD_SECRET_KEY_PREVIOUS", "", "During a key rotation, the key being replaced: what it sealed still opens until `otpd keys rotate` has re-sealed it."},
	{"OTPD_ADMIN_TOKEN", "", "The console's bearer token, 32 random bytes (`openssl rand -hex 32`); only its SHA-256 is kept. " +
		"Unset: generated on first start and printed once."},
	{"OTPD_REDIS_URL", "", "Redis (redis://host:6379/0) for rate-limit counters shared by several instances. Unset: in-memory limits."},
	{"OTPD_API_RATE_LIMIT", "1000", "Requests a minute per API key."},
	{"OTPD_DELIVERY_WORKERS", "16", "Concurrent deliveries."},
	{"OTPD_LOG_FORMAT", "text", "text or json."},
	{"OTPD_REQUEST_TIMEOUT", defaultRequestTimeout.String(), "Every request's deadline, database calls included; past it the answer is 503 UNAVAILABLE. Under the 30s write timeout."},
	{"OTPD_DEBUG_ADDR", "", "A private listener for pprof profiles (127.0.0.1:6060). Unset: off."},
	{"OTPD_METRICS_ADDR", "", "Serve GET /metrics (Prometheus) on this address alone (127.0.0.1:9090), not on the main port. Unset: on the main port."},
	{"OTPD_CONFIG", "", "The YAML file below: providers, routing, prices, captcha. Unset: every message goes to the console (development only)."},
	{"OTPD_WEBHOOK_ALLOW_PRIVATE", "0", "1 lets webhook endpoints and callback URLs be private or loopback addresses, on any port, over http (development)."},
	{"OTPD_WEBHOOK_ALLOW_HTTP", "0", "1 lets webhook endpoints and callback URLs be plain http:// URLs; otherwise only https://."},
	{"OTPD_WEBHOOK_ALLOWED_PORTS", joinInts(otp.DefaultWebhookPorts), "The ports webhook endpoints and callback URLs may name, comma-separated."},
	{"OTPD_TRUSTED_PROXIES", "", "Your reverse proxies, comma-separated addresses and networks (10.0.0.5,10.1.0.0/16): " +
		"from them X-Forwarded-For names the client. Unset: the client is the connection's peer."},
	{"OTPD_OPEN_SIGNUP", "0", "1 lets anyone create a developer account."},
	{"OTPD_DEFAULT_DAILY_SENDS", strconv.Itoa(otp.DefaultDailySends), "The sends a day a new project may make until the operator raises it; 0 for no bound."},
	{"OTPD_DEFAULT_COUNTRIES", "", "The countries a new project may send to, comma-separated ISO 3166 codes (GB,IE). Unset: every country."},
	{"OTPD_USER_RETENTION_DAYS", strconv.Itoa(int(otp.DefaultUserRetention / (24 * time.Hour))),
		"Days a user record (a phone number or email that verified) is kept after its last successful check."},
	{"OTPD_DATA_RETENTION_DAYS", "90", "Days a finished verification, with its messages and events, is kept after its creation."},
	{"OTPD_OIDC_ISSUER", "", "An OpenID Connect issuer whose ID tokens sign developers in to the console, as tokens carry it in iss " +
		"(Firebase: https://securetoken.google.com/<project-id>). Set both or neither. Unset: no ID tokens."},
	{"OTPD_OIDC_AUDIENCE", "", "The aud those ID tokens must carry (Firebase: <project-id>)."},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "An OTLP/HTTP collector (http://127.0.0.1:4318) to send traces to; the other OTEL_* variables " +
		"work as the OpenTelemetry specification defines them (README: Traces). Unset: no tracing."},
	{"OTEL_SERVICE_NAME", "", "The service.name of otpd's traces. Unset: otpd."},
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// configCommand runs `otpd config example`.
func configCommand(args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "example" {
		return fmt.Errorf("usage: otpd config example")
	}
	_, err := io.WriteString(stdout, configExample())
	return err
}

// configExample is what `otpd config example` prints: the environment
// variables as comments, then a configuration file that loads as it is
// (console delivery), with real providers commented out beside it.
func configExample() string {
	var b strings.Builder
	b.WriteString(exampleHeader)
	for _, v := range envVars {
		fmt.Fprintf(&b, "#\n# %s=%s\n", v.Name, v.Default)
		for _, line := range wrap(v.Meaning, 74) {
			b.WriteString("#     " + line + "\n")
		}
	}
	b.WriteString(exampleFileIntro)
	b.WriteString("providers:\n" + exampleDevProviders)
	b.WriteString("  # Real providers (docs/delivery.md lists every type and its keys):\n")
	b.WriteString(commentOut(exampleProviders))
	b.WriteString("\nrouting:\n" + exampleDevRouting)
	b.WriteString("  # Routing for those providers, in place of the channels above:\n")
	b.WriteString(commentOut(exampleRouting))
	b.WriteString("\n" + examplePricesAndCaptcha)
	return b.String()
}

// commentOut puts "#" before every line, so that deleting it restores the
// line with its indentation.
func commentOut(text string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "#" + l
		}
	}
	return strings.Join(lines, "")
}

// wrap breaks text into lines of at most width characters where it can,
// never inside a `quoted command`.
func wrap(text string, width int) []string {
	var words []string
	for _, w := range strings.Fields(text) {
		if n := len(words); n > 0 && strings.Count(words[n-1], "`")%2 == 1 {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	var lines []string
	line := ""
	for _, w := range words {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}

const exampleHeader = `# otpd configuration, as printed by ` + "`otpd config example`" + `.
#
# otpd reads environment variables (first, as comments: each with its default)
# and, when OTPD_CONFIG names it, this YAML file: the providers that deliver
# messages, how messages are routed to them, what they cost and where CAPTCHA
# answers are checked. Projects, applications and message texts live in the
# database, managed through the API or the console.
#
#   otpd config example > /etc/otpd/otpd.yaml
#   OTPD_CONFIG=/etc/otpd/otpd.yaml otpd serve
#
# ---- Environment variables ---------------------------------------------------
# The NAME=value lines can go, uncommented, into a systemd EnvironmentFile
# (deploy/otpd.service reads /etc/otpd/otpd.env) or a docker --env-file.
`

const exampleFileIntro = `
# ---- The OTPD_CONFIG file ----------------------------------------------------
# As it is, it delivers every message to the console: one log line per message,
# code included, for development only. Delete a line's first "#" to use it.
# ${NAME} in a value is read from the environment variable NAME, or from the
# file named by NAME_FILE (a mounted secret); it never changes the structure.

`

const exampleDevProviders = `  dev:                                   # a provider's name, used in routing
    type: console
`

// exampleProviders and exampleRouting are printed commented out; a test
// loads them uncommented, so they stay valid.
const exampleProviders = `  smsc:
    type: smpp
    addr: smsc.example.net:2775
    system_id: acme
    password: ${SMPP_PASSWORD}
    source_addr: Acme                    # alphanumeric: TON 5/NPI 0; digits: TON 1/NPI 1
  twilio:
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token: ${TWILIO_AUTH_TOKEN}
    from: "+15005550006"
    status_callback_url: https://otp.example.com/v1/callbacks/twilio
    circuit_breaker: {failures: 5, cool_down: 30s}   # any provider; the defaults: skipped for cool_down after that many outage failures in a row
  mail:
    type: smtp
    host: smtp.example.com               # port 587 with STARTTLS unless port and tls say otherwise
    username: otp@example.com
    password: ${SMTP_PASSWORD}
    from: otp@example.com
    from_name: Acme
`

const exampleDevRouting = `  channels:                              # each channel's providers, in turn
    sms: [dev]
    voice: [dev]
    email: [dev]
    telegram: [dev]
    whatsapp: [dev]
`

const exampleRouting = `  attempts_per_provider: 3               # optional cap on rounds over the providers; without
                                         # it a message is retried until its code expires
  channels:
    sms: [smsc, twilio]                  # attempts take turns down the list
    voice: [twilio]
    email: [mail]
  countries:                             # the most specific rule wins: longest prefix, then country
    - {channel: sms, country: RU, providers: [smsc]}
    - {channel: sms, prefix: "+4420", providers: [twilio]}
`

const examplePricesAndCaptcha = `prices:                                  # optional: each verification's cost, as decimal strings
  currency: USD
  default: {sms: "0.0075", voice: "0.013", email: "0"}
  countries:
    RU: {sms: "0.045"}

captcha:                                 # optional: projects hold their own CAPTCHA keys
  timeout: 5s                            # how long a send waits for the CAPTCHA service (at most 30s)
#  recaptcha_url: https://www.recaptcha.net   # a mirror, or a fake in tests
#  turnstile_url: https://challenges.cloudflare.com
#  hcaptcha_url: https://api.hcaptcha.com
#  smartcaptcha_url: https://smartcaptcha.yandexcloud.net
`
