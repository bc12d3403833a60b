package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// config is everything otpd reads from its environment.
type config struct {
	Addr        string // OTPD_ADDR
	DataDir     string // OTPD_DATA_DIR
	DatabaseURL string // OTPD_DATABASE_URL
	SecretKey   string // OTPD_SECRET_KEY
	// PreviousSecretKey (OTPD_SECRET_KEY_PREVIOUS) is the key being
	// rotated out: what it sealed still opens until `otpd keys rotate`
	// has re-sealed it with OTPD_SECRET_KEY.
	PreviousSecretKey string
	AdminToken        string // OTPD_ADMIN_TOKEN
	RedisURL          string // OTPD_REDIS_URL
	APIRateLimit      int    // OTPD_API_RATE_LIMIT, requests a minute per API key
	DeliveryWorkers   int    // OTPD_DELIVERY_WORKERS
	LogFormat         string // OTPD_LOG_FORMAT: text or json
	DebugAddr         string // OTPD_DEBUG_ADDR: pprof listener, off when empty
	// MetricsAddr (OTPD_METRICS_ADDR) moves GET /metrics from the main
	// port to a listener of its own; empty serves it on the main port.
	MetricsAddr string
	ConfigFile  string // OTPD_CONFIG: providers, routing and prices; console delivery when empty
	// WebhookAllowPrivate (OTPD_WEBHOOK_ALLOW_PRIVATE=1) lets webhook
	// endpoints be private or loopback addresses, for development.
	WebhookAllowPrivate bool
	// WebhookAllowHTTP (OTPD_WEBHOOK_ALLOW_HTTP=1) lets webhook endpoints
	// be plain http URLs; otherwise only https.
	WebhookAllowHTTP bool
	// WebhookPorts (OTPD_WEBHOOK_ALLOWED_PORTS, comma-separated) are the
	// ports webhook endpoints may name; empty: otp.DefaultWebhookPorts.
	WebhookPorts []int
	OpenSignup   bool // OTPD_OPEN_SIGNUP=1: anyone may create a developer account
	// UserRetentionDays (OTPD_USER_RETENTION_DAYS) is how long a user
	// record (a phone number or email that verified) is kept after its
	// last successful check; 0 here is otp.DefaultUserRetention.
	UserRetentionDays int
	// DataRetentionDays (OTPD_DATA_RETENTION_DAYS) is how long finished
	// verifications, with their messages and consumed events, are kept
	// after their creation; 0 here is the domain's default, 90 days.
	// With the traffic it bounds the size of the store.
	DataRetentionDays int
	ShutdownTimeout   time.Duration
	// RequestTimeout (OTPD_REQUEST_TIMEOUT, default 10s) is every
	// request's deadline, store calls included; it is shorter than the
	// server's WriteTimeout so that work whose answer could no longer be
	// delivered is abandoned (a PostgreSQL transaction rolled back) and
	// the client told 503 UNAVAILABLE.
	RequestTimeout time.Duration
	// OIDCIssuer and OIDCAudience (OTPD_OIDC_ISSUER, OTPD_OIDC_AUDIENCE),
	// both or neither, let ID tokens of that issuer sign developers in to
	// the console.
	OIDCIssuer   string
	OIDCAudience string
	// TrustedProxies (OTPD_TRUSTED_PROXIES, comma-separated addresses and
	// networks) are the proxies whose X-Forwarded-For names the client;
	// none by default: the client is the connection's peer.
	TrustedProxies []netip.Prefix
	// DefaultCountries (OTPD_DEFAULT_COUNTRIES, comma-separated ISO 3166
	// regions) are the countries a new project's geo permissions allow;
	// none: every country.
	DefaultCountries []string
	// DefaultDailySends (OTPD_DEFAULT_DAILY_SENDS) is a new project's
	// sends a day until the operator raises it; default
	// otp.DefaultDailySends (1000), 0 for no bound.
	DefaultDailySends int
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Addr:              or(getenv("OTPD_ADDR"), "127.0.0.1:8080"),
		DataDir:           or(getenv("OTPD_DATA_DIR"), "otpd-data"),
		DatabaseURL:       getenv("OTPD_DATABASE_URL"),
		SecretKey:         getenv("OTPD_SECRET_KEY"),
		PreviousSecretKey: getenv("OTPD_SECRET_KEY_PREVIOUS"),
		AdminToken:        getenv("OTPD_ADMIN_TOKEN"),
		RedisURL:          getenv("OTPD_REDIS_URL"),
		APIRateLimit:      1000,
		DeliveryWorkers:   16,
		LogFormat:         or(getenv("OTPD_LOG_FORMAT"), "text"),
		DebugAddr:         getenv("OTPD_DEBUG_ADDR"),
		MetricsAddr:       strings.TrimSpace(getenv("OTPD_METRICS_ADDR")),
		ConfigFile:        getenv("OTPD_CONFIG"),
		OIDCIssuer:        strings.TrimSpace(getenv("OTPD_OIDC_ISSUER")),
		OIDCAudience:      strings.TrimSpace(getenv("OTPD_OIDC_AUDIENCE")),
		ShutdownTimeout:   15 * time.Second,
		RequestTimeout:    defaultRequestTimeout,
		DefaultDailySends: otp.DefaultDailySends,
	}
	for name, dst := range map[string]*int{"OTPD_API_RATE_LIMIT": &c.APIRateLimit, "OTPD_DELIVERY_WORKERS": &c.DeliveryWorkers,
		"OTPD_USER_RETENTION_DAYS": &c.UserRetentionDays, "OTPD_DATA_RETENTION_DAYS": &c.DataRetentionDays} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return c, fmt.Errorf("%s must be a positive whole number, got %q", name, v)
			}
			*dst = n
		}
	}
	if v := getenv("OTPD_REQUEST_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d >= writeTimeout {
			return c, fmt.Errorf("OTPD_REQUEST_TIMEOUT must be a duration above 0 and under the server's %s write timeout, such as 10s, got %q", writeTimeout, v)
		}
		c.RequestTimeout = d
	}
	if v := getenv("OTPD_DEFAULT_DAILY_SENDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > otp.MaxBudget {
			return c, fmt.Errorf("OTPD_DEFAULT_DAILY_SENDS must be a whole number from 0 (no bound) to %d, got %q", otp.MaxBudget, v)
		}
		c.DefaultDailySends = n
	}
	for name, dst := range map[string]*bool{"OTPD_WEBHOOK_ALLOW_PRIVATE": &c.WebhookAllowPrivate, "OTPD_WEBHOOK_ALLOW_HTTP": &c.WebhookAllowHTTP, "OTPD_OPEN_SIGNUP": &c.OpenSignup} {
		switch v := getenv(name); v {
		case "", "0", "false":
		case "1", "true":
			*dst = true
		default:
			return c, fmt.Errorf("%s must be 1 or 0, got %q", name, v)
		}
	}
	if v := getenv("OTPD_WEBHOOK_ALLOWED_PORTS"); v != "" {
		ports, err := parsePorts(v)
		if err != nil {
			return c, fmt.Errorf("OTPD_WEBHOOK_ALLOWED_PORTS: %w", err)
		}
		c.WebhookPorts = ports
	}
	proxies, err := httpjson.ParseTrustedProxies(getenv("OTPD_TRUSTED_PROXIES"))
	if err != nil {
		return c, fmt.Errorf("OTPD_TRUSTED_PROXIES: %w", err)
	}
	c.TrustedProxies = proxies
	if c.DefaultCountries, err = otp.ParseCountries(getenv("OTPD_DEFAULT_COUNTRIES")); err != nil {
		return c, fmt.Errorf("OTPD_DEFAULT_COUNTRIES: %w", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("OTPD_LOG_FORMAT must be text or json, got %q", c.LogFormat)
	}
	if (c.OIDCIssuer == "") != (c.OIDCAudience == "") {
		return c, errors.New("OTPD_OIDC_ISSUER and OTPD_OIDC_AUDIENCE go together: set both (Firebase: https://securetoken.google.com/<project-id> and <project-id>) or neither")
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "otpd.db")
	}
	return c, nil
}

