package otp_test

import (
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// unsafeSamples are characters no tenant name may hold: line breaks,
// other control characters and every bidirectional formatting character.
var unsafeSamples = []rune{'\n', '\r', '\t', 0, 0x1b, 0x7f, 0x85, 0x2028, 0x2029,
	0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C}

// wantUnsafe fails the test unless err refuses field for unsafe characters.
func wantUnsafe(t *testing.T, what string, err error, field string) {
	t.Helper()
	e := otp.ErrorOf(err)
	if e == nil || e.Code != otp.CodeInvalidParameter || e.Field != field || e.Params["reason"] != otp.ReasonUnsafeCharacters {
		t.Errorf("%s: error %v, want INVALID_PARAMETER on %s with reason %s", what, err, field, otp.ReasonUnsafeCharacters)
	}
}

// Every name a tenant sets through the service is refused when it holds
// a control or bidirectional formatting character; a multi-line text
// (description, template body) may hold line breaks but nothing else.
func TestNamesRefuseUnsafeCharacters(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ctx := t.Context()
	a, _ := f.newApp(t, otp.Test)
	p, err := f.svc.GetProject(ctx, a.ProjectID)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := f.svc.CreateDeveloper(ctx, otp.DeveloperInput{Email: ptr("dev@example.com"), Password: ptr("correct horse battery")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range unsafeSamples {
		bad := "Bank" + string(r) + "moc.evil"
		env := otp.Test
		_, err := f.svc.CreateProject(ctx, otp.ProjectInput{Name: &bad})
		wantUnsafe(t, "create project name", err, "name")
		_, err = f.svc.UpdateProject(ctx, p.ID, otp.ProjectInput{Name: &bad})
		wantUnsafe(t, "update project name", err, "name")
		_, _, err = f.svc.CreateApplication(ctx, otp.ApplicationInput{Name: &bad, ProjectID: &p.ID, Environment: &env})
		wantUnsafe(t, "create application name", err, "name")
		_, err = f.svc.UpdateApplication(ctx, a.ID, otp.ApplicationInput{Name: &bad})
		wantUnsafe(t, "update application name", err, "name")
		_, err = f.svc.CreateDeveloper(ctx, otp.DeveloperInput{Email: ptr("other@example.com"), Password: ptr("correct horse battery"), Name: &bad})
		wantUnsafe(t, "developer name", err, "name")
		_, err = f.svc.UpdateMe(otp.WithPrincipal(ctx, otp.Principal{Developer: dev}), otp.DeveloperInput{Company: &bad})
		wantUnsafe(t, "developer company", err, "company")
		_, _, err = f.svc.CreateAPIKey(ctx, a.ID, otp.APIKeyInput{Name: bad, Scope: otp.ScopeFull})
		wantUnsafe(t, "API key name", err, "name")
		_, _, err = f.svc.CreateVerification(ctx, a, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS, Purpose: otp.PurposeTransaction,
			Transaction: &otp.Transaction{Amount: "10 EUR", Payee: bad}})
		wantUnsafe(t, "transaction payee", err, "transaction.payee")
		if r != '\n' {
			_, err = f.svc.UpdateProject(ctx, p.ID, otp.ProjectInput{Description: &bad})
			wantUnsafe(t, "project description", err, "description")
		}
	}

	// Line breaks are the one control character a description may hold,
	// and what passes is kept as it was given.
	desc := "first line\nsecond line"
	got, err := f.svc.UpdateProject(ctx, p.ID, otp.ProjectInput{Description: &desc})
	if err != nil || got.Description != desc {
		t.Fatalf("description with a line break: %v, %v", got, err)
	}
	// Letters of right-to-left scripts are not formatting characters.
	name := "בנק שלי مصرفي"
	if _, err := f.svc.UpdateApplication(ctx, a.ID, otp.ApplicationInput{Name: &name}); err != nil {
		t.Errorf("Hebrew and Arabic name refused: %v", err)
	}
}

// A project's template override is refused when its body holds a control
// character other than a line break, or a bidirectional formatting
// character; its subject (a mail header) holds neither.
func TestTemplateOverridesRefuseUnsafeCharacters(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	for _, r := range unsafeSamples {
		for _, tc := range []struct {
			field string
			tmpl  otp.TemplateOverride
		}{
			{"body", otp.TemplateOverride{Channel: otp.SMS, Purpose: otp.PurposeVerification, Body: "Your code " + string(r) + "{{.Code}}"}},
			{"subject", otp.TemplateOverride{Channel: otp.Email, Purpose: otp.PurposeVerification, Body: "Code {{.Code}}", Subject: "Code" + string(r) + "x"}},
		} {
			if tc.field == "body" && r == '\n' {
				continue
			}
			pol := otp.DefaultPolicy()
			pol.Messages.Templates = []otp.TemplateOverride{tc.tmpl}
			_, err := f.svc.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P"), Policy: &pol})
			wantUnsafe(t, tc.field, err, "policy.messages.templates[0]."+tc.field)
		}
	}
	pol := otp.DefaultPolicy()
	pol.Messages.Templates = []otp.TemplateOverride{{Channel: otp.SMS, Purpose: otp.PurposeVerification, Body: "Your code:\n{{.Code}}"}}
	if _, err := f.svc.CreateProject(t.Context(), otp.ProjectInput{Name: ptr("P"), Policy: &pol}); err != nil {
		t.Errorf("SMS body with a line break refused: %v", err)
	}
}

// Names stored before the rule, and what a template writes through an
// escape its source does not show, are stripped from the message.
func TestMessagesStripUnsafeCharacters(t *testing.T) {
	f := newFixture(t, otp.Limits{})
	ctx := t.Context()
	pol := otp.DefaultPolicy()
	pol.Messages.Templates = []otp.TemplateOverride{
		{Channel: otp.SMS, Purpose: otp.PurposeVerification, Body: "{{.AppName}}: {{.Code}}\n{{\"\\u202Elive\\u202C\"}}"},
	}
	p, err := f.svc.CreateProject(ctx, otp.ProjectInput{Name: ptr("P"), Policy: &pol})
	if err != nil {
		t.Fatal(err)
	}
	env := otp.Test
	a, _, err := f.svc.CreateApplication(ctx, otp.ApplicationInput{Name: ptr("A"), ProjectID: &p.ID, Environment: &env})
	if err != nil {
		t.Fatal(err)
	}
	// A name written before names were checked.
	a.Name = "Bank\u202Elive\r\nCall +1 555"
	if err := f.store.UpdateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	stored, err := f.svc.GetApplication(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateVerification(ctx, stored, otp.CreateRequest{To: "+14155552671", Channel: otp.SMS}); err != nil {
		t.Fatal(err)
	}
	body := inbox(t, f, stored, "+14155552671")[0].Body
	if strings.ContainsFunc(body, func(r rune) bool { return r != '\n' && (r < 0x20 || r >= 0x2000 && r <= 0x206F) }) {
		t.Errorf("body %q holds control or formatting characters", body)
	}
	if !strings.HasPrefix(body, "BankliveCall +1 555: ") || !strings.HasSuffix(body, "\nlive") {
		t.Errorf("body %q, want the name and the template's text without the unsafe characters", body)
	}
}

func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"Acme":                          "Acme",
		"Acme\nInc":                     "AcmeInc",
		"\u202Emoc.knab\u202C":          "moc.knab",
		"a\u2066b\u2069c\u200Fd":        "abcd",
		"Café ☕ مصرف":                   "Café ☕ مصرف",
		"tab\there\x00\x1b[31mred":      "tabhere[31mred",
		"line\u2028sep\u2029para\u061C": "lineseppara",
	} {
		if got := otp.SafeText(in); got != want {
			t.Errorf("SafeText(%q) = %q, want %q", in, got, want)
		}
	}
}
