package otp

import (
	"cmp"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"time"
)

// Service is the one entry point of the domain. The native API, every
// dialect, the CLI and the background workers call its methods.
type Service struct {
	store   Store
	limiter Limiter
	keys    *ServerKey
	clock   Clock
	cfg     Limits
	notify  func()
	cache   *readCache
	prices  PriceTable
	// deliverable is the channels live applications can send on; nil is all.
	deliverable map[Channel]bool
	// webhookURLs is what webhook and callback URLs may name.
	webhookURLs WebhookURLPolicy
	webhooks    WebhookTransport // nil: events are not sent to webhooks
	usage       *usageCache
	challenges  ChallengeVerifier // nil: a project with a challenge cannot send
	identities  IdentityVerifier  // nil: no ID token signs a developer in
	telegram    TelegramBot       // zero: the telegram channel needs no linked chat
	providers   providerCatalog   // the configured providers, for callers that pick one
	log         *slog.Logger      // delivery failures; never a code or a destination
	// webhookPerApp caps an application's webhook deliveries in flight.
	webhookPerApp int
	hashing       *passwordHashing // the bound on password hashes run at once
	// defaultCountries are the countries a new project's geo rules allow
	// (OTPD_DEFAULT_COUNTRIES); empty is every country.
	defaultCountries []string
	// defaultDailySends is a new project's Budgets.DailySends.
	defaultDailySends int
	metrics           Metrics
}

// Limits are the service-wide limits that are not per-project policy.
type Limits struct {
	APIKeyRequests Limit // requests per API key; default 1000 a minute
	// MaxDeliveryAttempts caps the attempts a message gets before it
	// fails; 0 (the default) sets no cap: a message is retried until its
	// code expires.
	MaxDeliveryAttempts int
	DeliveryLease       time.Duration // how long a claimed outbox row stays claimed; default 15 s
	RetryBase           time.Duration // first retry delay, doubled each attempt; default 1 s
	RetryMax            time.Duration // the longest retry delay; default 30 s
	// RetryExpiryMargin is the least time a code must have left when its
	// message's next attempt is due: a code that arrives with seconds
	// left cannot be typed, so a message whose next attempt would come
	// later ends expired at once; default 10 s.
	RetryExpiryMargin  time.Duration
	IdempotencyWindow  time.Duration // how long an idempotency key is remembered; default 24 h
	TestInboxRetention time.Duration // how long test-inbox messages (with their codes) are kept; default 24 h
	// DataRetention is how long finished verifications, their messages
	// and events are kept; default 90 days. Rollups (users, analytics)
	// stay. WebhookRetention is the same for finished webhook deliveries;
	// default 30 days.
	DataRetention    time.Duration
	WebhookRetention time.Duration
	// UserRetention is how long a user record (a destination that
	// verified) is kept after its last successful check; default
	// DefaultUserRetention, 400 days.
	UserRetention time.Duration
	// ReadCacheTTL is how long an application (by API key) and a project
	// are served from memory before they are read again; default 2 s,
	// negative turns the cache off. Changes made through this Service
	// take effect at once; changes made by another instance sharing the
	// database (PostgreSQL) take effect here within ReadCacheTTL, so a
	// disabled application, a rotated or revoked API key or a deleted
	// application may keep working there for that long.
	ReadCacheTTL time.Duration
	// PasswordHashes bounds the password hashes (argon2id, 19 MiB each)
	// run at once by this Service, whichever call needs one; default
	// runtime.NumCPU(). A sign-in that finds them all taken waits up to
	// PasswordHashWait (default 1 s) and is then refused with
	// SERVICE_BUSY.
	PasswordHashes   int
	PasswordHashWait time.Duration
	// SignInsPerIP limits sign-in and sign-up attempts per client
	// address (LimitSignIn), on top of the guesses per account; default
	// 30 every 15 minutes.
	SignInsPerIP Limit
	// ConsoleRequestsPerIP limits console requests per client address,
	// before the token is even checked; each principal (the operator,
	// each developer) has its own APIKeyRequests besides. Default 3000 a
	// minute: room for several people behind one address.
	ConsoleRequestsPerIP Limit
}

