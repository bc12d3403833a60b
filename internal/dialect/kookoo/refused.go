package kookoo

import (
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// WriteError answers a request the API refused before the dialect saw it
// (text that is not UTF-8, a NUL byte). Such a request could not be read,
// a mistake of HTTP: 400 with KooKoo's body, as for a query string that
// does not decode, rather than KooKoo's 200 for a wrong parameter.
func (d *Dialect) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	if e := otp.ErrorOf(err); e != nil && e.Key == "invalid_encoding" {
		err = &httpError{http.StatusBadRequest, "Malformed Request: " + e.Message}
	}
	d.writeError(w, r, err)
}
