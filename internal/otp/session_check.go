package otp

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SessionCheck is a correct code's outcome: the verify token the browser
// hands to the application's server, and the verification it proves.
type SessionCheck struct {
	VerifyToken  string
	Verification *Verification
}

// VerifiedSession is what a redeemed verify token proves: who verified,
// on which channel, when, through which session.
type VerifiedSession struct {
	SessionID      string
	VerificationID string
	To             string
	Channel        Channel
	VerifiedAt     time.Time
}

// CheckSession counts one attempt against the session's code and
// evaluates code, atomically: under any concurrency a session's code is
// evaluated at most the project's maxAttempts times and yields one verify
// token at most. A correct code ends the session with a verify token; the
// last wrong code allowed blocks it. Errors: INVALID_PARAMETER
// (wrong_code, with Params["attemptsLeft"]), NOT_FOUND (session_expired:
// unknown, expired or already verified), FORBIDDEN (session_blocked).
func (s *Service) CheckSession(ctx context.Context, a *Application, id, code string) (*SessionCheck, error) {
	if err := validateCodeInput(code); err != nil {
		return nil, err
	}
	p, err := s.projectByID(ctx, a.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("project of application: %w", err)
	}
	if id == "" || len(id) > 64 {
		return nil, sessionExpired()
	}
	var (
		token        string
		attemptsLeft = p.Policy.MaxAttempts
		wrong        bool   // a code was evaluated and did not match
		checked      func() // counts the check once it is written
	)
	_, v, err := s.store.UpdateVerificationSession(ctx, a.ID, id, func(ss *VerificationSession, v *Verification) (*Verification, SessionWrite, error) {
		now := s.clock.Now()
		if err := ss.usable(now); err != nil {
			return nil, SessionWrite{}, err
		}
		if v == nil {
			return nil, SessionWrite{}, errNoCodeYet // no code was sent: nothing to count or match
		}
		switch v.Status {
		case StatusPending:
		case StatusMaxAttempts:
			return nil, SessionWrite{}, sessionBlocked()
		default: // verified, canceled or expired through another API
			return nil, SessionWrite{}, sessionExpired()
		}
		valid, evaluated, events := v.check(s.keys, code, now)
		wrong = evaluated && !valid
		expiredNow := !evaluated && len(events) > 0 && v.Status == StatusExpired
		checked = func() { s.countCheck(v, valid, evaluated, expiredNow) }
		w := SessionWrite{Effects: Effects{Events: events}}
		switch {
		case valid:
			w.Effects.Users = []UserVisit{visit(v, now)}
			token = newToken("vt_")
			w.Token = &VerifyToken{Hash: hashSecret(token), AppID: a.ID, SessionID: ss.ID, VerificationID: v.ID,
				To: v.To, Channel: v.Channel, VerifiedAt: now, ExpiresAt: now.Add(VerifyTokenTTL)}
			ss.Status, ss.ClosedAt = SessionVerified, now
		case v.Status == StatusMaxAttempts:
			ss.Status, ss.ClosedAt = SessionBlocked, now
		}
		attemptsLeft = v.AttemptsRemaining()
		return v, w, nil
	})
	if err == nil && checked != nil {
		checked()
	}
	if err == nil && wrong {
		s.countWrongGuess(ctx, p, v.To) // the guess budget spans the destination's sessions
	}
	switch {
	case errors.Is(err, errNoCodeYet):
		return nil, wrongCode(attemptsLeft)
	case isCode(err, CodeNotFound):
		return nil, sessionExpired()
	case err != nil:
		return nil, err
	case token == "":
		return nil, wrongCode(attemptsLeft)
	}
	return &SessionCheck{VerifyToken: token, Verification: v}, nil
}

// RedeemVerifyToken exchanges a verify token, once, for what it proves.
// Only the application's server may: the call needs the secret API key.
// A token is single use and valid VerifyTokenTTL. Errors: FORBIDDEN
// (secret_key_required), INVALID_PARAMETER (required,
// verify_token_invalid: unknown, used, expired or another application's).
func (s *Service) RedeemVerifyToken(ctx context.Context, a *Application, kind KeyKind, token string) (*VerifiedSession, error) {
	if err := requireSecret(kind); err != nil {
		return nil, err
	}
	if token == "" {
		return nil, invalidField("verify_token", "required", "verify_token is required")
	}
	invalid := &Error{Code: CodeInvalidParameter, Key: "verify_token_invalid", Field: "verify_token",
		Message: "The verify token is unknown, used or expired"}
	if len(token) > 200 {
		return nil, invalid
	}
	t, err := s.store.RedeemVerifyToken(ctx, a.ID, hashSecret(token), s.clock.Now())
	if isCode(err, CodeNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, fmt.Errorf("redeem verify token: %w", err)
	}
	return &VerifiedSession{SessionID: t.SessionID, VerificationID: t.VerificationID, To: t.To, Channel: t.Channel, VerifiedAt: t.VerifiedAt}, nil
}

// errNoCodeYet aborts a check of a session that has sent no code.
var errNoCodeYet = &Error{Code: CodeConflict, Key: "no_code_yet", Message: "no code was sent in this session"}

func wrongCode(attemptsLeft int) *Error {
	return &Error{Code: CodeInvalidParameter, Key: "wrong_code", Field: "code", Params: map[string]any{"attemptsLeft": attemptsLeft},
		Message: "The code is wrong; further wrong codes close the session"}
}