// Config wires a Service.
type Config struct {
	Store   Store
	Limiter Limiter
	Keys    *ServerKey
	Clock   Clock // defaults to SystemClock
	// Limits; see Limits.ReadCacheTTL for how soon a change made by
	// another instance is seen by this one.
	Limits Limits
	// Notify, if set, is called after a message is queued, so an in-process
	// delivery worker can start at once instead of at its next poll.
	Notify func()
	// Prices, if set, prices each message a provider accepts.
	Prices PriceTable
	// Deliverable, if not nil, lists the channels the deployment has
	// providers for: live applications asking for another channel get
	// CHANNEL_UNAVAILABLE at once rather than a message that fails later.
	Deliverable []Channel
	// WebhookAllowPrivate lets webhook endpoints be private or loopback
	// addresses (OTPD_WEBHOOK_ALLOW_PRIVATE), and lifts the scheme and port
	// rules; off, they are refused.
	WebhookAllowPrivate bool
	// WebhookAllowHTTP lets webhook endpoints be plain http URLs
	// (OTPD_WEBHOOK_ALLOW_HTTP); off, only https is accepted.
	WebhookAllowHTTP bool
	// WebhookPorts are the ports webhook endpoints may name; empty means
	// DefaultWebhookPorts (OTPD_WEBHOOK_ALLOWED_PORTS).
	WebhookPorts []int
	// Webhooks encodes, signs and posts webhook events; without it events
	// stay queued and no webhook is called.
	Webhooks WebhookTransport
	// WebhookConcurrencyPerApp caps the webhook deliveries of one
	// application in flight at once, across instances, so that one
	// tenant's slow endpoints cannot take every sender; zero means
	// DefaultWebhookConcurrencyPerApp.
	WebhookConcurrencyPerApp int
	// Challenges asks CAPTCHA providers about the tokens of projects that
	// require one; without it those projects' sends are refused with
	// CHALLENGE_UNAVAILABLE.
	Challenges ChallengeVerifier
	// Identities checks the ID tokens of the operator's OpenID Connect
	// issuer (OTPD_OIDC_ISSUER); without it no ID token is accepted.
	Identities IdentityVerifier
	// TelegramBot, if its Provider is set, is the bot that delivers the
	// telegram channel: the session flow then offers that channel only to
	// people who linked their number in a chat with it.
	TelegramBot TelegramBot
	// Providers are the deployment's configured providers, which callers
	// may list and pin a send to (kod.mobi's manual flow); none when nil.
	Providers []ProviderInfo
	// Logger receives each failed delivery attempt (warn) and each
	// message that failed or expired for good (error), by ids only;
	// discarded when nil.
	Logger *slog.Logger
	// OnPasswordHash, if set, runs every password hash, which it must
	// call, while the hash holds one of the Limits.PasswordHashes slots:
	// tests use it to count and hold the hashes in flight.
	OnPasswordHash func(hash func())
	// DefaultCountries (OTPD_DEFAULT_COUNTRIES) are the ISO 3166 regions a
	// new project's geo permissions allow; empty allows every country.
	DefaultCountries []string
	// DefaultDailySends is the sends a day a new project may make until
	// the operator raises it (its Budgets.DailySends,
	// OTPD_DEFAULT_DAILY_SENDS); 0 sets no bound.
	DefaultDailySends int
	// Metrics counts verifications, checks, refusals and webhook
	// deliveries for monitoring; NoMetrics when nil.
	Metrics Metrics
}

