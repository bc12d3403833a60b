package templates

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

var testVars = Vars{Code: "482913", AppName: "Acme", Minutes: 10, Amount: "25.00 EUR", Payee: "Globex Shop"}

// rawText is the unparsed text of a locale key, to know which variables it
// uses.
func rawText(t *testing.T, locale, key string) string {
	t.Helper()
	files := readLocaleFiles(t)
	s, ok := files[locale][key]
	if !ok {
		t.Fatalf("%s has no %s", locale, key)
	}
	return s
}

// mainKeys are the locale texts a channel's body is made of, the share
// line aside.
func mainKeys(channel, purpose string) []string {
	switch channel {
	case "voice":
		return []string{"voice." + purpose, "voice.repeat"}
	case "email":
		return []string{"email.intro." + purpose, "email.subject." + purpose}
	default:
		return []string{"sms." + purpose}
	}
}

func TestRenderEveryLocaleChannelPurpose(t *testing.T) {
	files := readLocaleFiles(t)
	for _, locale := range Locales() {
		for _, channel := range channels {
			for _, purpose := range purposes {
				c, err := Render(Request{Channel: channel, Purpose: purpose, Locale: locale, Vars: testVars})
				if err != nil {
					t.Errorf("%s %s %s: %v", locale, channel, purpose, err)
					continue
				}
				name := locale + " " + channel + " " + purpose
				if c.Locale != locale {
					t.Errorf("%s: Locale = %s", name, c.Locale)
				}
				text := c.Body + "\n" + c.Subject
				if channel == "voice" {
					spelled := strings.Join(strings.Split(testVars.Code, ""), files[locale]["meta.digit_gap"])
					if n := strings.Count(c.Body, spelled); n != 2 {
						t.Errorf("%s: %q says the spelled code %q %d times, want 2", name, c.Body, spelled, n)
					}
				} else if !strings.Contains(c.Body, testVars.Code) {
					t.Errorf("%s: %q lacks the code", name, c.Body)
				}
				var uses string
				for _, k := range mainKeys(channel, purpose) {
					uses += files[locale][k]
				}
				if strings.Contains(uses, "{{.AppName}}") && !strings.Contains(text, testVars.AppName) {
					t.Errorf("%s: %q lacks the app name", name, text)
				}
				if !strings.Contains(uses, "{{.AppName}}") && purpose != "transaction" {
					t.Errorf("%s: the texts %q do not name the app", name, uses)
				}
				if purpose == "transaction" && (!strings.Contains(c.Body, testVars.Amount) || !strings.Contains(c.Body, testVars.Payee)) {
					t.Errorf("%s: %q lacks the amount or the payee", name, c.Body)
				}
				if !strings.Contains(c.Body, files[locale]["share"]) {
					t.Errorf("%s: %q lacks the share line", name, c.Body)
				}
				if strings.Contains(text, "{{") || strings.Contains(text, "<no value>") {
					t.Errorf("%s: %q has template residue", name, text)
				}
				if channel == "email" {
					if c.Subject == "" || !strings.Contains(c.HTML, ">"+testVars.Code+"<") || !strings.Contains(c.HTML, `lang="`+locale+`"`) {
						t.Errorf("%s: subject %q, HTML lacks code or lang:\n%s", name, c.Subject, c.HTML)
					}
				} else if c.Subject != "" || c.HTML != "" {
					t.Errorf("%s: subject %q and HTML %q, want none", name, c.Subject, c.HTML)
				}
			}
		}
	}
}

func TestNoShareLine(t *testing.T) {
	files := readLocaleFiles(t)
	for _, locale := range Locales() {
		share := files[locale]["share"]
		for _, channel := range channels {
			c, err := Render(Request{Channel: channel, Purpose: "two_factor", Locale: locale, Vars: testVars, Options: Options{NoShareLine: true}})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(c.Body, share) || strings.Contains(c.HTML, share) {
				t.Errorf("%s %s with NoShareLine: %q still has %q", locale, channel, c.Body, share)
			}
		}
	}
}

