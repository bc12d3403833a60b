package vonage_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/provider/vonage"
	"github.com/otpd/otpd/internal/provider/vonage/vonagetest"
)

// otherKey is an RSA key the fake does not know; 1024 bits keeps its
// generation quick and is still accepted by crypto/rsa.
var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return k
})

func otherKeyPEM(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(otherKey())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pkcs1PEM(fake *vonagetest.Server) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(fake.PrivateKey)}))
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*vonage.Config)
		fail      string // path of the failing endpoint
		failure   vonagetest.Failure
		wantError bool
		code      string
	}{
		{name: "sms and voice"},
		{name: "sms only", edit: func(c *vonage.Config) { c.ApplicationID, c.PrivateKey = "", "" }},
		{name: "wrong api_secret", edit: func(c *vonage.Config) { c.APISecret = "wrong" }, wantError: true, code: "401"},
		{name: "wrong private key", edit: func(c *vonage.Config) { c.PrivateKey = otherKeyPEM(t) }, wantError: true, code: "401"},
		{name: "balance 500", fail: vonagetest.PathBalance, failure: vonagetest.Failure{HTTPStatus: 500}, wantError: true, code: "500"},
		{name: "balance malformed", fail: vonagetest.PathBalance, failure: vonagetest.Failure{Malformed: true}, wantError: true},
		{name: "balance timeout", fail: vonagetest.PathBalance, failure: vonagetest.Failure{Delay: time.Minute},
			edit: func(c *vonage.Config) { c.Timeout = 50 * time.Millisecond }, wantError: true},
		{name: "voice 503", fail: vonagetest.PathCalls, failure: vonagetest.Failure{HTTPStatus: 503}, wantError: true, code: "503"},
		{name: "voice malformed", fail: vonagetest.PathCalls, failure: vonagetest.Failure{Malformed: true}, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			if tt.fail != "" {
				fake.FailNext(tt.fail, tt.failure)
			}
			err := newProvider(t, fake, tt.edit).Check(t.Context())
			if !tt.wantError {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Check succeeded, want an error")
			}
			if pe := providerError(t, err); pe.Code != tt.code {
				t.Errorf("Code = %q, want %q (%v)", pe.Code, tt.code, err)
			}
			if len(fake.SMS())+len(fake.Calls()) != 0 {
				t.Error("Check sent something")
			}
		})
	}
}