// parsePorts reads a comma-separated list of TCP ports: "443,8443".
func parsePorts(v string) ([]int, error) {
	var ports []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("want comma-separated port numbers such as 443,8443, got %q", v)
		}
		ports = append(ports, n)
	}
	return ports, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// isPostgres tells a PostgreSQL URL from a SQLite path or URL.
func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// serverKey returns the key from OTPD_SECRET_KEY, else from the data
// directory, generating and storing it (mode 0600) on first start; with
// OTPD_SECRET_KEY_PREVIOUS, the key being rotated out rides along.
func (c config) serverKey(stderr io.Writer) (*otp.ServerKey, error) {
	k, err := c.currentServerKey(stderr)
	if err != nil {
		return nil, err
	}
	if c.PreviousSecretKey == "" {
		return k, nil
	}
	prev, err := otp.ParseServerKey(c.PreviousSecretKey)
	if err != nil {
		return nil, fmt.Errorf("OTPD_SECRET_KEY_PREVIOUS: %w", err)
	}
	if prev.ID() == k.ID() {
		return nil, errors.New("OTPD_SECRET_KEY_PREVIOUS is the current server key; set it to the key being replaced, or unset it")
	}
	return k.WithPrevious(prev), nil
}

func (c config) currentServerKey(stderr io.Writer) (*otp.ServerKey, error) {
	if c.SecretKey != "" {
		k, err := otp.ParseServerKey(c.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("OTPD_SECRET_KEY: %w", err)
		}
		return k, nil
	}
	path := c.serverKeyPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return nil, err
		}
		key := otp.GenerateServerKey()
		if err := writeNew(path, key+"\n"); err != nil {
			return nil, fmt.Errorf("store server key: %w", err)
		}
		fmt.Fprintf(stderr, "otpd: generated a server key in %s (mode 0600) beside the database: a copy of the data directory "+
			"then holds both, and with them the pending codes and webhook secrets. Keep the key elsewhere with OTPD_SECRET_KEY.\n", path)
		b = []byte(key)
	} else if err != nil {
		return nil, fmt.Errorf("read server key: %w", err)
	}
	k, err := otp.ParseServerKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