// TestRenderTexts pins whole messages in the first-class locales.
func TestRenderTexts(t *testing.T) {
	tests := []struct {
		name string
		r    Request
		want Content
	}{
		{
			name: "en sms",
			r:    Request{Channel: "sms", Purpose: "verification", Locale: "en", Vars: testVars},
			want: Content{Locale: "en", Body: "482913 is your Acme verification code. It expires in 10 minutes. Don't share it with anyone."},
		},
		{
			name: "en sms transaction",
			r:    Request{Channel: "sms", Purpose: "transaction", Locale: "en", Vars: Vars{Code: "123456", AppName: "Bank", Minutes: 5, Amount: "25.00 EUR", Payee: "ACME"}},
			want: Content{Locale: "en", Body: "123456 is your Bank code to confirm the payment of 25.00 EUR to ACME. It expires in 5 minutes. Don't share it with anyone."},
		},
		{
			name: "ru sms",
			r:    Request{Channel: "sms", Purpose: "verification", Locale: "ru", Vars: Vars{Code: "482913", AppName: "Acme", Minutes: 21}},
			want: Content{Locale: "ru", Body: "482913 — ваш код подтверждения Acme. Действует 21 минуту. Никому не сообщайте этот код."},
		},
		{
			name: "ru sms transaction",
			r:    Request{Channel: "sms", Purpose: "transaction", Locale: "ru", Vars: Vars{Code: "123456", AppName: "Банк", Minutes: 5, Amount: "25.00 EUR", Payee: "ACME"}},
			want: Content{Locale: "ru", Body: "123456 — код Банк для подтверждения платежа 25.00 EUR, получатель: ACME. Действует 5 минут. Никому не сообщайте этот код."},
		},
		{
			name: "en voice spells the code twice",
			r:    Request{Channel: "voice", Purpose: "two_factor", Locale: "en", Vars: testVars},
			want: Content{Locale: "en", Body: "Your Acme sign-in code is: 4, 8, 2, 9, 1, 3. Don't share it with anyone. I repeat: 4, 8, 2, 9, 1, 3."},
		},
		{
			name: "ru voice",
			r:    Request{Channel: "voice", Purpose: "verification", Locale: "ru", Vars: testVars, Options: Options{NoShareLine: true}},
			want: Content{Locale: "ru", Body: "Ваш код подтверждения Acme: 4, 8, 2, 9, 1, 3. Повторяю: 4, 8, 2, 9, 1, 3."},
		},
		{
			name: "ja voice has no spaces between sentences",
			r:    Request{Channel: "voice", Purpose: "verification", Locale: "ja", Vars: Vars{Code: "12-34", AppName: "Acme", Minutes: 3}},
			want: Content{Locale: "ja", Body: "Acme の確認コードは、1、2、3、4 です。このコードは誰にも教えないでください。もう一度繰り返します。1、2、3、4。"},
		},
		{
			name: "telegram reuses the SMS text without auto-fill lines",
			r:    Request{Channel: "telegram", Purpose: "verification", Locale: "en", Vars: testVars, Options: Options{SMSAppHash: "FA+9qCX9VSu", WebOTPDomain: "example.com"}},
			want: Content{Locale: "en", Body: "482913 is your Acme verification code. It expires in 10 minutes. Don't share it with anyone."},
		},
		{
			name: "whatsapp reuses the SMS text",
			r:    Request{Channel: "whatsapp", Purpose: "password_reset", Locale: "ru", Vars: testVars},
			want: Content{Locale: "ru", Body: "482913 — ваш код для сброса пароля в Acme. Действует 10 минут. Никому не сообщайте этот код."},
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

func TestRenderEmail(t *testing.T) {
	c, err := Render(Request{Channel: "email", Purpose: "verification", Locale: "en", Vars: testVars})
	if err != nil {
		t.Fatal(err)
	}
	wantBody := "Enter this code to verify your email address with Acme:\n\n482913\n\nThe code expires in 10 minutes. Don't share it with anyone.\n\nIf you didn't ask for this code, you can ignore this email.\n"
	if c.Subject != "Your Acme verification code" {
		t.Errorf("Subject = %q", c.Subject)
	}
	if c.Body != wantBody {
		t.Errorf("Body = %q, want %q", c.Body, wantBody)
	}
	for _, want := range []string{
		`<html lang="en" dir="ltr">`,
		`<title>Your Acme verification code</title>`,
		`font-family:ui-monospace`,
		`font-size:32px`,
		`>482913</p>`,
		`role="presentation"`,
		`Don&#39;t share it with anyone.`,
	} {
		if !strings.Contains(c.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, c.HTML)
		}
	}
}

func TestRenderEmailEscapesAppName(t *testing.T) {
	v := testVars
	v.AppName = `<script>alert("x")</script>`
	v.Payee = `<img src=x onerror=alert(1)>`
	for _, purpose := range purposes {
		c, err := Render(Request{Channel: "email", Purpose: purpose, Locale: "en", Vars: v})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.HTML, "<script") || strings.Contains(c.HTML, "<img") {
			t.Errorf("%s: HTML has markup from a variable:\n%s", purpose, c.HTML)
		}
		if purpose != "transaction" && !strings.Contains(c.HTML, "&lt;script&gt;") {
			t.Errorf("%s: HTML lacks the escaped app name:\n%s", purpose, c.HTML)
		}
		// The text parts are plain text: no escaping there.
		if purpose == "verification" && !strings.Contains(c.Subject, v.AppName) {
			t.Errorf("%s: Subject = %q, want the app name as is", purpose, c.Subject)
		}
	}
}

func TestRenderEmailDirection(t *testing.T) {
	for _, locale := range Locales() {
		c, err := Render(Request{Channel: "email", Purpose: "verification", Locale: locale, Vars: testVars})
		if err != nil {
			t.Fatal(err)
		}
		dir := "ltr"
		if locale == "ar" || locale == "he" {
			dir = "rtl"
		}
		if want := `<html lang="` + locale + `" dir="` + dir + `">`; !strings.Contains(c.HTML, want) {
			t.Errorf("%s: HTML lacks %q", locale, want)
		}
		// The code reads left to right even in right-to-left text.
		if !strings.Contains(c.HTML, `<p dir="ltr"`) {
			t.Errorf("%s: the code box is not marked dir=ltr", locale)
		}
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	v := testVars
	v.AppName = "Acme\r\nBcc: victim@example.com"
	c, err := Render(Request{Channel: "email", Purpose: "verification", Locale: "en", Vars: v})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(c.Subject, "\r\n") {
		t.Errorf("Subject = %q, want a single line", c.Subject)
	}
}

// gsm7Septets is the length of s in GSM 03.38 septets, or -1 when s needs
// UCS-2.
func gsm7Septets(s string) int {
	const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	const extension = "\f^{}\\[~]|€"
	n := 0
	for _, r := range s {
		switch {
		case strings.ContainsRune(basic, r):
			n++
		case strings.ContainsRune(extension, r):
			n += 2
		default:
			return -1
		}
	}
	return n
}

// TestSMSLength: with an app name of 20 characters, Latin-script locales
// whose alphabet GSM-7 has fit one 160-character segment; the others fit
// two UCS-2 segments (134 UTF-16 units), three for a transaction.
func TestSMSLength(t *testing.T) {
	gsm := map[string]bool{"en": true, "de": true, "fr": true, "it": true, "nl": true, "sv": true, "id": true, "uz": true}
	v := Vars{Code: "482913", AppName: "Abcdefghij Klmnopqrs", Minutes: 10, Amount: "125.00 EUR", Payee: "ACME"}
	for _, locale := range Locales() {
		for _, purpose := range purposes {
			c, err := Render(Request{Channel: "sms", Purpose: purpose, Locale: locale, Vars: v})
			if err != nil {
				t.Fatal(err)
			}
			septets := gsm7Septets(c.Body)
			units := len(utf16.Encode([]rune(c.Body)))
			switch {
			case gsm[locale] && (septets < 0 || septets > 160):
				t.Errorf("%s %s: %d septets (-1: not GSM-7), want one segment: %q", locale, purpose, septets, c.Body)
			case !gsm[locale] && purpose != "transaction" && units > 134:
				t.Errorf("%s %s: %d UTF-16 units, want at most two UCS-2 segments: %q", locale, purpose, units, c.Body)
			case !gsm[locale] && units > 201:
				t.Errorf("%s %s: %d UTF-16 units, want at most three UCS-2 segments: %q", locale, purpose, units, c.Body)
			}
		}
	}
}

func TestRenderLocale(t *testing.T) {
	tests := []struct{ requested, want string }{
		{"", "en"},
		{"ru", "ru"},
		{"ru-RU", "ru"},
		{"pt", "pt-BR"},
		{"pt-AO", "pt-PT"},
		{"zh-TW", "zh-Hant"},
		{"sw", "en"},
		{"not a tag", "en"},
	}
	for _, tt := range tests {
		c, err := Render(Request{Channel: "sms", Purpose: "verification", Locale: tt.requested, Vars: testVars})
		if err != nil {
			t.Fatal(err)
		}
		if c.Locale != tt.want {
			t.Errorf("Render(Locale: %q).Locale = %s, want %s", tt.requested, c.Locale, tt.want)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	ok := Request{Channel: "sms", Purpose: "transaction", Locale: "en", Vars: testVars}
	tests := []struct {
		name string
		edit func(r *Request)
		want string
	}{
		{"unknown channel", func(r *Request) { r.Channel = "fax" }, `unknown channel "fax"`},
		{"unknown purpose", func(r *Request) { r.Purpose = "signup" }, `unknown purpose "signup"`},
		{"no code", func(r *Request) { r.Vars.Code = "" }, "code is required"},
		{"code with a space", func(r *Request) { r.Vars.Code = "123 456" }, "space or a control character"},
		{"code with a newline", func(r *Request) { r.Vars.Code = "123\n456" }, "space or a control character"},
		{"code not UTF-8", func(r *Request) { r.Vars.Code = "12\xff" }, "not valid UTF-8"},
		{"code too long", func(r *Request) { r.Vars.Code = strings.Repeat("1", 65) }, "longer than 64"},
		{"no minutes", func(r *Request) { r.Vars.Minutes = 0 }, "minutes must be at least 1"},
		{"transaction without payee", func(r *Request) { r.Vars.Payee = " " }, "amount and a payee"},
		{"transaction without amount", func(r *Request) { r.Vars.Amount = "" }, "amount and a payee"},
		{"bad app hash", func(r *Request) { r.Options.SMSAppHash = "short" }, "app hash"},
		{"bad WebOTP domain", func(r *Request) { r.Options.WebOTPDomain = "https://example.com" }, "WebOTP domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.edit(&r)
			_, err := Render(r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Render() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Render(ok); err != nil {
		t.Errorf("Render(valid) = %v", err)
	}
	// Other purposes need no amount or payee.
	if _, err := Render(Request{Channel: "sms", Purpose: "verification", Vars: Vars{Code: "1234", Minutes: 1}}); err != nil {
		t.Errorf("Render(verification without amount) = %v", err)
	}
}
