// Package console serves otpd's web console at /console: static assets
// embedded in the binary, talking to the native API with the console
// token. It holds no state and no secrets of its own.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

//go:embed static
var static embed.FS

// Handler serves the console under prefix (e.g. "/console/"), with the
// security headers every answer carries.
func Handler(prefix string) http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix(prefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if !exists(sub, strings.TrimPrefix(r.URL.Path, prefix)) {
			notFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// exists reports whether name is the console's root (its index.html; the
// console routes by the URL's fragment, so no other path needs it) or
// one of its files. A directory below the root is not served: its
// listing is of no use to anyone.
func exists(files fs.FS, name string) bool {
	if name == "" {
		return true
	}
	info, err := fs.Stat(files, name)
	return err == nil && !info.IsDir()
}

// notFound answers in the native API's error shape, so that every answer
// of otpd that is not a page or an asset is the same JSON.
func notFound(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusNotFound, httpjson.NewErrorBody(r,
		&otp.Error{Code: otp.CodeNotFound, Key: "no_console_file", Message: "The console has no file at " + r.URL.Path + "; it is served at /console/"}))
}
