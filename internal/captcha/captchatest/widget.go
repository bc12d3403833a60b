package captchatest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// The providers' browser widgets, faked at the paths the providers serve
// them (turnstile/v0/api.js, recaptcha/api.js, 1/api.js, captcha.js): each
// script defines the provider's global (turnstile, grecaptcha, hcaptcha,
// smartCaptcha) with render, reset, getResponse and remove or destroy,
// honours ?onload=, and renders an iframe from the fake's own origin, as
// the real widgets render theirs, so a page's Content-Security-Policy is
// exercised as it would be. The frame solves itself at once: it mints a
// token for the page's host and the widget's action, which the fake's
// verification endpoint then accepts once, and posts it to the page,
// which hands it to the render call's callback.

// widgetGlobals are the globals the providers' scripts define.
var widgetGlobals = map[otp.ChallengeProvider]string{
	otp.Turnstile:    "turnstile",
	otp.ReCAPTCHA:    "grecaptcha",
	otp.HCaptcha:     "hcaptcha",
	otp.SmartCaptcha: "smartCaptcha",
}

// WidgetPaths are where the fake serves each provider's widget script.
var WidgetPaths = map[otp.ChallengeProvider]string{
	otp.Turnstile:    "/turnstile/v0/api.js",
	otp.ReCAPTCHA:    "/recaptcha/api.js",
	otp.HCaptcha:     "/1/api.js",
	otp.SmartCaptcha: "/captcha.js",
}

func (s *Server) serveWidgets(mux *http.ServeMux) {
	for p, path := range WidgetPaths {
		mux.HandleFunc("GET "+path, s.widgetScript(p))
	}
	mux.HandleFunc("GET /widget-frame", s.widgetFrame)
}

// widgetScript serves provider p's script.
func (s *Server) widgetScript(p otp.ChallengeProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		provider, _ := json.Marshal(string(p))
		global, _ := json.Marshal(widgetGlobals[p])
		origin, _ := json.Marshal(s.URL)
		fmt.Fprintf(w, widgetJS, provider, global, origin)
	}
}

// widgetJS is a provider's script; %[1]s is the provider, %[2]s its global,
// %[3]s the fake's origin (all JSON strings).
const widgetJS = `(function () {
  var provider = %[1]s, globalName = %[2]s, origin = %[3]s;
  var params = new URL(document.currentScript.src).searchParams;
  var widgets = {}, next = 0;
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (e.origin !== origin || !d || d.fakeCaptcha !== provider) return;
    var w = widgets[d.widget];
    if (!w) return;
    w.token = d.token;
    if (typeof w.opts.callback === "function") w.opts.callback(d.token);
  });
  function frameURL(w) {
    var q = new URLSearchParams({ provider: provider, sitekey: w.opts.sitekey || "", action: w.opts.action || "",
      host: location.hostname, widget: w.id, load: String(w.loads++) });
    return origin + "/widget-frame?" + q;
  }
  function find(id) { return widgets[id === undefined ? "0" : String(id)]; }
  var api = {
    render: function (container, opts) {
      var el = typeof container === "string" ? document.getElementById(container) : container;
      var w = { id: String(next++), opts: opts || {}, loads: 0, token: "" };
      w.frame = document.createElement("iframe");
      w.frame.title = "Fake " + provider + " check";
      w.frame.width = "300";
      w.frame.height = "65";
      w.frame.src = frameURL(w);
      el.appendChild(w.frame);
      widgets[w.id] = w;
      return provider === "recaptcha" || provider === "hcaptcha" ? Number(w.id) : w.id;
    },
    reset: function (id) {
      var w = find(id);
      if (!w) return;
      w.token = "";
      w.frame.src = frameURL(w);
    },
    getResponse: function (id) { var w = find(id); return w ? w.token : ""; },
    remove: function (id) {
      var w = find(id);
      if (!w) return;
      w.frame.remove();
      delete widgets[w.id];
    },
    ready: function (f) { f(); }
  };
  api.destroy = api.remove;
  window[globalName] = api;
  var onload = params.get("onload");
  if (onload && typeof window[onload] === "function") window[onload]();
})();
`

// widgetFrame is the widget's frame: it mints a token and posts it to the
// page that framed it. A site key other than the fake's gets an error
// and no token, as a real widget would refuse it.
func (s *Server) widgetFrame(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := otp.ChallengeProvider(q.Get("provider"))
	if _, ok := widgetGlobals[p]; !ok {
		http.Error(w, "unknown provider", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if q.Get("sitekey") != s.SiteKey(p) {
		fmt.Fprintf(w, "<!doctype html><p>Fake %s: invalid site key %s</p>", p, html.EscapeString(q.Get("sitekey")))
		return
	}
	token := s.Token(p, Solve{Hostname: q.Get("host"), Action: q.Get("action")})
	msg, _ := json.Marshal(map[string]string{"fakeCaptcha": string(p), "widget": q.Get("widget"), "token": token})
	fmt.Fprintf(w, `<!doctype html><p>Fake %s: solved</p><script>parent.postMessage(%s, "*");</script>`, p, msg)
}
