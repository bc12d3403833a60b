package otp

import (
	"context"
	"errors"
	"fmt"
)

// SealedKind names a stored value sealed with the server key: where it
// lives and what binds it to its row.
type SealedKind string

// Kinds of sealed values.
const (
	// SealedCode is a verification's code, kept until no message needs
	// it (Verification.CodeSealed); its HMAC is renewed with it.
	SealedCode SealedKind = "verification_code"
	// SealedInboxCode is a test application's verification code kept for
	// its test inbox (Verification.InboxCode).
	SealedInboxCode SealedKind = "inbox_code"
	// SealedWebhookSecret is an application's webhook secret.
	SealedWebhookSecret SealedKind = "webhook_secret"
	// SealedPrevWebhookSecret is an application's previous webhook
	// secret during its grace period.
	SealedPrevWebhookSecret SealedKind = "previous_webhook_secret"
	// SealedChallengeSecret is a project's CAPTCHA secret key.
	SealedChallengeSecret SealedKind = "challenge_secret"
)

// SealedKinds lists every kind, in the order `otpd keys rotate` walks them.
var SealedKinds = []SealedKind{SealedWebhookSecret, SealedPrevWebhookSecret, SealedChallengeSecret, SealedCode, SealedInboxCode}

// SealedValue is one stored sealed value and the row that holds it.
type SealedValue struct {
	Kind SealedKind
	// ID is the row's: the verification's, application's or project's.
	ID     string
	Sealed []byte
	// CodeHash is a verification code's HMAC, which depends on the server
	// key too and is replaced together with the sealed code; nil for
	// every other kind.
	CodeHash []byte
}

// ad is what binds v to its row (see seal's callers).
func (v SealedValue) ad() string {
	if v.Kind == SealedChallengeSecret {
		return challengeSecretAD(v.ID)
	}
	return v.ID
}

// ResealBatch is what one ResealValues call did.
type ResealBatch struct {
	Resealed int // sealed again with the current key
	Current  int // already sealed with the current key: left alone
	Changed  int // changed or gone meanwhile (a send, a rotation in the console): left to the next run
	// Unreadable lists the values no configured key opens.
	Unreadable []SealedValue
	// Next is the row id to continue after; "" when kind is done.
	Next string
}

// ResealValues seals up to limit values of kind, from the row after
// afterID on, again with the current server key, each only if it still
// holds what was read (so a concurrent change wins), and renews the HMACs
// of the codes it re-seals. It is what `otpd keys rotate` runs in batches:
// a run that stops part-way can simply be started again, since values
// already sealed with the current key are only read.
func (s *Service) ResealValues(ctx context.Context, kind SealedKind, afterID string, limit int) (ResealBatch, error) {
	var b ResealBatch
	vals, err := s.store.ListSealedValues(ctx, kind, afterID, limit)
	if err != nil {
		return b, fmt.Errorf("reseal %s: %w", kind, err)
	}
	for _, cur := range vals {
		plain, current, err := s.keys.openSealed(cur.Sealed, cur.ad())
		switch {
		case err != nil:
			b.Unreadable = append(b.Unreadable, cur)
			continue
		case current:
			b.Current++
			continue
		}
		next := SealedValue{Kind: kind, ID: cur.ID, Sealed: s.keys.seal(plain, cur.ad())}
		if kind == SealedCode {
			next.CodeHash = s.keys.codeHash(cur.ID, normalizeCode(plain))
		}
		ok, err := s.store.ReplaceSealedValue(ctx, cur, next)
		if err != nil {
			return b, fmt.Errorf("reseal %s of %s: %w", kind, cur.ID, err)
		}
		if ok {
			b.Resealed++
		} else {
			b.Changed++
		}
	}
	if len(vals) == limit && limit > 0 {
		b.Next = vals[len(vals)-1].ID
	}
	return b, nil
}

// ErrServerKeyMismatch is returned by CheckServerKey when the configured
// keys do not open what the database holds.
var ErrServerKeyMismatch = errors.New("the server key does not open the values stored in the database")

// CheckServerKey opens up to sample of the oldest stored values of each
// kind with the configured keys, so that a server started with the wrong
// key refuses to run instead of failing every delivery and webhook. The
// error names the first value that does not open and the key that sealed
// it, when the value says.
func (s *Service) CheckServerKey(ctx context.Context, sample int) error {
	for _, kind := range SealedKinds {
		vals, err := s.store.ListSealedValues(ctx, kind, "", sample)
		if err != nil {
			return fmt.Errorf("check server key: %w", err)
		}
		for _, v := range vals {
			if _, _, err := s.keys.openSealed(v.Sealed, v.ad()); err != nil {
				return fmt.Errorf("%w: the %s of %s does not open (%v); configured: key %s", ErrServerKeyMismatch,
					kind, v.ID, err, s.keys.ids())
			}
		}
	}
	return nil
}
