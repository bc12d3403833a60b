package otp_test

import (
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// A webhook URL is https on a web port by default; the operator's options
// allow plain http and other ports, and private targets (which lift both
// rules, for development against local receivers).
func TestWebhookURLPolicy(t *testing.T) {
	strict := otp.WebhookURLPolicy{}
	withHTTP := otp.WebhookURLPolicy{AllowHTTP: true}
	ports := otp.WebhookURLPolicy{Ports: []int{443, 9443}}
	private := otp.WebhookURLPolicy{AllowPrivate: true}
	for _, tc := range []struct {
		policy otp.WebhookURLPolicy
		url    string
		reason string // "" when accepted
	}{
		{strict, "https://hooks.example.com/otpd", ""},
		{strict, "https://hooks.example.com:443/otpd", ""},
		{strict, "https://hooks.example.com:8443/otpd", ""},
		{strict, "https://hooks.example.com:8080/otpd", ""},
		{strict, "https://hooks.example.com:80/otpd", ""},
		{strict, "http://hooks.example.com/otpd", otp.ReasonWebhookURLHTTP},
		{strict, "https://hooks.example.com:9000/otpd", otp.ReasonWebhookURLPort},
		{strict, "https://hooks.example.com:22/", otp.ReasonWebhookURLPort},
		{strict, "https://hooks.example.com:0/", otp.ReasonWebhookURLInvalid},
		{strict, "https://127.0.0.1/otpd", otp.ReasonWebhookURLPrivate},
		{strict, "https://localhost/otpd", otp.ReasonWebhookURLPrivate},
		{strict, "https://[::1]/otpd", otp.ReasonWebhookURLPrivate},
		{strict, "ftp://hooks.example.com/", otp.ReasonWebhookURLInvalid},
		{strict, "https://user:pw@hooks.example.com/", otp.ReasonWebhookURLInvalid},
		{withHTTP, "http://hooks.example.com/otpd", ""},
		{withHTTP, "http://hooks.example.com:8080/otpd", ""},
		{withHTTP, "http://hooks.example.com:6379/", otp.ReasonWebhookURLPort},
		{withHTTP, "http://10.0.0.1/", otp.ReasonWebhookURLPrivate},
		{ports, "https://hooks.example.com:9443/", ""},
		{ports, "https://hooks.example.com:8443/", otp.ReasonWebhookURLPort},
		{ports, "https://hooks.example.com/", ""},
		{private, "http://127.0.0.1:54321/hook", ""},
		{private, "http://localhost:9/", ""},
		{private, "ftp://localhost/", otp.ReasonWebhookURLInvalid},
	} {
		err := tc.policy.Check(tc.url)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%+v Check(%s) = %v, want accepted", tc.policy, tc.url, err)
			}
			continue
		}
		e := otp.ErrorOf(err)
		if e == nil || e.Code != otp.CodeInvalidParameter || e.Field != "url" || e.Key != tc.reason || e.Params["reason"] != tc.reason {
			t.Errorf("%+v Check(%s) = %v, want INVALID_PARAMETER on url with reason %s", tc.policy, tc.url, err, tc.reason)
		}
	}
}

// Creating and changing an endpoint applies the service's policy.
func TestWebhookCreationAppliesURLPolicy(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	a, _ := f.newApp(t, otp.Test)
	ctx := t.Context()
	for url, reason := range map[string]string{
		"http://hooks.example.com/otpd":       otp.ReasonWebhookURLHTTP,
		"https://hooks.example.com:2375/otpd": otp.ReasonWebhookURLPort,
	} {
		_, err := f.svc.CreateWebhook(ctx, otp.WebhookInput{AppID: &a.ID, URL: &url})
		if e := otp.ErrorOf(err); e == nil || e.Key != reason {
			t.Errorf("create %s: %v, want %s", url, err, reason)
		}
	}
	w, err := f.svc.CreateWebhook(ctx, otp.WebhookInput{AppID: &a.ID, URL: ptr("https://hooks.example.com/otpd")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.UpdateWebhook(ctx, w.ID, otp.WebhookInput{URL: ptr("http://hooks.example.com/otpd")})
	if e := otp.ErrorOf(err); e == nil || e.Key != otp.ReasonWebhookURLHTTP {
		t.Errorf("update to http: %v, want %s", err, otp.ReasonWebhookURLHTTP)
	}
}
