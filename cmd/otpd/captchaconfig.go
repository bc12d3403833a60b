package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/otpd/otpd/internal/captcha"
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