// NewService checks the configuration and returns a Service.
func NewService(c Config) (*Service, error) {
	if c.Store == nil || c.Limiter == nil || c.Keys == nil {
		return nil, errors.New("otp: Store, Limiter and Keys are required")
	}
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if err := AllowOnly(c.DefaultCountries).validate("DefaultCountries"); err != nil {
		return nil, errors.New("otp: " + err.Error())
	}
	l := &c.Limits
	if l.APIKeyRequests.Count == 0 {
		l.APIKeyRequests = Limit{Count: 1000, Period: time.Minute}
	}
	if l.MaxDeliveryAttempts < 0 {
		l.MaxDeliveryAttempts = 0
	}
	if l.DeliveryLease == 0 {
		l.DeliveryLease = 15 * time.Second
	}
	if l.RetryBase == 0 {
		l.RetryBase = time.Second
	}
	if l.RetryMax == 0 {
		l.RetryMax = 30 * time.Second
	}
	if l.RetryExpiryMargin == 0 {
		l.RetryExpiryMargin = 10 * time.Second
	}
	if l.IdempotencyWindow == 0 {
		l.IdempotencyWindow = 24 * time.Hour
	}
	if l.TestInboxRetention == 0 {
		l.TestInboxRetention = 24 * time.Hour
	}
	if l.DataRetention == 0 {
		l.DataRetention = 90 * 24 * time.Hour
	}
	if l.WebhookRetention == 0 {
		l.WebhookRetention = 30 * 24 * time.Hour
	}
	if l.UserRetention <= 0 {
		l.UserRetention = DefaultUserRetention
	}
	if l.ReadCacheTTL == 0 {
		l.ReadCacheTTL = 2 * time.Second
	}
	if l.PasswordHashes <= 0 {
		l.PasswordHashes = runtime.NumCPU()
	}
	if l.PasswordHashWait <= 0 {
		l.PasswordHashWait = time.Second
	}
	if l.SignInsPerIP.Count == 0 {
		l.SignInsPerIP = Limit{Count: 30, Period: 15 * time.Minute}
	}
	if l.ConsoleRequestsPerIP.Count == 0 {
		l.ConsoleRequestsPerIP = Limit{Count: 3000, Period: time.Minute}
	}
	var deliverable map[Channel]bool
	if c.Deliverable != nil {
		deliverable = map[Channel]bool{}
		for _, ch := range c.Deliverable {
			deliverable[ch] = true
		}
	}
	notify := c.Notify
	if notify == nil {
		notify = func() {}
	}
	logger := c.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	providers, err := newProviderCatalog(c.Providers)
	if err != nil {
		return nil, err
	}
	metrics := c.Metrics
	if metrics == nil {
		metrics = NoMetrics{}
	}
	return &Service{
		store: c.Store, limiter: c.Limiter, keys: c.Keys, clock: c.Clock, cfg: c.Limits, notify: notify,
		cache: newReadCache(l.ReadCacheTTL, maxCacheEntries), prices: c.Prices, deliverable: deliverable,
		webhookURLs: WebhookURLPolicy{AllowPrivate: c.WebhookAllowPrivate, AllowHTTP: c.WebhookAllowHTTP, Ports: c.WebhookPorts}, webhooks: c.Webhooks, challenges: c.Challenges, identities: c.Identities,
		telegram: c.TelegramBot, providers: providers, log: logger, webhookPerApp: cmp.Or(max(c.WebhookConcurrencyPerApp, 0), DefaultWebhookConcurrencyPerApp),
		usage:             newUsageCache(maxCacheEntries),
		hashing:           newPasswordHashing(l.PasswordHashes, l.PasswordHashWait, c.OnPasswordHash),
		defaultCountries:  slices.Clone(c.DefaultCountries),
		defaultDailySends: max(c.DefaultDailySends, 0),
		metrics:           metrics,
	}, nil
}

// SetNotify replaces the hook called after a message is queued. It must be
// called before the service is used concurrently.
func (s *Service) SetNotify(f func()) { s.notify = f }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.clock.Now() }
