package widget_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/widget"
)

// site serves the widget's handler over h's service, as cmd/otpd mounts it.
func site(t *testing.T, h *dialecttest.Harness, captchaURLs map[otp.ChallengeProvider]string) string {
	t.Helper()
	w := widget.New(widget.Config{Service: h.Svc, CaptchaURLs: captchaURLs})
	mux := http.NewServeMux()
	for _, p := range w.Patterns() {
		mux.Handle(p, w)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// page is one answer of the handler.
type page struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, u string, header http.Header) page {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, res.Header, string(b)}
}

const (
	flowPolicy  = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
	errorPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)

// TestHostedPageAnswers: which requests get the page, and which an error
// page (status, language, message), on both engines. Only the public key
// of an active application names a page; the return URL must be one the
// application registered, exactly, or its only one when none is named.
// Every answer carries the security headers; error pages load no script.
func TestHostedPageAnswers(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		base := site(t, h, nil)
		several := h.CreateApp("test", `{"defaultLocale":"ru"}`)
		h.Admin("PATCH", "/v1/applications/"+several.ID, `{"returnUrls":["https://shop.example/back?from=otpd","https://shop.example/done?"]}`, 200)
		one := h.CreateApp("live", "")
		h.Admin("PATCH", "/v1/applications/"+one.ID, `{"returnUrls":["https://shop.example/verified"]}`, 200)
		none := h.CreateApp("test", "")
		disabled := h.CreateApp("test", "")
		h.Admin("PATCH", "/v1/applications/"+disabled.ID, `{"status":"disabled","returnUrls":["https://shop.example/verified"]}`, 200)

		en := http.Header{"Accept-Language": {"en-GB,en;q=0.9"}}
		q := func(returnURL string) string { return "?return_url=" + url.QueryEscape(returnURL) }
		tests := []struct {
			name   string
			path   string
			header http.Header
			status int
			lang   string
			want   []string // in the body
			absent []string // not in the body
		}{
			{"named return URL", "/hosted/" + several.PublicKey + q("https://shop.example/back?from=otpd"), en, 200, "en",
				[]string{`data-public-key="` + several.PublicKey + `"`, `data-return-to="https://shop.example/back?from=otpd&amp;verify_token="`, `data-lang="en"`, `data-locale="en-GB"`, `src="/static/otpd.js"`}, nil},
			{"return URL ending in ?", "/hosted/" + several.PublicKey + q("https://shop.example/done?"), en, 200, "en",
				[]string{`data-return-to="https://shop.example/done?verify_token="`}, nil},
			{"the only return URL", "/hosted/" + one.PublicKey, nil, 200, "en",
				[]string{`data-return-to="https://shop.example/verified?verify_token="`, "<title>Dialect test · Verification</title>"}, nil},
			{"project's Russian without Accept-Language", "/hosted/" + several.PublicKey + q("https://shop.example/back?from=otpd"), nil, 200, "ru",
				[]string{`data-lang="ru"`, "<title>Dialect test · Подтверждение</title>"}, nil},
			{"lang and locale", "/hosted/" + one.PublicKey + "?lang=ru&locale=pt-BR", en, 200, "ru",
				[]string{`data-lang="ru"`, `data-locale="pt-BR"`}, nil},
			{"a locale that is not a tag", "/hosted/" + one.PublicKey + "?locale=" + url.QueryEscape(`x"><script>`), nil, 200, "en",
				[]string{`data-lang="en"`}, []string{"data-locale", "x&#34;"}},
			{"unregistered return URL", "/hosted/" + several.PublicKey + q("https://evil.example/back?from=otpd"), en, 400, "en",
				[]string{"This link cannot be used", "not set up correctly", "return_url is not one of the application&#39;s returnUrls"}, nil},
			{"unregistered return URL, Russian", "/hosted/" + several.PublicKey + q("https://shop.example/back") + "&lang=ru", en, 400, "ru",
				[]string{"Этой ссылкой нельзя воспользоваться", "Адрес return_url не входит в returnUrls приложения"}, nil},
			{"several, none named", "/hosted/" + several.PublicKey, en, 400, "en", []string{"name one in return_url"}, nil},
			{"none registered", "/hosted/" + none.PublicKey, en, 400, "en", []string{"The application has no returnUrls"}, nil},
			{"unknown key", "/hosted/otpd_test_pk_0000" + q("https://shop.example/verified"), en, 404, "en", []string{"Page not found"}, nil},
			{"unknown key, Russian", "/hosted/nope", http.Header{"Accept-Language": {"ru-RU,ru;q=0.9"}}, 404, "ru", []string{"Страница не найдена"}, nil},
			{"the secret API key", "/hosted/" + one.APIKey, en, 404, "en", []string{"Page not found"}, nil},
			{"the client secret", "/hosted/" + one.ClientSecret, en, 404, "en", []string{"Page not found"}, nil},
			{"a disabled application", "/hosted/" + disabled.PublicKey, en, 403, "en", []string{"Verification unavailable"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := get(t, base+tt.path, tt.header)
				if p.status != tt.status {
					t.Fatalf("GET %s: %d, want %d:\n%s", tt.path, p.status, tt.status, p.body)
				}
				wantPolicy := errorPolicy
				if tt.status == 200 {
					wantPolicy = flowPolicy
				} else if strings.Contains(p.body, "otpd.js") || strings.Contains(p.body, "data-otpd-hosted") {
					t.Errorf("an error page runs the flow:\n%s", p.body)
				}
				if got := p.header.Get("Content-Security-Policy"); got != wantPolicy {
					t.Errorf("Content-Security-Policy = %q, want %q", got, wantPolicy)
				}
				for k, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
					"Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
					if got := p.header.Get(k); got != want {
						t.Errorf("%s = %q, want %q", k, got, want)
					}
				}
				if !strings.Contains(p.body, `<html lang="`+tt.lang+`">`) {
					t.Errorf("page not in %s:\n%s", tt.lang, p.body)
				}
				for _, w := range tt.want {
					if !strings.Contains(p.body, w) {
						t.Errorf("page lacks %q:\n%s", w, p.body)
					}
				}
				for _, w := range tt.absent {
					if strings.Contains(p.body, w) {
						t.Errorf("page has %q:\n%s", w, p.body)
					}
				}
				if strings.Contains(p.body, "<script>") || strings.Contains(p.body, "style=") || strings.Contains(p.body, "<script>alert") {
					t.Errorf("page has inline script or style:\n%s", p.body)
				}
			})
		}
	})
}