func (c config) serverKeyPath() string { return filepath.Join(c.DataDir, "server.key") }

// checkServerKey refuses to go on when the configured keys do not open
// what the database holds: a server started with the wrong key would fail
// every delivery and webhook instead.
func (c config) checkServerKey(ctx context.Context, svc *otp.Service) error {
	err := svc.CheckServerKey(ctx, serverKeySample)
	if !errors.Is(err, otp.ErrServerKeyMismatch) {
		return err
	}
	where := "OTPD_SECRET_KEY"
	if c.SecretKey == "" {
		where = "the key file " + c.serverKeyPath() + " (OTPD_SECRET_KEY is not set)"
	}
	return fmt.Errorf("%w.\nThe key in use comes from %s. Set OTPD_SECRET_KEY to the key this database was written with; "+
		"while rotating keys, set OTPD_SECRET_KEY to the new key and OTPD_SECRET_KEY_PREVIOUS to the old one, run `otpd keys rotate`, "+
		"then drop OTPD_SECRET_KEY_PREVIOUS", err, where)
}

// serverKeySample is how many of the oldest values of each kind the
// start-up check opens.
const serverKeySample = 20

// adminTokenHash returns the SHA-256 of the console token: from
// OTPD_ADMIN_TOKEN, refused unless strong enough (checkAdminToken), else
// from the data directory. On first start a token is generated, printed
// once, and only its hash is kept.
func (c config) adminTokenHash(stderr io.Writer) ([32]byte, error) {
	if c.AdminToken != "" {
		if err := checkAdminToken(c.AdminToken); err != nil {
			return [32]byte{}, err
		}
		return sha256.Sum256([]byte(c.AdminToken)), nil
	}
	path := filepath.Join(c.DataDir, "admin-token.sha256")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return [32]byte{}, err
		}
		token := "otpd_admin_" + otp.GenerateServerKey() // 32 random bytes in hex
		h := sha256.Sum256([]byte(token))
		if err := writeNew(path, hex.EncodeToString(h[:])+"\n"); err != nil {
			return [32]byte{}, fmt.Errorf("store admin token hash: %w", err)
		}
		fmt.Fprintf(stderr, "\notpd: generated a console admin token; it is shown this once, only its hash is kept:\n\n    %s\n\n", token)
		return h, nil
	}
	if err != nil {
		return [32]byte{}, fmt.Errorf("read admin token hash: %w", err)
	}
	var h [32]byte
	if n, err := hex.Decode(h[:], []byte(strings.TrimSpace(string(b)))); err != nil || n != 32 {
		return [32]byte{}, fmt.Errorf("%s: not a SHA-256 hex digest", path)
	}
	return h, nil
}

// Rules for an admin token set by hand. The token is all the operator's
// power and is stored as an unsalted SHA-256, so it must not be guessable:
// 32 random bytes, written as 64 hex digits or 43 base64 characters.
const (
	minAdminTokenHex   = 64 // hex digits: 4 bits each
	minAdminTokenOther = 43 // base64 or anything else: about 6 bits each at best
	// minAdminTokenDistinct catches "aaaa…" and other patterns: 64
	// random hex digits use all 16 digits all but never, and fewer than
	// 10 practically never.
	minAdminTokenDistinct = 10
)

// checkAdminToken refuses a hand-set OTPD_ADMIN_TOKEN that cannot hold 32
// random bytes: shorter than 64 characters if it is hex digits only,
// shorter than 43 otherwise, or made of fewer than 10 different
// characters.
func checkAdminToken(token string) error {
	const how = "make one with `openssl rand -hex 32`, or leave it unset and otpd generates one on first start"
	hexOnly := strings.Trim(token, "0123456789abcdefABCDEF") == ""
	n := utf8.RuneCountInString(token)
	switch {
	case hexOnly && n < minAdminTokenHex:
		return fmt.Errorf("OTPD_ADMIN_TOKEN is %d hex digits; it must be at least %d (32 random bytes): %s", n, minAdminTokenHex, how)
	case n < minAdminTokenOther:
		return fmt.Errorf("OTPD_ADMIN_TOKEN is %d characters; it must hold 32 random bytes, at least %d characters (base64) or %d hex digits: %s",
			n, minAdminTokenOther, minAdminTokenHex, how)
	}
	distinct := map[rune]bool{}
	for _, r := range token {
		distinct[r] = true
	}
	if len(distinct) < minAdminTokenDistinct {
		return fmt.Errorf("OTPD_ADMIN_TOKEN uses only %d different characters; it must be random (32 random bytes): %s", len(distinct), how)
	}
	return nil
}

// writeNew creates a file readable by its owner only, failing if it exists.
func writeNew(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
