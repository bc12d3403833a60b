package main

import (
	"log/slog"
	"net/http"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/dialect/cobinar"
	"github.com/otpd/otpd/internal/dialect/kodmobi"
	"github.com/otpd/otpd/internal/dialect/kookoo"
	"github.com/otpd/otpd/internal/dialect/kotp"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/telemetry"
	"github.com/otpd/otpd/internal/webhook"
)

// newDialects builds the wire dialects served beside the native API
// (docs/dialects.md): other services' APIs over the same service.
func newDialects(svc *otp.Service, logger *slog.Logger) []api.Dialect {
	return []api.Dialect{
		tracedDialect{kotp.New(svc, logger)},
		tracedDialect{kookoo.New(svc, logger)},
		tracedDialect{cobinar.New(svc, logger)},
		tracedDialect{kodmobi.New(svc, logger)},
	}
}

// tracedDialect names its dialect on the request's span (otpd.dialect).
type tracedDialect struct{ api.Dialect }

func (d tracedDialect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	telemetry.SetDialect(r.Context(), d.Name())
	d.Dialect.ServeHTTP(w, r)
}

// webhookPayloads are the webhook bodies of the dialects' signing
// schemes, each written by its dialect's package.
func webhookPayloads() map[webhook.Scheme]webhook.PayloadFunc {
	return map[webhook.Scheme]webhook.PayloadFunc{
		webhook.KOTP:    kotp.WebhookPayload,
		webhook.Cobinar: cobinar.Payload,
	}
}
