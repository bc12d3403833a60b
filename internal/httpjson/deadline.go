package httpjson

import (
	"context"
	"net/http"
	"time"
)

// WithDeadline gives every request handled by h a context that ends
// after d. Every store call takes the request's context, so none
// outlives it: past d a waiting call gives up (a PostgreSQL transaction
// is rolled back) and the store answers UNAVAILABLE, which the client is
// told while the connection can still carry an answer; d must be shorter
// than the server's WriteTimeout for that.
func WithDeadline(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
