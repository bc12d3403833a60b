package otp

import (
	"context"
	"time"
)

// SessionStatus is where a verification session stands. Only an open
// session, until it expires, can send and check.
type SessionStatus string

// Verification session statuses.
const (
	SessionOpen     SessionStatus = "open"
	SessionVerified SessionStatus = "verified" // a code matched; its verify token was issued
	SessionBlocked  SessionStatus = "blocked"  // closed after the project's maximum of wrong codes
)

// VerificationSession is the session flow (kod.mobi's): a short window in
// which one person, at one destination, has a code sent on the channels
// of their choice and types it back, from a browser holding only the
// application's public key. Its sends are sends of one verification (one
// code), so every send and check is a verification like any other; a
// correct code yields a single-use verify token that the application's
// server redeems with its secret key. (Session, without the prefix, is a
// developer's console session.)
type VerificationSession struct {
	ID     string // a ULID
	AppID  string
	To     string // E.164 phone or lower-case email
	Locale string // the language the person asked for, "" if none
	Status SessionStatus
	// VerificationID is the session's current verification, "" until the
	// first send.
	VerificationID string
	// LastSent is when a code was last sent on each channel; a channel
	// waits SessionChannelTimeout between two sends.
	LastSent  map[Channel]time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	ClosedAt  time.Time // when it was verified or blocked; zero while open
}

// Rules of the session flow that are not project policy. They are
// kod.mobi's: a 60-second timeout per channel, and a destination whose
// sessions were blocked three times within an hour refused new sessions
// for an hour; the verify token is valid for ten minutes.
const (
	SessionChannelTimeout = 60 * time.Second
	SessionBlockThreshold = 3
	SessionBlockWindow    = time.Hour
	SessionBlockDuration  = time.Hour
	VerifyTokenTTL        = 10 * time.Minute
)

// usable reports why the session can no longer send or check at now, or
// nil if it can.
func (s *VerificationSession) usable(now time.Time) error {
	switch {
	case s.Status == SessionBlocked:
		return sessionBlocked()
	case s.Status != SessionOpen || !now.Before(s.ExpiresAt):
		return sessionExpired()
	}
	return nil
}

// wait is how long channel c must wait at now before it may send again.
func (s *VerificationSession) wait(c Channel, now time.Time) time.Duration {
	last, ok := s.LastSent[c]
	if !ok {
		return 0
	}
	return max(last.Add(SessionChannelTimeout).Sub(now), 0)
}

// VerifyToken is the proof that a session's code was typed correctly. Its
// plaintext goes to the browser once; the store keeps its SHA-256 until it
// is redeemed (once) or expires.
type VerifyToken struct {
	Hash           []byte
	AppID          string
	SessionID      string
	VerificationID string
	To             string
	Channel        Channel
	VerifiedAt     time.Time
	ExpiresAt      time.Time
}

// SessionWrite is what a change of a session writes beside the session
// and its verification.
type SessionWrite struct {
	Effects Effects
	Token   *VerifyToken // a verify token to store; nil if none
}

// SessionStore is the part of Store that keeps verification sessions and
// their verify tokens.
type SessionStore interface {
	// CreateVerificationSession inserts s. A destination has one open
	// session at a time: if an open session of s.To that has not expired
	// at s.CreatedAt exists, it returns ErrConflict; an open one that has
	// expired is closed first.
	CreateVerificationSession(ctx context.Context, s *VerificationSession) error
	// GetVerificationSession returns session id of application appID, or
	// ErrNotFound (for another application's too).
	GetVerificationSession(ctx context.Context, appID, id string) (*VerificationSession, error)
	// LiveVerificationSession returns the open session of destination to
	// that has not expired at now, or ErrNotFound.
	LiveVerificationSession(ctx context.Context, appID, to string, now time.Time) (*VerificationSession, error)
	// UpdateVerificationSession locks session id of application appID and
	// its current verification (nil when it has none) and lets change
	// modify them. change returns the verification the session now has:
	// the one it was given, written back with its changes, a new one,
	// inserted, or nil. The session, that verification, w's effects and
	// w's verify token are written in one transaction; if change returns
	// an error nothing is written and that error is returned. An unknown
	// session, or another application's, is ErrNotFound.
	UpdateVerificationSession(ctx context.Context, appID, id string,
		change func(s *VerificationSession, v *Verification) (*Verification, SessionWrite, error)) (*VerificationSession, *Verification, error)
	// ListSessionBlocks returns when the blocked sessions of destination
	// to were blocked, from since on, newest first.
	ListSessionBlocks(ctx context.Context, appID, to string, since time.Time) ([]time.Time, error)
	// RedeemVerifyToken deletes the verify token of application appID
	// whose hash is hash, if it has not expired at now, and returns it;
	// ErrNotFound otherwise. Of concurrent calls with one token, one at
	// most succeeds.
	RedeemVerifyToken(ctx context.Context, appID string, hash []byte, now time.Time) (*VerifyToken, error)
	// DeleteEndedVerificationSessions removes the sessions that expired
	// before sessionsBefore and the verify tokens that expired before
	// tokensBefore, and returns how many rows it removed.
	DeleteEndedVerificationSessions(ctx context.Context, sessionsBefore, tokensBefore time.Time) (int, error)
}

func sessionExpired() *Error {
	return &Error{Code: CodeNotFound, Key: "session_expired", Message: "The session is unknown or has ended: create a new one"}
}

func sessionBlocked() *Error {
	return &Error{Code: CodeForbidden, Key: "session_blocked", Message: "The session was closed after too many wrong codes"}
}
