package kodmobi

import "net/http"

// WriteError answers a request the API refused before the dialect saw it
// (text that is not UTF-8, a NUL byte) in kod.mobi's error shape, with
// the CORS headers of the endpoint it was for.
func (d *Dialect) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	d.writeError(w, r, d.endpoints[r.URL.Path], err)
}
