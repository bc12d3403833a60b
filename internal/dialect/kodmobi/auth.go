package kodmobi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// call is one authenticated request.
type call struct {
	r    *http.Request
	app  *otp.Application
	kind otp.KeyKind
	in   input // the request's parameters
}

// authenticate reads x-api-key, the application's public key or its
// secret API key, and refuses a browser page the application does not
// allow (its Origin). It then reads the parameters.
func (d *Dialect) authenticate(w http.ResponseWriter, r *http.Request, ep endpoint) (*call, error) {
	key := r.Header.Get("x-api-key")
	a, kind, dec, err := d.svc.AuthenticateSessionFlow(r.Context(), otp.APICall{
		Key: key, RemoteIP: httpjson.RemoteIP(r), ReadOnly: ep.readOnly,
	})
	if a != nil {
		setRateHeaders(w, dec)
	}
	if e := otp.ErrorOf(err); e != nil && e.Code == otp.CodeUnauthenticated {
		// The domain's message names the native API's Authorization header.
		if key == "" {
			return nil, &otp.Error{Code: otp.CodeUnauthenticated, Key: "api_key_header_missing", Message: "A key is required: send it in the x-api-key header"}
		}
		return nil, &otp.Error{Code: otp.CodeUnauthenticated, Key: "api_key_header_invalid", Message: "The key in the x-api-key header is invalid"}
	}
	if err != nil {
		return nil, err
	}
	origin := r.Header.Get("Origin")
	if origin == selfOrigin(r) {
		origin = "" // otpd's own pages (the hosted page) are not another site
	}
	if err := d.svc.CheckOrigin(a, origin); err != nil {
		return nil, err
	}
	c := &call{r: r, app: a, kind: kind}
	if ep.legacy || ep.method == http.MethodGet {
		c.in = queryInput(r.URL.Query())
		return c, nil
	}
	if c.in, err = bodyInput(w, r); err != nil {
		return nil, err
	}
	return c, nil
}

// setRateHeaders reports the application's rate limit, as the native API does.
func setRateHeaders(w http.ResponseWriter, d otp.Decision) {
	if d.Limit == 0 {
		return
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(d.Remaining, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.ResetAt.Unix(), 10))
}

// Headers a browser page may send: the keys, the CAPTCHA tokens, the
// language and JSON.
const allowedHeaders = "x-api-key, x-challenge-token, x-cf-turnstile-token, accept-language, content-type, accept"

// preflight answers a CORS preflight. It cannot know the application (a
// preflight carries no key), so it allows any page; the request itself is
// refused, without CORS headers, if its Origin is not one the
// application allows.
func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); o != "" {
		h.Set("Access-Control-Allow-Origin", o)
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", allowedHeaders)
	h.Set("Access-Control-Max-Age", strconv.Itoa(int(10*time.Minute/time.Second)))
	w.WriteHeader(http.StatusNoContent)
}

// allowCORS lets the page that made a request read its answer.
func allowCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); o != "" {
		h.Set("Access-Control-Allow-Origin", o)
		h.Set("Access-Control-Expose-Headers", "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset")
	}
}
