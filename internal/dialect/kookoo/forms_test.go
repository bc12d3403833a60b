package kookoo_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// TestPOSTForms: a POST reads a multipart form as well as a URL-encoded
// one, and the query string too, a body field winning over a query
// parameter of the same name.
func TestPOSTForms(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", `{"sendsPerMinute":100}`)

		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, kv := range [][2]string{{"api_key", app.APIKey}, {"caller_id", callerID}, {"phone_no", "9612345678"}} {
			mw.WriteField(kv[0], kv[1])
		}
		mw.Close()
		r := h.Do(dialecttest.Request{Method: "POST", Path: pathCall, Body: body.String(), Header: http.Header{"Content-Type": {mw.FormDataContentType()}}})
		wantAnswer(t, r, "queued", "919612345678")

		// api_key in the query, the rest in the body.
		r = post(h, pathCall+query("api_key", app.APIKey), values("phone_no", "9812345678"))
		wantAnswer(t, r, "queued", "919812345678")
		// The body's phone_no wins over the query's.
		r = post(h, pathCall+query("phone_no", "9612345678"), values("api_key", app.APIKey, "phone_no", "9812345678"))
		wantAnswer(t, r, "queued", "919812345678")
		// An empty body with everything in the query, as a Postman POST of the seed's URL sends it.
		r = h.Do(dialecttest.Request{Method: "POST", Path: fromSeed(seedCallOTP, app.APIKey, "")})
		wantAnswer(t, r, "queued", "919612345678")
		// The first of repeated parameters counts.
		r = get(h, pathCall+"?phone_no=9812345678&phone_no=9612345678&api_key="+app.APIKey)
		wantAnswer(t, r, "queued", "919812345678")
		// A multipart body over the limit.
		body.Reset()
		mw = multipart.NewWriter(&body)
		mw.WriteField("api_key", app.APIKey)
		mw.WriteField("pad", strings.Repeat("x", 17<<10))
		mw.Close()
		r = h.Do(dialecttest.Request{Method: "POST", Path: pathCall, Body: body.String(), Header: http.Header{"Content-Type": {mw.FormDataContentType()}}})
		if r.Status != 413 || r.Body["status"] != "Error" {
			t.Errorf("multipart body over 16 KiB: %d %s, want 413 with status Error", r.Status, r.Raw)
		}
	})
}

// TestChannelWithoutProvider: a live application asking for a channel no
// provider of this deployment delivers is refused in KooKoo's shape.
func TestChannelWithoutProvider(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarnessWith(t, dialecttest.Options{Engine: engine, Config: func(c *otp.Config) { c.Deliverable = []otp.Channel{otp.SMS} }}, nil)
		app := h.CreateApp("live", "")
		wantAnswer(t, get(h, fromSeed(seedCallOTP, app.APIKey, "")), "Error", "No provider is configured for channel voice")
	})
}
