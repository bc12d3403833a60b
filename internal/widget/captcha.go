package widget

import (
	"net/url"
	"slices"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// captchaSource is where a CAPTCHA provider's browser widget comes from:
// its script, and the hosts its documentation asks a Content-Security-Policy
// to allow, by directive.
type captchaSource struct {
	script                       string // the widget script's URL, without query
	scripts, frames, styles, xhr []string
}

// captchaDefaults are the providers' own hosts, as each documents them for
// a Content-Security-Policy.
var captchaDefaults = map[otp.ChallengeProvider]captchaSource{
	// developers.cloudflare.com/turnstile/reference/content-security-policy
	otp.Turnstile: {
		script:  "https://challenges.cloudflare.com/turnstile/v0/api.js",
		scripts: []string{"https://challenges.cloudflare.com"},
		frames:  []string{"https://challenges.cloudflare.com"},
	},
	// developers.google.com/recaptcha/docs/faq (CSP)
	otp.ReCAPTCHA: {
		script:  "https://www.google.com/recaptcha/api.js",
		scripts: []string{"https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/"},
		frames:  []string{"https://www.google.com/recaptcha/", "https://recaptcha.google.com/recaptcha/"},
	},
	// docs.hcaptcha.com (Content Security Policy)
	otp.HCaptcha: {
		script:  "https://js.hcaptcha.com/1/api.js",
		scripts: []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
		frames:  []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
		styles:  []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
		xhr:     []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
	},
	// yandex.cloud/docs/smartcaptcha: the widget script and its frame.
	otp.SmartCaptcha: {
		script:  "https://smartcaptcha.yandexcloud.net/captcha.js",
		scripts: []string{"https://smartcaptcha.yandexcloud.net"},
		frames:  []string{"https://smartcaptcha.yandexcloud.net"},
		xhr:     []string{"https://smartcaptcha.yandexcloud.net"},
	},
}

// captchaSources applies the configured hosts: the script comes from the
// configured host, at the provider's path, and the policy allows that
// host in every directive the provider needs (a mirror still loads some
// of its parts from the provider's own hosts, so those stay).
func captchaSources(bases map[otp.ChallengeProvider]string) map[otp.ChallengeProvider]captchaSource {
	out := map[otp.ChallengeProvider]captchaSource{}
	for p, src := range captchaDefaults {
		base := strings.TrimSuffix(bases[p], "/")
		if base != "" {
			u, err := url.Parse(src.script)
			if err != nil {
				panic("widget: CAPTCHA script URL: " + err.Error()) // a constant above
			}
			src.script = base + u.Path
			add := func(list []string) []string {
				if len(list) == 0 {
					return nil
				}
				return append(slices.Clone(list), base)
			}
			src.scripts, src.frames, src.styles, src.xhr = add(src.scripts), add(src.frames), add(src.styles), add(src.xhr)
		}
		out[p] = src
	}
	return out
}

// pagePolicy is the hosted page's Content-Security-Policy: nothing but
// otpd's own script, styles, images and API, plus the project's CAPTCHA
// provider when its challenge is on (c is nil when it is off). No inline
// script or style at all, no form posts, no <base>, and no framing: a
// framed page could be overlaid to make a person approve what they do
// not see.
func pagePolicy(c *captchaSource) string {
	scripts, styles, xhr := []string{"'self'"}, []string{"'self'"}, []string{"'self'"}
	var frames []string
	if c != nil {
		scripts = append(scripts, c.scripts...)
		styles = append(styles, c.styles...)
		xhr = append(xhr, c.xhr...)
		frames = c.frames
	}
	ds := []string{
		"default-src 'none'",
		"script-src " + strings.Join(scripts, " "),
		"style-src " + strings.Join(styles, " "),
		"img-src 'self'",
		"connect-src " + strings.Join(xhr, " "),
	}
	if len(frames) > 0 {
		ds = append(ds, "frame-src "+strings.Join(frames, " "))
	}
	ds = append(ds, "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'")
	return strings.Join(ds, "; ")
}

// errorPagePolicy is an error page's: styles and the icon only.
const errorPagePolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