// TestHostedPageRateLimit: the page counts against the application's
// request rate like the session flow's calls, and says when to come back.
func TestHostedPageRateLimit(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		// The console's three calls below count in a bucket of their own.
		h := dialecttest.New(t, dialecttest.Options{Engine: engine, Limits: otp.Limits{APIKeyRequests: otp.Limit{Count: 3, Period: time.Minute}}})
		base := site(t, h, nil)
		app := h.CreateApp("test", "")
		h.Admin("PATCH", "/v1/applications/"+app.ID, `{"returnUrls":["https://shop.example/verified"]}`, 200)
		for i := range 3 {
			if p := get(t, base+"/hosted/"+app.PublicKey, nil); p.status != 200 {
				t.Fatalf("load %d: %d", i+1, p.status)
			}
		}
		p := get(t, base+"/hosted/"+app.PublicKey, nil)
		if p.status != 429 || p.header.Get("Retry-After") == "" || !strings.Contains(p.body, "Too many requests") {
			t.Errorf("fourth load in a minute: %d, Retry-After %q:\n%s", p.status, p.header.Get("Retry-After"), p.body)
		}
	})
}

// TestHostedPagePolicy: the page's Content-Security-Policy allows the
// project's CAPTCHA provider (its documented hosts, plus a configured
// mirror) and nothing else; the page tells the script where the
// provider's widget script is.
func TestHostedPagePolicy(t *testing.T) {
	const mirror = "https://www.recaptcha.net"
	tests := []struct {
		provider otp.ChallengeProvider
		script   string
		policy   string
	}{
		{otp.Turnstile, "https://challenges.cloudflare.com/turnstile/v0/api.js",
			"default-src 'none'; script-src 'self' https://challenges.cloudflare.com; style-src 'self'; img-src 'self'; connect-src 'self'; frame-src https://challenges.cloudflare.com; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"},
		{otp.ReCAPTCHA, mirror + "/recaptcha/api.js",
			"default-src 'none'; script-src 'self' https://www.google.com/recaptcha/ https://www.gstatic.com/recaptcha/ " + mirror + "; style-src 'self'; img-src 'self'; connect-src 'self'; frame-src https://www.google.com/recaptcha/ https://recaptcha.google.com/recaptcha/ " + mirror + "; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"},
		{otp.HCaptcha, "https://js.hcaptcha.com/1/api.js",
			"default-src 'none'; script-src 'self' https://hcaptcha.com https://*.hcaptcha.com; style-src 'self' https://hcaptcha.com https://*.hcaptcha.com; img-src 'self'; connect-src 'self' https://hcaptcha.com https://*.hcaptcha.com; frame-src https://hcaptcha.com https://*.hcaptcha.com; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"},
		{otp.SmartCaptcha, "https://smartcaptcha.yandexcloud.net/captcha.js",
			"default-src 'none'; script-src 'self' https://smartcaptcha.yandexcloud.net; style-src 'self'; img-src 'self'; connect-src 'self' https://smartcaptcha.yandexcloud.net; frame-src https://smartcaptcha.yandexcloud.net; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"},
	}
	h := dialecttest.New(t, dialecttest.Options{})
	base := site(t, h, map[otp.ChallengeProvider]string{otp.ReCAPTCHA: mirror + "/"})
	for _, tt := range tests {
		t.Run(string(tt.provider), func(t *testing.T) {
			app := h.CreateApp("test", `{"challenge":{"enabled":true,"provider":"`+string(tt.provider)+`","siteKey":"site-key","secretKey":"secret-key-0123456789"}}`)
			h.Admin("PATCH", "/v1/applications/"+app.ID, `{"returnUrls":["https://shop.example/verified"]}`, 200)
			p := get(t, base+"/hosted/"+app.PublicKey, nil)
			if p.status != 200 {
				t.Fatalf("%d %s", p.status, p.body)
			}
			if got := p.header.Get("Content-Security-Policy"); got != tt.policy {
				t.Errorf("Content-Security-Policy =\n%s\nwant\n%s", got, tt.policy)
			}
			if want := `data-captcha-script="` + tt.script + `"`; !strings.Contains(p.body, want) {
				t.Errorf("page lacks %s:\n%s", want, p.body)
			}
		})
	}
	t.Run("challenge off", func(t *testing.T) {
		app := h.CreateApp("test", `{"challenge":{"enabled":false,"provider":"turnstile","siteKey":"site-key"}}`)
		h.Admin("PATCH", "/v1/applications/"+app.ID, `{"returnUrls":["https://shop.example/verified"]}`, 200)
		p := get(t, base+"/hosted/"+app.PublicKey, nil)
		if got := p.header.Get("Content-Security-Policy"); p.status != 200 || got != flowPolicy || strings.Contains(p.body, "data-captcha-script") {
			t.Errorf("%d, Content-Security-Policy %q, want the flow's own only", p.status, got)
		}
	})
}

