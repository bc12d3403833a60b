// Package kookoo speaks KooKoo's TwoFactor API (kookoo.in by Ozonetel,
// seed 003 and REFERENCE.md §4) over otp.Service, so that a client
// written for KooKoo works against otpd by changing only its base URL:
// smsotp and callotp send a code by SMS or by a voice call, verifyotp
// checks it against the newest pending verification of the number.
// Requests are GET query strings or POST forms with the application's API
// key in api_key; answers are {"status","message"} with HTTP 200, errors
// included, as KooKoo answers. It is translation only: every rule lives
// in internal/otp.
package kookoo

import (
	"log/slog"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/otp"
)

// Region is the country whose national number formats phone_no and
// caller ids are read in: KooKoo's TwoFactor API is its "Domestic",
// Indian one.
const Region = "IN"

// docPath is where the dialect serves its OpenAPI document.
const docPath = "/openapi/kookoo.json"

var _ api.Dialect = (*Dialect)(nil)

// Dialect serves KooKoo's TwoFactor endpoints beside the native API.
type Dialect struct {
	svc       *otp.Service
	log       *slog.Logger
	endpoints []endpoint
	doc       []byte
}

// New returns the KooKoo dialect over svc. logger receives internal
// errors, with the request's path and never its query string, which
// carries the API key; nil discards them.
func New(svc *otp.Service, logger *slog.Logger) *Dialect {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Dialect{svc: svc, log: logger}
	d.endpoints = d.routes()
	doc, err := buildOpenAPI(d.endpoints)
	if err != nil {
		panic("kookoo: OpenAPI document: " + err.Error()) // plain maps and strings: cannot happen
	}
	d.doc = doc
	return d
}

// Name is the dialect's short name.
func (d *Dialect) Name() string { return "kookoo" }

// Title says what the dialect speaks.
func (d *Dialect) Title() string { return "KooKoo TwoFactor API" }

// Patterns are the endpoints' bare paths, so that a wrong method is
// answered in KooKoo's shape, and the OpenAPI document.
func (d *Dialect) Patterns() []string {
	ps := make([]string, 0, len(d.endpoints)+1)
	for _, ep := range d.endpoints {
		ps = append(ps, ep.path)
	}
	return append(ps, "GET "+docPath)
}
