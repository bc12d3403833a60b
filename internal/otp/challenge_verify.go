package otp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
)

// Error codes of the challenge. They are the domain's own: a refused
// challenge is neither bad input nor a missing permission of the caller.
const (
	CodeChallengeRequired    = "CHALLENGE_REQUIRED"
	CodeChallengeFailed      = "CHALLENGE_FAILED"
	CodeChallengeUnavailable = "CHALLENGE_UNAVAILABLE"
)

// ChallengeVerifier asks a CAPTCHA provider whether a token is good.
type ChallengeVerifier interface {
	// VerifyChallenge sends c to its provider and returns the provider's
	// verdict, whether it accepts the token or not. An error means there
	// is no verdict: the provider could not be reached in time, answered
	// with a server error, or answered outside its protocol.
	VerifyChallenge(ctx context.Context, c ChallengeCheck) (ChallengeAnswer, error)
}

// ChallengeCheck is one question to a CAPTCHA provider.
type ChallengeCheck struct {
	Provider ChallengeProvider
	SiteKey  string
	Secret   string
	Token    string
	// RemoteIP is the end user's address when the caller gave it; never
	// the caller's own, which is the application's server.
	RemoteIP string
	// IdempotencyKey lets Turnstile answer again for the same token when
	// an idempotent request is retried after a failure; empty without one.
	IdempotencyKey string
}

// ChallengeAnswer is a provider's verdict on a token.
type ChallengeAnswer struct {
	Success bool
	// Reason says why a token was refused, one of the ChallengeReason
	// values; empty on success.
	Reason string
	// ProviderErrors are the provider's own error codes or message.
	ProviderErrors []string
	Hostname       string // where the widget was solved
	Action         string
	Score          float64 // reCAPTCHA v3's score, when HasScore
	HasScore       bool
}

// Reasons of a refused challenge, shown in the error's details.reason.
const (
	ChallengeInvalidToken   = "invalid_token"   // malformed, of another site, or unknown
	ChallengeTokenUsed      = "expired_or_used" // older than the provider allows, or seen before
	ChallengeSecretRejected = "secret_rejected" // the project's secret key is wrong: a setting to fix
	ChallengeScoreTooLow    = "score_too_low"
	ChallengeHostname       = "hostname_not_allowed"
	ChallengeAction         = "action_mismatch" // solved for another action than the request's
)

// maxChallengeToken bounds a token; Turnstile's are at most 2048
// characters, the others shorter.
const maxChallengeToken = 4096

// validateChallengeFields checks the challenge fields of a request
// whether or not its project asks for a challenge: bad input is refused
// the same way everywhere.
func validateChallengeFields(req CreateRequest) error {
	if len(req.ChallengeToken) > maxChallengeToken {
		return invalidField("challengeToken", "too_long", "challengeToken must be at most 4096 characters")
	}
	if !printable(req.ChallengeToken) {
		return invalidField("challengeToken", "invalid_characters", "challengeToken must not contain spaces or control characters")
	}
	if req.RemoteIP != "" {
		if _, err := netip.ParseAddr(req.RemoteIP); err != nil {
			return invalidField("remoteIp", "invalid_ip", "remoteIp must be an IPv4 or IPv6 address")
		}
	}
	return nil
}

// checkChallenge enforces the project's challenge on a new verification.
// It runs after every other check of the request, so that a token, which
// the provider accepts only once, is not spent on a request refused anyway.
func (s *Service) checkChallenge(ctx context.Context, a *Application, p *Project, req CreateRequest) error {
	c := p.Policy.Challenge
	// The console's caller has signed in; a manual send comes from the
	// application's server with its secret key (kod.mobi guards only the
	// session flow's create).
	if !c.Enabled || req.fromConsole || req.manual != nil {
		return nil
	}
	if req.ChallengeToken == "" {
		return &Error{Code: CodeChallengeRequired, Key: "challenge_required",
			Message: "This project requires a CAPTCHA token: send it in the X-Challenge-Token header or the challengeToken field"}
	}
	if s.challenges == nil {
		return challengeUnavailable(c.Provider)
	}
	secret, err := s.keys.open(c.SecretSealed, challengeSecretAD(p.ID))
	if err != nil {
		return fmt.Errorf("challenge secret of project %s: %w", p.ID, err)
	}
	check := ChallengeCheck{Provider: c.Provider, SiteKey: c.SiteKey, Secret: secret, Token: req.ChallengeToken, RemoteIP: req.RemoteIP}
	if req.IdempotencyKey != "" {
		check.IdempotencyKey = challengeIdempotencyKey(a.ID, req.IdempotencyKey)
	}
	ans, err := s.challenges.VerifyChallenge(ctx, check)
	if err != nil {
		return fmt.Errorf("verify challenge: %v: %w", err, challengeUnavailable(c.Provider))
	}
	switch {
	case !ans.Success:
		reason := ans.Reason
		if reason == "" {
			reason = ChallengeInvalidToken
		}
		return challengeFailed(reason, ans.ProviderErrors)
	case c.MinScore > 0 && (!ans.HasScore || ans.Score < c.MinScore):
		return challengeFailed(ChallengeScoreTooLow, nil)
	case !c.allowsHost(ans.Hostname):
		return challengeFailed(ChallengeHostname, nil)
	// Providers without actions (reCAPTCHA v2, hCaptcha, SmartCaptcha)
	// report none; a reported action must be the request's. A Turnstile
	// widget may have no action and then reports "", but every reCAPTCHA
	// v3 token (the one with a score) is made for an action, so its
	// action must be the request's exactly: a token made on another page,
	// for another action or for none, is not one for this request.
	case req.challengeAction != "" && ans.Action != "" && ans.Action != req.challengeAction:
		return challengeFailed(ChallengeAction, nil)
	case req.challengeAction != "" && c.Provider == ReCAPTCHA && ans.HasScore && ans.Action != req.challengeAction:
		return challengeFailed(ChallengeAction, nil)
	}
	return nil
}

func challengeFailed(reason string, providerErrors []string) *Error {
	params := map[string]any{"reason": reason}
	if len(providerErrors) > 0 {
		params["providerErrors"] = providerErrors
	}
	return &Error{Code: CodeChallengeFailed, Key: "challenge_failed", Params: params,
		Message: "The CAPTCHA was not passed (" + reason + "): ask the user to solve it again"}
}

func challengeUnavailable(p ChallengeProvider) *Error {
	return &Error{Code: CodeChallengeUnavailable, Key: "challenge_unavailable", Params: map[string]any{"provider": string(p)},
		Message: "The CAPTCHA provider could not be asked; nothing was sent, try again shortly"}
}

// challengeIdempotencyKey is a UUID derived from the application and its
// Idempotency-Key: a retry of the same request gets the same one, and
// another application's key never collides with it.
func challengeIdempotencyKey(appID, key string) string {
	sum := sha256.Sum256([]byte("otpd challenge idempotency\x00" + appID + "\x00" + key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: a custom, hash-based UUID
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
