// Package kodmobi speaks kod.mobi's integration API over otpd: the
// session flow a browser runs with the public key (/v2/* as the official
// JavaScript SDK calls it, the same under /session/* as the documents
// write it), the server-side verify with the secret key (/v2/verify,
// /verify), the manual flow a server runs with the secret key
// (/manual/channels, /manual/send), and the older query-string API
// (/api/v1/message/*, /api/v1/channel/check). It is translation only:
// every rule (session lifetime, channel timeouts, blocks, verify tokens,
// manual sends and their callbacks, which key may do what) is
// otp.Service's, which the native API shares.
package kodmobi

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// Dialect serves kod.mobi's API. It implements api.Dialect.
type Dialect struct {
	svc       *otp.Service
	log       *slog.Logger
	endpoints map[string]endpoint // by path
	openapi   []byte
}

var _ api.Dialect = (*Dialect)(nil)

// endpoint is one path of the API.
type endpoint struct {
	method string
	// browser: pages may call it (CORS); the server-side verify may not.
	browser bool
	// readOnly: the call only reads, for API keys limited to reading.
	readOnly bool
	// legacy: answers in {"success":true,"data":…}, and takes its
	// parameters from the query string.
	legacy bool
	// secret: the answer carries a verify token or a code, so it is sent
	// with Cache-Control: no-store.
	secret bool
	handle func(c *call) (any, error)
	doc    operationDoc
}

// maxBody bounds a request body; kod.mobi's are a few fields.
const maxBody = 16 << 10

// New returns the dialect over svc; logger records internal errors.
func New(svc *otp.Service, logger *slog.Logger) *Dialect {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Dialect{svc: svc, log: logger, endpoints: map[string]endpoint{}}
	for _, prefix := range []string{"/v2", "/session"} {
		d.endpoints[prefix+"/settings"] = endpoint{method: http.MethodGet, browser: true, readOnly: true, handle: d.settings, doc: settingsDoc}
		d.endpoints[prefix+"/channels"] = endpoint{method: http.MethodGet, browser: true, readOnly: true, handle: d.channels, doc: channelsDoc}
		d.endpoints[prefix+"/create"] = endpoint{method: http.MethodPost, browser: true, handle: d.create, doc: createDoc}
		d.endpoints[prefix+"/send"] = endpoint{method: http.MethodPost, browser: true, handle: d.send, doc: sendDoc}
		d.endpoints[prefix+"/check"] = endpoint{method: http.MethodPost, browser: true, secret: true, handle: d.check, doc: checkDoc}
		d.endpoints[prefix+"/verify"] = endpoint{method: http.MethodPost, handle: d.verify, doc: verifyDoc}
	}
	d.endpoints["/verify"] = endpoint{method: http.MethodPost, handle: d.verify, doc: verifyDoc}
	d.endpoints["/manual/channels"] = endpoint{method: http.MethodGet, readOnly: true, handle: d.manualChannels, doc: manualChannelsDoc}
	d.endpoints["/manual/send"] = endpoint{method: http.MethodPost, secret: true, handle: d.manualSend, doc: manualSendDoc}
	d.endpoints["/api/v1/message/create"] = endpoint{method: http.MethodGet, browser: true, legacy: true, handle: d.legacyCreate, doc: legacyCreateDoc}
	d.endpoints["/api/v1/message/send"] = endpoint{method: http.MethodGet, browser: true, legacy: true, handle: d.legacySend, doc: legacySendDoc}
	d.endpoints["/api/v1/message/check"] = endpoint{method: http.MethodGet, browser: true, legacy: true, secret: true, handle: d.legacyCheck, doc: legacyCheckDoc}
	d.endpoints["/api/v1/channel/check"] = endpoint{method: http.MethodGet, browser: true, readOnly: true, legacy: true, handle: d.legacyChannelCheck, doc: legacyChannelCheckDoc}
	doc, err := d.buildOpenAPI()
	if err != nil {
		panic("kodmobi: OpenAPI document: " + err.Error()) // the document is built from constant types
	}
	d.openapi = doc
	return d
}

// Name is the dialect's short name.
func (d *Dialect) Name() string { return "kodmobi" }

// Title says what the dialect speaks.
func (d *Dialect) Title() string { return "kod.mobi integration API" }

// Patterns are the paths the dialect answers. They are bare paths (no
// method), so that it answers CORS preflights and wrong methods itself;
// none overlaps a path of the native API.
func (d *Dialect) Patterns() []string {
	ps := []string{"GET /openapi/kodmobi.json", "GET " + iconPrefix + "{file}"}
	for p := range d.endpoints {
		ps = append(ps, p)
	}
	return ps
}

// ServeHTTP answers one request of the dialect.
func (d *Dialect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/openapi/kodmobi.json":
		w.Header().Set("Content-Type", "application/json")
		w.Write(d.openapi)
		return
	case strings.HasPrefix(r.URL.Path, iconPrefix):
		serveIcon(w, r)
		return
	}
	ep, ok := d.endpoints[r.URL.Path]
	if !ok {
		d.writeError(w, r, endpoint{}, &otp.Error{Code: otp.CodeNotFound, Key: "no_route", Message: "No such endpoint"})
		return
	}
	if lang := r.URL.Query().Get("lang"); lang == "ru" || lang == "en" {
		r.Header.Set("Accept-Language", lang) // kod.mobi's v1 chose the language this way
	}
	if r.Method == http.MethodOptions && ep.browser {
		preflight(w, r)
		return
	}
	if r.Method != ep.method && !(ep.method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", ep.method)
		d.writeError(w, r, ep, errMethod)
		return
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			d.log.Error("panic in kod.mobi handler", "method", r.Method, "path", r.URL.Path, "panic", p)
			d.writeError(w, r, ep, errInternal)
		}
	}()
	if ep.secret {
		httpjson.NoStore(w)
	}
	res, err := d.serve(w, r, ep)
	if err != nil {
		d.writeError(w, r, ep, err)
		return
	}
	d.writeOK(w, r, ep, res)
}

// serve authenticates the call and runs the endpoint.
func (d *Dialect) serve(w http.ResponseWriter, r *http.Request, ep endpoint) (any, error) {
	c, err := d.authenticate(w, r, ep)
	if err != nil {
		return nil, err
	}
	return ep.handle(c)
}
