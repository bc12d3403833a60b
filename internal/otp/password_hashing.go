package otp

import (
	"context"
	"time"
)

// CodeBusy is the server refusing work it has no room for right now; the
// caller may retry after the error's RetryAfter.
const CodeBusy = "SERVICE_BUSY"

// busyRetryAfter is what a refused sign-in is told to wait: a hash takes
// tens of milliseconds, so slots free up quickly once a burst passes.
const busyRetryAfter = time.Second

// passwordHashing bounds the argon2id hashes run at once, process-wide.
// Each one takes 19 MiB and most of a core for tens of milliseconds, and
// sign-in hashes even for an unknown email (so that the answer does not
// show which emails have accounts): unbounded, a few hundred parallel
// sign-ins with made-up emails pin every core and can exhaust memory.
// Every hash of the Service goes through one passwordHashing; a request
// that finds every slot taken waits up to wait for one, then is refused
// with SERVICE_BUSY.
type passwordHashing struct {
	slots chan struct{}
	wait  time.Duration
	// around, if set, runs every hash while it holds its slot
	// (Config.OnPasswordHash).
	around func(hash func())
}

func newPasswordHashing(slots int, wait time.Duration, around func(hash func())) *passwordHashing {
	return &passwordHashing{slots: make(chan struct{}, slots), wait: wait, around: around}
}

// run calls f while holding a slot. Errors: SERVICE_BUSY when no slot was
// free within the wait or ctx ended first.
func (h *passwordHashing) run(ctx context.Context, f func()) error {
	select {
	case h.slots <- struct{}{}:
	default:
		t := time.NewTimer(h.wait)
		defer t.Stop()
		select {
		case h.slots <- struct{}{}:
		case <-t.C:
			return busy()
		case <-ctx.Done():
			return busy() // the caller is gone; it sees no answer
		}
	}
	defer func() { <-h.slots }()
	if h.around != nil {
		h.around(f)
	} else {
		f()
	}
	return nil
}

func busy() *Error {
	return &Error{Code: CodeBusy, Key: "service_busy", RetryAfter: busyRetryAfter,
		Message: "The server is busy checking other passwords; try again in a moment"}
}

// hashPassword is argon2idHash under the bound on concurrent hashes.
// Errors: SERVICE_BUSY.
func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	var phc string
	err := s.hashing.run(ctx, func() { phc = argon2idHash(pw) })
	return phc, err
}

// passwordMatches is argon2idMatches under the bound on concurrent
// hashes. Errors: SERVICE_BUSY; any other error means phc is not a hash
// otpd can read.
func (s *Service) passwordMatches(ctx context.Context, phc, pw string) (bool, error) {
	var ok bool
	var matchErr error
	if err := s.hashing.run(ctx, func() { ok, matchErr = argon2idMatches(phc, pw) }); err != nil {
		return false, err
	}
	return ok, matchErr
}

// dummyHash is what a password is checked against when there is no
// account's hash to check it against (unknown email, account without a
// password), so that the answer takes as long as a wrong password. It is
// the argon2id hash, with today's parameters, of a password no one has;
// fixed here so that no hash runs outside the bound to make it.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$b3RwZC1kdW1teS1zYWx0IQ$+ooop+2sFkEZ2XPJy/x0wRoQCSfnKBg8vHZ/LGm5zSI"
