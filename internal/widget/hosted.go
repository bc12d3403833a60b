package widget

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

//go:embed pages/*.html
var pageFiles embed.FS

func pageTemplates() *template.Template {
	return template.Must(template.ParseFS(pageFiles, "pages/*.html"))
}

// hostedPage is what the hosted page's template shows.
type hostedPage struct {
	Lang  string
	Title string
	T     pageTexts
	// The flow's settings, read by the script from data attributes (the
	// page has no inline script).
	PublicKey     string
	Locale        string // the message's language; "" leaves it to otpd
	ReturnTo      string // the return URL ready for the token to be appended
	CaptchaScript string // the CAPTCHA provider's script; "" without one
}

// errorPage is what the error page's template shows: what happened, for
// the person, and for a link's mistakes the details its site's developer
// needs.
type errorPage struct {
	Lang, Title, Message, Detail string
	T                            pageTexts
}

// errUnknownKey is any key that is not an application's public key.
var errUnknownKey = &otp.Error{Code: otp.CodeNotFound, Key: "not_found", Message: "No hosted page has this key"}

// hosted answers GET /hosted/{publicKey}: the page that runs the session
// flow for the application and sends the person back to its return URL.
func (h *Handler) hosted(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("publicKey")
	// The session flow's own authentication: the same lookup, the same
	// refusal of disabled applications, the same rate limit.
	app, kind, _, err := h.svc.AuthenticateSessionFlow(r.Context(), otp.APICall{
		Key: key, RemoteIP: httpjson.RemoteIP(r), ReadOnly: true,
	})
	e := otp.ErrorOf(err)
	switch {
	case err != nil && e == nil: // internal
	case kind == otp.KeyAPI, e != nil && e.Code == otp.CodeUnauthenticated:
		// Only a public key names a page: a secret key in an address
		// would end up in histories and logs, so it finds nothing.
		err = errUnknownKey
	}
	if err != nil {
		h.writeError(w, r, "", err)
		return
	}
	settings, err := h.svc.SessionSettings(r.Context(), app)
	if err != nil {
		h.writeError(w, r, "", err)
		return
	}
	lang := pageLanguage(r, settings.Language)
	back, err := app.ReturnURL(r.URL.Query().Get("return_url"))
	if err != nil {
		h.writeError(w, r, lang, err)
		return
	}
	page := hostedPage{Lang: lang, T: texts[lang], PublicKey: key, Locale: messageLocale(r), ReturnTo: withTokenParam(back)}
	page.Title = texts[lang].Title
	if settings.ProjectName != "" {
		page.Title = settings.ProjectName + " · " + page.Title
	}
	var captcha *captchaSource
	if settings.ChallengeEnabled {
		if c, ok := h.captcha[settings.ChallengeProvider]; ok {
			captcha = &c
			page.CaptchaScript = c.script
		}
	}
	h.render(w, http.StatusOK, pagePolicy(captcha), "hosted.html", page)
}

// withTokenParam returns the return URL with "verify_token=" last in its
// query, for the script to append the token to: its own query is kept
// exactly as registered (return URLs have no fragment).
func withTokenParam(u string) string {
	switch {
	case !strings.Contains(u, "?"):
		return u + "?verify_token="
	case strings.HasSuffix(u, "?"), strings.HasSuffix(u, "&"):
		return u + "verify_token="
	}
	return u + "&verify_token="
}

// writeError shows err as a page in lang ("" to choose it from the
// request alone). Errors without a caller-safe *otp.Error are internal:
// logged here and not described.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	if lang == "" {
		lang = pageLanguage(r, "")
	}
	t := texts[lang]
	page := errorPage{Lang: lang, T: t}
	status := http.StatusInternalServerError
	e := otp.ErrorOf(err)
	switch {
	case e == nil || e.Code == otp.CodeInternal:
		h.log.Error("hosted page", "err", err)
		page.Title, page.Message = t.BrokenTitle, t.BrokenText
	case e.Code == otp.CodeUnavailable:
		// The database is down: "reload in a moment" is the truth; the
		// store has logged the outage.
		status, page.Title, page.Message = http.StatusServiceUnavailable, t.BrokenTitle, t.BrokenText
		w.Header().Set("Retry-After", strconv.Itoa(httpjson.RetryAfterSeconds(e.RetryAfter)))
	case e.Code == otp.CodeNotFound:
		status, page.Title, page.Message = http.StatusNotFound, t.NotFoundTitle, t.NotFound
	case e.Code == otp.CodeForbidden:
		status, page.Title, page.Message = http.StatusForbidden, t.UnavailableTitle, t.Unavailable
	case e.Code == otp.CodeRateLimited:
		status, page.Title, page.Message = http.StatusTooManyRequests, t.BusyTitle, t.Busy
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
		}
	default:
		// The return URL's rules: the domain's message says what to fix.
		r = r.Clone(r.Context())
		r.Header.Set("Accept-Language", lang)
		status, page.Title, page.Message, page.Detail = http.StatusBadRequest, t.BadLinkTitle, t.BadLink, httpjson.Localize(r, e)
	}
	h.render(w, status, errorPagePolicy, "error.html", page)
}

// render writes a page with the security headers every page carries.
func (h *Handler) render(w http.ResponseWriter, status int, policy, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("hosted page template", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", policy)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	// The verify token travels in the return URL: no page of the flow
	// may pass its address on.
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
