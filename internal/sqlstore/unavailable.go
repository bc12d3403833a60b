package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/otpd/otpd/internal/otp"
)

// classify turns an error that means "the database is unavailable" into
// otp.ErrUnavailable (503 with Retry-After), keeping the engine's error in
// the chain for the log, and tells the outage tracker. Any other error is
// returned as it is.
//
// Unavailable is what a client can do nothing about but wait: the server
// unreachable, restarting or refusing connections, a store call that
// outlived its request's deadline, a full disk. Errors of the statement
// itself (a constraint, a syntax error) are not: retrying them would fail
// the same way.
func (s *Store) classify(err error) error {
	if err == nil || errors.Is(err, otp.ErrUnavailable) || !s.isUnavailable(err) {
		return err
	}
	s.outage.failed(err)
	return fmt.Errorf("%w: %w", otp.Unavailable(), err)
}

// isUnavailable reports whether err means the database is unavailable,
// classified already or not.
func (s *Store) isUnavailable(err error) bool {
	return errors.Is(err, otp.ErrUnavailable) || unavailable(err) ||
		(s.d.IsUnavailable != nil && s.d.IsUnavailable(err))
}

// unavailable reports the errors that mean the database cannot be reached
// whatever the engine: the connection refused, reset or gone, and the
// request's deadline passed while the store waited for it. A canceled
// context is not one: the client went away, which says nothing of the
// database.
func unavailable(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, errPoisoned): // a shared transaction aborted: the same request may succeed again
		return true
	case errors.As(err, &netErr):
		return true
	}
	return false
}

// Ping checks that the database answers, for readiness: within ctx's
// deadline, on the write handle (the one a send needs).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return s.classify(err)
	}
	s.outage.succeeded()
	return nil
}
