package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/metrics"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlstore"
	"github.com/otpd/otpd/internal/telemetry/otlp"
	"github.com/otpd/otpd/internal/version"
	"github.com/otpd/otpd/internal/webhook"
	"github.com/otpd/otpd/internal/widget"
)

// serviceConfig is the domain service's configuration as serve builds
// it; BenchmarkHotPath builds the same.
func serviceConfig(cfg config, fc *fileConfig, store *sqlstore.Store, limiter otp.Limiter, keys *otp.ServerKey,
	d *deliverySetup, identities otp.IdentityVerifier, logger *slog.Logger, meter *metrics.Metrics) otp.Config {
	return otp.Config{
		Store: store, Limiter: limiter, Keys: keys, Prices: d.prices, Deliverable: d.deliverable,
		WebhookAllowPrivate: cfg.WebhookAllowPrivate, WebhookAllowHTTP: cfg.WebhookAllowHTTP, WebhookPorts: cfg.WebhookPorts,
		DefaultCountries: cfg.DefaultCountries,
		Webhooks: webhook.Transport{Sender: webhook.NewSender(webhook.Config{
			AllowPrivate: cfg.WebhookAllowPrivate, AllowHTTP: cfg.WebhookAllowHTTP, AllowedPorts: cfg.WebhookPorts,
		}), Payloads: webhookPayloads()},
		Challenges:  newChallengeVerifier(fc, logger),
		TelegramBot: d.telegramBot,
		Providers:   d.catalog,
		Identities:  identities,
		Logger:      logger,
		Metrics:     meter,
		// An open sign-up cannot turn into unlimited sending.
		DefaultDailySends: cfg.DefaultDailySends,
		Limits: otp.Limits{
			APIKeyRequests:      otp.Limit{Count: cfg.APIRateLimit, Period: time.Minute},
			MaxDeliveryAttempts: d.maxAttempts,
			UserRetention:       time.Duration(cfg.UserRetentionDays) * 24 * time.Hour,
			DataRetention:       time.Duration(cfg.DataRetentionDays) * 24 * time.Hour,
		},
	}
}

// newHandler is everything the server answers: the native API and the
// dialects, the console, the session flow and the providers' callbacks,
// inside the middleware every request passes through. BenchmarkHotPath
// drives it as serve does.
func newHandler(cfg config, fc *fileConfig, svc *otp.Service, d *deliverySetup, meter *metrics.Metrics, tracing *otlp.Tracing,
	adminHash [32]byte, ready []api.ReadyCheck, logger *slog.Logger) (http.Handler, error) {
	dialects := newDialects(svc, logger)
	apiHandler, err := api.New(api.Config{Service: svc, AdminTokenHash: adminHash, Logger: logger, Version: version.String(), OpenSignup: cfg.OpenSignup,
		Dialects:    dialects,
		ReadyChecks: ready})
	if err != nil {
		return nil, err
	}
	flow := widget.New(widget.Config{Service: svc, Logger: logger, CaptchaURLs: captchaWidgetURLs(fc)})
	// The client's address is found once, here, for every route
	// (OTPD_TRUSTED_PROXIES). Headers over httpjson.MaxHeaderBytes are
	// refused in JSON, below the server's own plain-text limit. Every
	// request, of every API, ends by OTPD_REQUEST_TIMEOUT.
	return httpjson.WithDeadline(cfg.RequestTimeout, httpjson.LimitHeaders(httpjson.MaxHeaderBytes,
		httpjson.WithClientIP(cfg.TrustedProxies, tracing.Handler(withMetrics(meter, cfg, dialects, d.withCallbacks(apiHandler, flow)))))), nil
}
