package templates

import (
	"strings"
	"testing"
)

func TestAutofillLines(t *testing.T) {
	const text = "482913 is your Acme verification code. It expires in 10 minutes. Don't share it with anyone."
	tests := []struct {
		name string
		opt  Options
		want string
	}{
		{"none", Options{}, text},
		{"app hash", Options{SMSAppHash: "FA+9qCX9VSu"}, text + "\n\nFA+9qCX9VSu"},
		{"WebOTP", Options{WebOTPDomain: "Login.Example.com"}, text + "\n\n@login.example.com #482913"},
		{"both: WebOTP last", Options{SMSAppHash: "FA+9qCX9VSu", WebOTPDomain: "example.com"}, text + "\n\nFA+9qCX9VSu\n@example.com #482913"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Render(Request{Channel: "sms", Purpose: "verification", Locale: "en", Vars: testVars, Options: tt.opt})
			if err != nil {
				t.Fatal(err)
			}
			if c.Body != tt.want {
				t.Errorf("Body = %q, want %q", c.Body, tt.want)
			}
		})
	}
}

// TestAutofillFitsRetriever: Google's SMS Retriever wants at most 140
// bytes, one GSM-7 segment; the English texts leave room for both lines.
func TestAutofillFitsRetriever(t *testing.T) {
	v := Vars{Code: "482913", AppName: "Abcdefghij Klmnopqrs", Minutes: 10}
	for _, purpose := range []string{"verification", "two_factor", "password_reset"} {
		c, err := Render(Request{Channel: "sms", Purpose: purpose, Locale: "en", Vars: v, Options: Options{SMSAppHash: "FA+9qCX9VSu", WebOTPDomain: "example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		if n := gsm7Septets(c.Body); n < 0 || n > 160 {
			t.Errorf("%s: %d septets, want at most 160: %q", purpose, n, c.Body)
		}
	}
}

func TestAutofillOnlyInSMS(t *testing.T) {
	opt := Options{SMSAppHash: "FA+9qCX9VSu", WebOTPDomain: "example.com"}
	for _, channel := range []string{"voice", "email", "telegram", "whatsapp"} {
		c, err := Render(Request{Channel: channel, Purpose: "verification", Locale: "en", Vars: testVars, Options: opt})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.Body+c.HTML, "FA+9qCX9VSu") || strings.Contains(c.Body+c.HTML, "@example.com") {
			t.Errorf("%s: %q has an auto-fill line", channel, c.Body)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opt     Options
		wantErr string
	}{
		{"empty", Options{}, ""},
		{"hash", Options{SMSAppHash: "FA+9qCX9VSu"}, ""},
		{"hash with slash", Options{SMSAppHash: "ab/cdEF0123"}, ""},
		{"hash too short", Options{SMSAppHash: "FA+9qCX9VS"}, "app hash"},
		{"hash too long", Options{SMSAppHash: "FA+9qCX9VSuu"}, "app hash"},
		{"hash with padding", Options{SMSAppHash: "FA+9qCX9VS="}, "app hash"},
		{"hash with space", Options{SMSAppHash: "FA+9qCX9 Su"}, "app hash"},
		{"hash non-ASCII", Options{SMSAppHash: "FA+9qCX9VSé"}, "app hash"},
		{"domain", Options{WebOTPDomain: "example.com"}, ""},
		{"subdomain with hyphen", Options{WebOTPDomain: "login-eu.example.co.uk"}, ""},
		{"punycode", Options{WebOTPDomain: "xn--bcher-kva.example"}, ""},
		{"localhost", Options{WebOTPDomain: "localhost"}, ""},
		{"scheme", Options{WebOTPDomain: "https://example.com"}, "WebOTP domain"},
		{"port", Options{WebOTPDomain: "example.com:8443"}, "WebOTP domain"},
		{"path", Options{WebOTPDomain: "example.com/login"}, "WebOTP domain"},
		{"trailing dot", Options{WebOTPDomain: "example.com."}, "WebOTP domain"},
		{"leading hyphen", Options{WebOTPDomain: "-example.com"}, "WebOTP domain"},
		{"space", Options{WebOTPDomain: "example .com"}, "WebOTP domain"},
		{"IP address", Options{WebOTPDomain: "192.168.1.1"}, "WebOTP domain"},
		{"unicode", Options{WebOTPDomain: "bücher.example"}, "WebOTP domain"},
		{"label too long", Options{WebOTPDomain: strings.Repeat("a", 64) + ".com"}, "WebOTP domain"},
		{"name too long", Options{WebOTPDomain: strings.Repeat("abcdefghi.", 26) + "com"}, "WebOTP domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opt.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
