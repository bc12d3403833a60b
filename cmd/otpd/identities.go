package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/otpd/otpd/internal/oidc"
	"github.com/otpd/otpd/internal/otp"
)

// discoveryTimeout bounds the startup's attempt to reach the OpenID
// Connect issuer; it is retried on use anyway.
const discoveryTimeout = 5 * time.Second

// newIdentityVerifier returns the checker of ID tokens of the issuer set
// by OTPD_OIDC_ISSUER, or nil when none is set. It tries the issuer's
// discovery once: a document naming another issuer is a mistake in the
// configuration and stops otpd, but an unreachable issuer does not, since
// a console that cannot start because Google is briefly away helps no one;
// the verifier tries again on the first ID token and answers 503 meanwhile.
func newIdentityVerifier(ctx context.Context, cfg config, logger *slog.Logger) (otp.IdentityVerifier, error) {
	if cfg.OIDCIssuer == "" {
		return nil, nil
	}
	v, err := oidc.New(oidc.Config{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("OTPD_OIDC_ISSUER, OTPD_OIDC_AUDIENCE: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	switch err := v.Discover(dctx); {
	case errors.Is(err, oidc.ErrIssuerMismatch):
		return nil, fmt.Errorf("OTPD_OIDC_ISSUER: %w", err)
	case err != nil:
		logger.Warn("OpenID Connect issuer unreachable at startup; console ID tokens get 503 until it answers",
			"issuer", cfg.OIDCIssuer, "err", err)
	default:
		logger.Info("console accepts ID tokens", "issuer", cfg.OIDCIssuer, "audience", cfg.OIDCAudience)
	}
	return v, nil
}
