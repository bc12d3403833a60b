package kodmobi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestCORS: browsers may call every session endpoint (preflight, then the
// request); an application that lists allowedOrigins refuses other pages,
// without CORS headers, while servers (no Origin) pass; the server-side
// verify is not for browsers.
func TestCORS(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		const shop = "https://shop.example"

		pre := h.Do(dialecttest.Request{Method: "OPTIONS", Path: "/v2/create", Header: http.Header{
			"Origin": {shop}, "Access-Control-Request-Method": {"POST"},
			"Access-Control-Request-Headers": {"content-type,x-api-key,x-challenge-token"},
		}})
		if pre.Status != 204 || pre.Header.Get("Access-Control-Allow-Origin") != shop {
			t.Fatalf("preflight: %d %v", pre.Status, pre.Header)
		}
		allowed := strings.ToLower(pre.Header.Get("Access-Control-Allow-Headers"))
		for _, hd := range []string{"x-api-key", "x-challenge-token", "x-cf-turnstile-token", "accept-language", "content-type"} {
			if !strings.Contains(allowed, hd) {
				t.Errorf("Access-Control-Allow-Headers = %q, want %s among them", allowed, hd)
			}
		}
		if m := pre.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") || !strings.Contains(m, "GET") {
			t.Errorf("Access-Control-Allow-Methods = %q", m)
		}
		for _, p := range []string{"/v2/settings", "/v2/channels", "/v2/send", "/v2/check", "/session/create", "/api/v1/message/check"} {
			if r := h.Do(dialecttest.Request{Method: "OPTIONS", Path: p, Header: http.Header{"Origin": {shop}}}); r.Status != 204 {
				t.Errorf("preflight of %s: %d", p, r.Status)
			}
		}

		fromShop := client{h: h, key: app.PublicKey, header: http.Header{"Origin": {shop}}}
		r := must(t, "create from a page", fromShop.post("/v2/create", `{"to":"+14155552671","send":false}`), 200)
		if r.Header.Get("Access-Control-Allow-Origin") != shop {
			t.Errorf("Access-Control-Allow-Origin = %q, want %s", r.Header.Get("Access-Control-Allow-Origin"), shop)
		}
		r = fromShop.post("/v2/send", `{"session_id":"nope","type":"sms"}`)
		if r.Status != 404 || r.Header.Get("Access-Control-Allow-Origin") != shop {
			t.Errorf("an error to a page: %d, Access-Control-Allow-Origin %q; want it readable", r.Status, r.Header.Get("Access-Control-Allow-Origin"))
		}

		h.Admin("PATCH", "/v1/applications/"+app.ID, `{"allowedOrigins":["https://Shop.Example:443","http://localhost:3000"]}`, 200)
		must(t, "a listed origin", fromShop.get("/v2/settings"), 200)
		local := client{h: h, key: app.PublicKey, header: http.Header{"Origin": {"http://localhost:3000"}}}
		must(t, "another listed origin", local.get("/v2/settings"), 200)
		for _, o := range []string{"https://evil.example", "http://shop.example", "https://shop.example:8443", "null"} {
			r := client{h: h, key: app.PublicKey, header: http.Header{"Origin": {o}}}.post("/v2/create", `{"to":"+14155552671"}`)
			wantError(t, "origin "+o, r, 403, "ERROR_ACCESS_DENIED")
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("origin %s refused with Access-Control-Allow-Origin %q, want none", o, got)
			}
		}
		must(t, "a server, without Origin", client{h: h, key: app.PublicKey}.get("/v2/settings"), 200)
		must(t, "otpd's own page", client{h: h, key: app.PublicKey, header: http.Header{"Origin": {h.URL}}}.get("/v2/settings"), 200)

		// The server-side verify answers no browser.
		v := client{h: h, key: app.APIKey, header: http.Header{"Origin": {shop}}}.post("/v2/verify", `{"verify_token":"vt_x"}`)
		if v.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("verify answered a page with CORS headers")
		}
		if r := h.Do(dialecttest.Request{Method: "OPTIONS", Path: "/v2/verify", Header: http.Header{"Origin": {shop}}}); r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("verify's preflight allowed a page: %d %v", r.Status, r.Header)
		}

		// Clearing the list lets every page in again.
		h.Admin("PATCH", "/v1/applications/"+app.ID, `{"allowedOrigins":[]}`, 200)
		must(t, "any origin again", client{h: h, key: app.PublicKey, header: http.Header{"Origin": {"https://evil.example"}}}.get("/v2/settings"), 200)
	})
}
