package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL's errors that mean "cannot serve now" are unavailable; a
// statement's own errors are not.
func TestIsUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown: pg_ctl stop -m fast
		{&pgconn.PgError{Code: "57P03"}, true}, // cannot_connect_now: starting up
		{&pgconn.PgError{Code: "53300"}, true}, // too_many_connections
		{&pgconn.PgError{Code: "08006"}, true}, // connection_failure
		{fmt.Errorf("insert: %w", &pgconn.PgError{Code: "53100"}), true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation
		{&pgconn.PgError{Code: "42601"}, false}, // syntax_error
		{errors.New("anything else"), false},
		{context.Canceled, false},
	} {
		if got := isUnavailable(c.err); got != c.want {
			t.Errorf("isUnavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
