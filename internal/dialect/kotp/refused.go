package kotp

import "net/http"

// WriteError answers a request the API refused before the dialect saw it
// (text that is not UTF-8, a NUL byte) in K-OTP's error shape.
func (d *Dialect) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	d.writeError(w, r, err)
}