// TestAssets: the script, its styles and the icon are served to any site
// (CORS, CORP) with a validator, and revalidated for nothing.
func TestAssets(t *testing.T) {
	h := dialecttest.New(t, dialecttest.Options{})
	base := site(t, h, nil)
	for path, typ := range map[string]string{"/static/otpd.js": "text/javascript; charset=utf-8", "/static/otpd.css": "text/css; charset=utf-8", "/static/otpd.svg": "image/svg+xml"} {
		p := get(t, base+path, nil)
		etag := p.header.Get("ETag")
		if p.status != 200 || p.header.Get("Content-Type") != typ || etag == "" || p.header.Get("Access-Control-Allow-Origin") != "*" ||
			p.header.Get("Cross-Origin-Resource-Policy") != "cross-origin" || p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d %v", path, p.status, p.header)
		}
		if again := get(t, base+path, http.Header{"If-None-Match": {etag}}); again.status != 304 || again.body != "" {
			t.Errorf("GET %s with its ETag: %d, want 304 without a body", path, again.status)
		}
	}
	if p := get(t, base+"/static/other.js", nil); p.status != 404 {
		t.Errorf("GET /static/other.js: %d, want 404", p.status)
	}
	js := get(t, base+"/static/otpd.js", nil).body
	for _, want := range []string{`autocomplete: "one-time-code"`, "navigator.credentials.get", "window.otpd = { mount: mount }", `"x-challenge-token"`} {
		if !strings.Contains(js, want) {
			t.Errorf("otpd.js lacks %s", want)
		}
	}
}
