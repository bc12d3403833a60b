package httpjson

import "net/http"

// NoStore marks an answer that carries a secret or a code (credentials,
// tokens, a test inbox): no cache, shared or the browser's, may keep a
// copy of it. Every API sets it on such answers through this one helper,
// so that what counts as "no caching" cannot differ between them.
func NoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
}
