package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/captcha"
	"github.com/otpd/otpd/internal/otp"
)

// captchaSpec is the captcha section of the configuration file. Projects
// hold their own CAPTCHA keys; this only says where the providers'
// verification endpoints are (a mirror such as www.recaptcha.net, or a
// fake in tests) and how long a send waits for them.
//
//	captcha:
//	  timeout: 5s
//	  recaptcha_url: https://www.recaptcha.net
type captchaSpec struct {
	Timeout         time.Duration `yaml:"timeout"`
	TurnstileURL    string        `yaml:"turnstile_url"`
	ReCAPTCHAURL    string        `yaml:"recaptcha_url"`
	HCaptchaURL     string        `yaml:"hcaptcha_url"`
	SmartCaptchaURL string        `yaml:"smartcaptcha_url"`
}

// maxCaptchaTimeout bounds the wait: the end user waits for it too.
const maxCaptchaTimeout = 30 * time.Second

func (s captchaSpec) validate() error {
	if s.Timeout < 0 || s.Timeout > maxCaptchaTimeout {
		return fmt.Errorf("captcha.timeout: must be between 0 (the default, %s) and %s", captcha.DefaultTimeout, maxCaptchaTimeout)
	}
	for key, v := range map[string]string{"turnstile_url": s.TurnstileURL, "recaptcha_url": s.ReCAPTCHAURL,
		"hcaptcha_url": s.HCaptchaURL, "smartcaptcha_url": s.SmartCaptchaURL} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return fmt.Errorf("captcha.%s: want a base URL such as https://host, without a path or credentials", key)
		}
	}
	return nil
}

// newChallengeVerifier returns the CAPTCHA clients: the providers' own
// endpoints unless the configuration file names others.
func newChallengeVerifier(fc *fileConfig, logger *slog.Logger) *captcha.Verifier {
	c := captcha.Config{Logger: logger}
	if fc != nil {
		s := fc.Captcha
		c.Timeout, c.TurnstileURL, c.ReCAPTCHAURL, c.HCaptchaURL, c.SmartCaptchaURL =
			s.Timeout, s.TurnstileURL, s.ReCAPTCHAURL, s.HCaptchaURL, s.SmartCaptchaURL
	}
	return captcha.New(c)
}

// captchaWidgetURLs are the hosts the configuration file names for the
// providers, from which the hosted page then loads their widget scripts
// too: a mirror serves both (www.recaptcha.net), and so does a fake.
func captchaWidgetURLs(fc *fileConfig) map[otp.ChallengeProvider]string {
	if fc == nil {
		return nil
	}
	s := fc.Captcha
	urls := map[otp.ChallengeProvider]string{
		otp.Turnstile: s.TurnstileURL, otp.ReCAPTCHA: s.ReCAPTCHAURL,
		otp.HCaptcha: s.HCaptchaURL, otp.SmartCaptcha: s.SmartCaptchaURL,
	}
	if strings.TrimSuffix(s.HCaptchaURL, "/") == captcha.HCaptchaURL {
		// hCaptcha's own verification host is not its script's
		// (js.hcaptcha.com), which the widget keeps.
		delete(urls, otp.HCaptcha)
	}
	return urls
}
