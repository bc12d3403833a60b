package templates

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateOverride(t *testing.T) {
	tests := []struct {
		name             string
		channel, purpose string
		o                Override
		wantField        string // "" for valid
		wantReason       string
	}{
		{"plain", "sms", "verification", Override{Body: "{{.AppName}}: {{.Code}}"}, "", ""},
		{"minutes helper", "sms", "two_factor", Override{Body: "Code {{.Code}}, valid {{minutes .Minutes}}."}, "", ""},
		{"if and with", "sms", "verification", Override{Body: "{{if .AppName}}{{.AppName}}: {{end}}{{with .Code}}{{.}}{{end}}"}, "", ""},
		{"transaction", "sms", "transaction", Override{Body: "Pay {{.Amount}} to {{.Payee}}? Code {{.Code}}"}, "", ""},
		{"voice spelled", "voice", "verification", Override{Body: "Your code: {{spell .Code}}. Again: {{spell .Code}}."}, "", ""},
		{"email with subject", "email", "verification", Override{Body: "Code: {{.Code}}", Subject: "{{.AppName}} code"}, "", ""},
		{"email without subject", "email", "password_reset", Override{Body: "Code: {{.Code}}"}, "", ""},
		{"sms at the limit", "sms", "verification", Override{Body: "{{.Code}}" + strings.Repeat("x", 474)}, "", ""},

		{"empty body", "sms", "verification", Override{Body: " \n"}, "body", "is empty"},
		{"renders empty", "sms", "verification", Override{Body: "{{if false}}{{.Code}}{{end}}"}, "body", "is empty"},
		{"does not parse", "sms", "verification", Override{Body: "Code {{.Code"}, "body", "does not parse"},
		{"unknown function", "sms", "verification", Override{Body: "{{upper .Code}}"}, "body", `function "upper" not defined`},
		{"unknown field", "sms", "verification", Override{Body: "{{.Code}} {{.Phone}}"}, "body", "does not render"},
		{"wrong argument", "sms", "verification", Override{Body: "{{.Code}} {{minutes .AppName}}"}, "body", "does not render"},
		{"no code", "sms", "verification", Override{Body: "Your {{.AppName}} code is ready"}, "body", "does not show the code"},
		{"literal code only", "sms", "verification", Override{Body: "Your code is 482913"}, "body", "does not show the code"},
		{"code cut up", "sms", "verification", Override{Body: "{{slice .Code 0 3}}-{{slice .Code 3}}"}, "body", "does not show the code"},
		{"voice without code", "voice", "verification", Override{Body: "Hello from {{.AppName}}"}, "body", "{{spell .Code}}"},
		{"sms too long", "sms", "verification", Override{Body: "{{.Code}}" + strings.Repeat("x", 475)}, "body", "more than the 480 allowed for sms"},
		{"sms too long with values", "sms", "verification", Override{Body: "{{.Code}}" + strings.Repeat("{{.AppName}}", 24)}, "body", "more than the 480"},
		{"voice too long", "voice", "verification", Override{Body: "{{.Code}}" + strings.Repeat("x", 1000)}, "body", "more than the 1000"},
		{"source too long", "email", "verification", Override{Body: "{{.Code}}" + strings.Repeat("x", maxSource)}, "body", "longer than"},
		{"email too long", "email", "verification", Override{Body: "{{.Code}}" + strings.Repeat("{{.Payee}}", 500)}, "body", "more than the 10000 allowed for email"},
		{"printf", "sms", "verification", Override{Body: `{{printf "%999999d" 1}}{{.Code}}`}, "body", "function printf is not allowed"},
		{"print in a with chain", "sms", "verification", Override{Body: `{{.Code}}{{with print .AppName .AppName}}{{with print . .}}{{.}}{{end}}{{end}}`}, "body", "function print is not allowed"},
		{"escaper in parentheses", "sms", "verification", Override{Body: `{{.Code}}{{len (js .AppName)}}`}, "body", "function js is not allowed"},
		{"function in an if", "sms", "verification", Override{Body: `{{if html .Code}}{{.Code}}{{end}}`}, "body", "function html is not allowed"},
		{"call", "sms", "verification", Override{Body: `{{.Code}}{{call .AppName}}`}, "body", "function call is not allowed"},
		{"allowed built-ins", "sms", "verification", Override{Body: `{{$c := .Code}}{{if and (gt (len $c) 3) (ne .AppName "")}}{{$c}}{{end}} {{index .Code 0}}{{slice .Code 1}}`}, "", ""},
		{"range", "sms", "verification", Override{Body: "{{.Code}}{{range 1000000000}}{{end}}"}, "body", "range is not allowed"},
		{"range in if", "sms", "verification", Override{Body: "{{.Code}}{{if true}}{{range .AppName}}{{end}}{{end}}"}, "body", "range is not allowed"},
		{"define", "sms", "verification", Override{Body: `{{define "x"}}a{{end}}{{.Code}}`}, "body", "define"},
		{"block", "sms", "verification", Override{Body: `{{block "x" .}}{{.Code}}{{end}}`}, "body", "not allowed"},
		{"subject on sms", "sms", "verification", Override{Body: "{{.Code}}", Subject: "Hi"}, "subject", "only email"},
		{"subject does not parse", "email", "verification", Override{Body: "{{.Code}}", Subject: "{{.AppName"}, "subject", "does not parse"},
		{"subject renders empty", "email", "verification", Override{Body: "{{.Code}}", Subject: "{{if false}}x{{end}}"}, "subject", "is empty"},
		{"subject too long", "email", "verification", Override{Body: "{{.Code}}", Subject: strings.Repeat("s", 201)}, "subject", "more than the 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateOverride(tt.channel, tt.purpose, tt.o)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("ValidateOverride() = %v, want nil", err)
				}
				return
			}
			var oe *OverrideError
			if !errors.As(err, &oe) {
				t.Fatalf("ValidateOverride() = %v, want an *OverrideError", err)
			}
			if oe.Field != tt.wantField || !strings.Contains(oe.Reason, tt.wantReason) {
				t.Errorf("ValidateOverride() = %q, want field %s and a reason containing %q", err, tt.wantField, tt.wantReason)
			}
			if !strings.HasPrefix(err.Error(), tt.wantField+": ") {
				t.Errorf("error %q does not start with the field name", err)
			}
		})
	}
}

