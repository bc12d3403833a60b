// Package cobinar speaks the Cobinar phone API's application endpoints
// (POST /v1/otp/send and POST /v1/otp/verify, authenticated by the
// x-client-id, x-client-secret and x-api-key triple) over otp.Service, so
// that a backend written for Cobinar works against otpd by changing its
// base URL; and it writes the webhook bodies of endpoints signed the
// Cobinar way. It translates only: every rule (limits, expiry, attempts,
// tenancy) is the domain's. Cobinar's console endpoints are otpd's native
// console API, which follows Cobinar's document where the two meet.
package cobinar

import (
	"log/slog"
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// Per-application limits Cobinar documents, applied when the project's
// policy sets none of its own.
const (
	SendsPerMinute  = 5
	ChecksPerMinute = 10
)

// maxBody bounds a request body; Cobinar's are a few dozen bytes.
const maxBody = 16 << 10

// Dialect serves the Cobinar endpoints; it implements api.Dialect.
type Dialect struct {
	svc     *otp.Service
	log     *slog.Logger
	mux     *http.ServeMux
	openapi []byte
}

// New returns the dialect over svc; logger receives internal errors only.
func New(svc *otp.Service, logger *slog.Logger) *Dialect {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Dialect{svc: svc, log: logger, mux: http.NewServeMux()}
	d.openapi = document()
	d.mux.Handle("POST /v1/otp/send", d.handle(d.send))
	d.mux.Handle("POST /v1/otp/verify", d.handle(d.verify))
	d.mux.HandleFunc("GET /openapi/cobinar.json", d.openAPIDoc)
	return d
}

// Name is the dialect's short name.
func (d *Dialect) Name() string { return "cobinar" }

// Title says what the dialect speaks.
func (d *Dialect) Title() string { return "Cobinar phone API" }

// Patterns are the routes the dialect answers. The OTP routes carry their
// method: the native API has GET /v1/otp/{id}.
func (d *Dialect) Patterns() []string {
	return []string{"POST /v1/otp/send", "POST /v1/otp/verify", "GET /openapi/cobinar.json"}
}

// ServeHTTP answers one of Patterns.
func (d *Dialect) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.mux.ServeHTTP(w, r) }

func (d *Dialect) openAPIDoc(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(d.openapi)
}
