package otp_test

import (
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// A send picks a project's template set by name: its text for the
// message's channel and purpose, else the default set's, else the
// built-in text. Resends keep the set; unknown names are refused.
func TestNamedTemplates(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	pol := otp.DefaultPolicy()
	pol.Messages.Templates = []otp.TemplateOverride{
		{Channel: otp.SMS, Purpose: otp.PurposeVerification, Body: "Default {{.Code}}"},
		{Name: "short", Channel: otp.SMS, Purpose: otp.PurposeVerification, Body: "Short {{.Code}}"},
		{Name: "short", Channel: otp.SMS, Purpose: otp.PurposeVerification, Locale: "ru", Body: "Коротко {{.Code}}"},
		{Name: "promo", Channel: otp.Email, Purpose: otp.PurposeVerification, Body: "Promo {{.Code}}", Subject: "Promo"},
	}
	p, err := f.svc.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P"), Policy: &pol})
	if err != nil {
		t.Fatal(err)
	}
	env := otp.Test
	a, _, err := f.svc.CreateApplication(t.Context(), otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		req      otp.CreateRequest
		wantBody string // the body's prefix; "" for the built-in text
	}{
		{"no name", otp.CreateRequest{Channel: otp.SMS}, "Default "},
		{"default", otp.CreateRequest{Channel: otp.SMS, Template: "default"}, "Default "},
		{"named", otp.CreateRequest{Channel: otp.SMS, Template: "short"}, "Short "},
		{"named, its locale", otp.CreateRequest{Channel: otp.SMS, Template: "short", Locale: "ru"}, "Коротко "},
		{"named set without this channel: the default set's", otp.CreateRequest{Channel: otp.SMS, Template: "promo"}, "Default "},
		{"no override at all: built-in", otp.CreateRequest{Channel: otp.Voice, Template: "short"}, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			to := "+1415555260" + string(rune('0'+i))
			tc.req.To = to
			v, _, err := f.svc.CreateVerification(t.Context(), a, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			body := inbox(t, f, a, to)[0].Body
			if tc.wantBody == "" {
				for _, own := range []string{"Default", "Short", "Promo"} {
					if strings.HasPrefix(body, own) {
						t.Errorf("body %q, want the built-in text", body)
					}
				}
				return
			}
			if !strings.HasPrefix(body, tc.wantBody) {
				t.Errorf("body %q, want it to begin with %q", body, tc.wantBody)
			}
			f.clock.Advance(31e9) // past the resend cooldown
			if _, err := f.svc.Resend(t.Context(), a, v.ID, ""); err != nil {
				t.Fatal(err)
			}
			if body := inbox(t, f, a, to)[0].Body; !strings.HasPrefix(body, tc.wantBody) {
				t.Errorf("resent body %q, want the same template, beginning with %q", body, tc.wantBody)
			}
		})
	}
	for _, name := range []string{"nope", "bad name!", strings.Repeat("x", 65)} {
		_, _, err := f.svc.CreateVerification(t.Context(), a, otp.CreateRequest{To: "+14155552699", Channel: otp.SMS, Template: name})
		if e := otp.ErrorOf(err); e == nil || e.Code != otp.CodeInvalidParameter || e.Field != "template" {
			t.Errorf("template %q: %v, want INVALID_PARAMETER on field template", name, err)
		}
	}
}

func TestTemplateNamesInPolicy(t *testing.T) {
	base := otp.TemplateOverride{Channel: otp.SMS, Purpose: otp.PurposeVerification, Body: "{{.Code}}"}
	named := func(name string) otp.TemplateOverride { o := base; o.Name = name; return o }
	tests := []struct {
		name      string
		templates []otp.TemplateOverride
		wantField string
	}{
		{"one per name", []otp.TemplateOverride{base, named("short"), named("long")}, ""},
		{"default twice under two spellings", []otp.TemplateOverride{base, named("default")}, "policy.messages.templates[1]"},
		{"a name twice", []otp.TemplateOverride{named("short"), named("short")}, "policy.messages.templates[1]"},
		{"a bad name", []otp.TemplateOverride{named("no spaces")}, "policy.messages.templates[0].name"},
		{"a long name", []otp.TemplateOverride{named(strings.Repeat("n", 65))}, "policy.messages.templates[0].name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := otp.DefaultPolicy()
			p.Messages.Templates = tc.templates
			err := p.Validate()
			got := ""
			if e := otp.ErrorOf(err); e != nil {
				got = e.Field
			}
			if got != tc.wantField {
				t.Errorf("Validate() = %v, want an error on field %q", err, tc.wantField)
			}
		})
	}
}