func TestValidateOverrideUnknown(t *testing.T) {
	if err := ValidateOverride("fax", "verification", Override{Body: "{{.Code}}"}); err == nil {
		t.Error("ValidateOverride(fax) = nil, want an error")
	}
	if err := ValidateOverride("sms", "signup", Override{Body: "{{.Code}}"}); err == nil {
		t.Error("ValidateOverride(signup) = nil, want an error")
	}
}

func TestRenderOverride(t *testing.T) {
	tests := []struct {
		name string
		r    Request
		want Content
	}{
		{
			name: "sms: replaces the text, keeps auto-fill lines, adds no share line",
			r: Request{Channel: "sms", Purpose: "verification", Locale: "en", Vars: testVars,
				Options:  Options{SMSAppHash: "FA+9qCX9VSu", WebOTPDomain: "example.com"},
				Override: &Override{Body: "{{.AppName}} code: {{.Code}}"}},
			want: Content{Locale: "en", Body: "Acme code: 482913\n\nFA+9qCX9VSu\n@example.com #482913"},
		},
		{
			name: "minutes in the resolved locale",
			r: Request{Channel: "telegram", Purpose: "verification", Locale: "ru-RU", Vars: Vars{Code: "1234", AppName: "Acme", Minutes: 21},
				Override: &Override{Body: "Код {{.Code}}, действует {{minutes .Minutes}}"}},
			want: Content{Locale: "ru", Body: "Код 1234, действует 21 минуту"},
		},
		{
			name: "voice spelled with the locale's separator",
			r: Request{Channel: "voice", Purpose: "verification", Locale: "ja", Vars: Vars{Code: "1234", AppName: "Acme", Minutes: 5},
				Override: &Override{Body: "コードは{{spell .Code}}です"}},
			want: Content{Locale: "ja", Body: "コードは1、2、3、4です"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Render(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Render() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderOverrideEmail(t *testing.T) {
	v := testVars
	v.AppName = "<b>Acme</b>"
	r := Request{Channel: "email", Purpose: "verification", Locale: "he", Vars: v,
		Override: &Override{Body: "Hello from {{.AppName}}.\nYour code is {{.Code}}.\n\nBye"}}
	c, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "קוד האימות שלך ב-<b>Acme</b>" {
		t.Errorf("Subject = %q, want the built-in Hebrew subject", c.Subject)
	}
	if c.Body != "Hello from <b>Acme</b>.\nYour code is 482913.\n\nBye" {
		t.Errorf("Body = %q", c.Body)
	}
	for _, want := range []string{
		`<html lang="he" dir="rtl">`,
		`<p style="margin:0 0 16px;">Hello from &lt;b&gt;Acme&lt;/b&gt;.<br>Your code is <strong dir="ltr"`,
		`letter-spacing:2px;">482913</strong>.</p>`,
		`<p style="margin:0 0 16px;">Bye</p>`,
	} {
		if !strings.Contains(c.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, c.HTML)
		}
	}
	if strings.Contains(c.HTML, "<b>") {
		t.Errorf("HTML has the app name's markup:\n%s", c.HTML)
	}

	r.Override.Subject = "{{.AppName}}: sign in"
	if c, err = Render(r); err != nil {
		t.Fatal(err)
	}
	if c.Subject != "<b>Acme</b>: sign in" {
		t.Errorf("Subject = %q, want the override's", c.Subject)
	}
	if !strings.Contains(c.HTML, "<title>&lt;b&gt;Acme&lt;/b&gt;: sign in</title>") {
		t.Errorf("HTML title is not the override's subject:\n%s", c.HTML)
	}
}

func TestRenderOverrideErrors(t *testing.T) {
	r := Request{Channel: "sms", Purpose: "verification", Locale: "en", Vars: Vars{Code: "734091", AppName: strings.Repeat("A", 1000), Minutes: 5}}
	tests := []struct {
		name          string
		o             Override
		field, reason string
	}{
		{"huge output", Override{Body: "{{.Code}}" + strings.Repeat("{{.AppName}}", 100)}, "body", "renders to more than"},
		// It passes ValidateOverride's sample codes but not this one.
		{"code hidden by a condition", Override{Body: `{{if eq .Code "482913" "705126"}}{{.Code}}{{else}}no code{{end}}`}, "body", "does not show the code"},
		{"does not parse", Override{Body: "{{"}, "body", "does not parse"},
		{"subject on sms", Override{Body: "{{.Code}}", Subject: "x"}, "subject", "only email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.Override = &tt.o
			_, err := Render(r)
			var oe *OverrideError
			if !errors.As(err, &oe) || oe.Field != tt.field || !strings.Contains(oe.Reason, tt.reason) {
				t.Errorf("Render() error = %v, want an *OverrideError on %s containing %q", err, tt.field, tt.reason)
			}
		})
	}
	if err := ValidateOverride("sms", "verification", Override{Body: `{{if eq .Code "482913" "705126"}}{{.Code}}{{else}}no code{{end}}`}); err != nil {
		t.Errorf("ValidateOverride(code hidden by a condition) = %v, want nil (only Render can see it)", err)
	}
}

// TestOverrideErrorHidesCode: a template error that quotes a value must
// not carry the code into logs.
func TestOverrideErrorHidesCode(t *testing.T) {
	// The error names the missing field, spelled like this code.
	r := Request{Channel: "sms", Purpose: "verification", Locale: "en", Vars: Vars{Code: "Zq7Kx9", AppName: "Acme", Minutes: 5},
		Override: &Override{Body: `{{.Code}}{{.AppName.Zq7Kx9}}`}}
	_, err := Render(r)
	if err == nil {
		t.Fatal("Render() = nil error, want one")
	}
	if strings.Contains(err.Error(), "Zq7Kx9") {
		t.Errorf("error %q contains the code", err)
	}
	if !strings.Contains(err.Error(), "[code]") {
		t.Errorf("error %q, want the value replaced by [code]", err)
	}
}
