package templates

import (
	"errors"
	"strings"
	"testing"
)

// FuzzRenderOverride: whatever a project writes, Render neither panics nor
// sends a message without the code; it errors instead.
func FuzzRenderOverride(f *testing.F) {
	for _, seed := range []string{
		"{{.Code}}",
		"{{.AppName}}: {{.Code}}, {{minutes .Minutes}}",
		"{{spell .Code}}",
		"{{if .Code}}{{.Code}}{{else}}none{{end}}",
		"{{with $c := .Code}}{{$c}}{{end}}",
		"{{range 10}}{{end}}",
		`{{define "a"}}{{.Code}}{{end}}{{template "a" .}}`,
		`{{printf "%999999d" 1}}{{.Code}}`,
		"{{with .Code}}{{with slice . 1}}{{.}}{{end}}{{end}}",
		"{{minutes -9223372036854775808}}{{.Code}}",
		"{{slice .Code 1}}",
		"{{.Code",
		"{{/* comment */}}{{.Code}}",
		"{{break}}",
		"",
	} {
		f.Add(seed, "", uint8(0), "en")
	}
	f.Add("{{.Code}}", "{{.AppName}}", uint8(2), "ar")
	f.Add("Code {{.Code}}", "{{.Payee", uint8(2), "ru")
	f.Add("{{spell .Code}}", "", uint8(1), "ja")
	f.Fuzz(func(t *testing.T, body, subject string, ch uint8, locale string) {
		channel := channels[int(ch)%len(channels)]
		r := Request{Channel: channel, Purpose: "transaction", Locale: locale,
			Vars:     Vars{Code: "318274", AppName: "Acme", Minutes: 7, Amount: "9.99 USD", Payee: "Shop"},
			Options:  Options{WebOTPDomain: "example.com"},
			Override: &Override{Body: body, Subject: subject}}
		c, err := Render(r)
		if err != nil {
			var oe *OverrideError
			if !errors.As(err, &oe) {
				t.Fatalf("Render() error %v is not an *OverrideError", err)
			}
			return
		}
		loc := mustCatalog(t).locales[c.Locale]
		if !strings.Contains(c.Body, r.Vars.Code) && !(channel == "voice" && strings.Contains(c.Body, loc.spell(r.Vars.Code))) {
			t.Fatalf("Render(%q) = %q, without the code", body, c.Body)
		}
		if channel == "email" && (c.HTML == "" || c.Subject == "") {
			t.Fatalf("Render(%q) email without HTML or subject: %+v", body, c)
		}
		// Validation runs the same text: it must not panic either, and it
		// explains a refusal with the field.
		if err := ValidateOverride(channel, "transaction", *r.Override); err != nil {
			var oe *OverrideError
			if !errors.As(err, &oe) || (oe.Field != "body" && oe.Field != "subject") {
				t.Fatalf("ValidateOverride(%q) error %v does not name a field", body, err)
			}
		}
	})
}

func mustCatalog(t *testing.T) *catalog {
	t.Helper()
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
