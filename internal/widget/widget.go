// Package widget serves the browser side of the session flow (kod.mobi's):
// the hosted page at /hosted/{publicKey}, which runs the whole flow for a
// person and then sends them back to one of the application's return URLs
// with a verify token, and /static/otpd.js, the same flow as one script a
// site mounts in its own page. Its assets are embedded; the page and the
// script reach otpd only through the session flow's endpoints (/v2/*) with
// the application's public key, like any other browser client, so every
// rule stays otp.Service's.
package widget

import (
	"html/template"
	"log/slog"
	"net/http"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// Config is what the handler needs.
type Config struct {
	Service *otp.Service
	// Logger records internal errors; nil discards them.
	Logger *slog.Logger
	// CaptchaURLs replace a CAPTCHA provider's own host (scheme://host,
	// no path) for the widget script the hosted page loads: a mirror such
	// as https://www.recaptcha.net, or a fake in tests. The page's
	// Content-Security-Policy allows it besides the provider's hosts.
	CaptchaURLs map[otp.ChallengeProvider]string
}

// Handler serves the hosted page and the widget's assets.
type Handler struct {
	svc     *otp.Service
	log     *slog.Logger
	captcha map[otp.ChallengeProvider]captchaSource
	pages   *template.Template
	assets  map[string]asset // by file name
	mux     *http.ServeMux
}

// New returns the handler.
func New(c Config) *Handler {
	h := &Handler{svc: c.Service, log: c.Logger, captcha: captchaSources(c.CaptchaURLs), pages: pageTemplates(), assets: loadAssets()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.mux = http.NewServeMux()
	// A key or return URL with a NUL or bytes that are not UTF-8 is a
	// bad link (400), not a store error: the API's check, in a page.
	h.mux.Handle(hostedPattern, httpjson.RefuseBadText(http.HandlerFunc(h.hosted), 0, func(w http.ResponseWriter, r *http.Request, e *otp.Error) {
		h.writeError(w, r, "", e)
	}))
	for name, a := range h.assets {
		h.mux.Handle("GET "+assetPrefix+name, a)
	}
	return h
}

// hostedPattern is the hosted page's path.
const hostedPattern = "GET /hosted/{publicKey}"

// Patterns are the paths the handler answers, for the server's mux.
func (h *Handler) Patterns() []string {
	ps := []string{hostedPattern}
	for name := range h.assets {
		ps = append(ps, "GET "+assetPrefix+name)
	}
	return ps
}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }
