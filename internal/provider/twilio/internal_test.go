package twilio

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The example of Twilio's webhook security documentation, as reproduced
// by its helper libraries' tests: auth token 12345, this URL, these POST
// parameters.
func TestSignatureMatchesTwilioExamples(t *testing.T) {
	const docURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	tests := []struct {
		caller string
		want   string
	}{
		{"+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
	}
	for _, tt := range tests {
		params := url.Values{
			"CallSid": {"CA1234567890ABCDE"}, "Caller": {tt.caller}, "Digits": {"1234"},
			"From": {tt.caller}, "To": {"+18005551212"},
		}
		if got := signature("12345", docURL, params); got != tt.want {
			t.Errorf("signature with Caller %s = %q, want %q", tt.caller, got, tt.want)
		}
	}
}

// Sorting is by parameter name, as documented: "To" comes before
// "ToCity", although "ToCityLONDON" sorts before "Towhatsapp:…" as
// concatenated strings (the order some implementations use by mistake).
func TestSignatureSortsByName(t *testing.T) {
	params := url.Values{"ToCity": {"LONDON"}, "To": {"whatsapp:+447700900123"}}
	want := signatureOf("tok", "https://otpd.example/cb"+"Towhatsapp:+447700900123"+"ToCityLONDON")
	if got := signature("tok", "https://otpd.example/cb", params); got != want {
		t.Errorf("signature = %q, want %q (name order)", got, want)
	}
}

// signatureOf is HMAC-SHA1/base64 of an already concatenated string.
func signatureOf(token, data string) string { return signature(token, data, nil) }

func TestPortVariants(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://otpd.example/cb?x=1", []string{"https://otpd.example/cb?x=1", "https://otpd.example:443/cb?x=1"}},
		{"https://otpd.example:443/cb", []string{"https://otpd.example:443/cb", "https://otpd.example/cb"}},
		{"http://otpd.example/cb", []string{"http://otpd.example/cb", "http://otpd.example:80/cb"}},
		{"http://[::1]:80/cb", []string{"http://[::1]:80/cb", "http://[::1]/cb"}},
		{"https://otpd.example:8443/cb", []string{"https://otpd.example:8443/cb"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, portVariants(tt.in)); diff != "" {
			t.Errorf("portVariants(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSayLanguage(t *testing.T) {
	tests := []struct{ locale, want string }{
		{"en", "en-US"},
		{"en-GB", "en-GB"},
		{"en-SG", "en-US"}, // a region Twilio does not speak: the language's default
		{"ru", "ru-RU"},
		{"ru-KZ", "ru-RU"},
		{"pt-BR", "pt-BR"},
		{"pt-PT", "pt-PT"},
		{"pt", "pt-BR"},
		{"es", "es-ES"},
		{"es-MX", "es-MX"},
		{"es-419", "es-ES"},
		{"fr-CA", "fr-CA"},
		{"fr-CH", "fr-FR"},
		{"de_AT", "de-AT"},
		{"zh", "zh-CN"},
		{"zh-Hant", "zh-TW"},
		{"zh-HK", "zh-HK"},
		{"no", "nb-NO"},
		{"nb", "nb-NO"},
		{"ar", "ar-AE"},
		{"he", "he-IL"},
		{"iw", "he-IL"}, // deprecated code for Hebrew
		{"kk", "en-US"}, // no Kazakh voice
		{"", "en-US"},
		{"not a tag!", "en-US"},
	}
	for _, tt := range tests {
		if got := sayLanguage(tt.locale); got != tt.want {
			t.Errorf("sayLanguage(%q) = %q, want %q", tt.locale, got, tt.want)
		}
	}
}

func TestSayTwiML(t *testing.T) {
	got := sayTwiML("en-GB", `Code <1 & 2> "3" 'four'`)
	want := `<Response><Pause length="1"/><Say language="en-GB">Code &lt;1 &amp; 2&gt; &#34;3&#34; &#39;four&#39;</Say></Response>`
	if got != want {
		t.Errorf("sayTwiML =\n%s\nwant\n%s", got, want)
	}
}

func TestRedactNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"The 'To' number +15005550001 is not a valid phone number.", "The 'To' number [number] is not a valid phone number."},
		{"The 'To' number 5551234567 is not a valid phone number.", "The 'To' number [number] is not a valid phone number."},
		{"Number +44 (20) 7946-0958 is blocked", "Number [number] is blocked"},
		{"Account AC0123456789abcdef0123456789abcdef is suspended", "Account AC0123456789abcdef0123456789abcdef is suspended"},
		{"Too many requests (code 20429)", "Too many requests (code 20429)"},
	}
	for _, tt := range tests {
		if got := redactNumbers(tt.in); got != tt.want {
			t.Errorf("redactNumbers(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 30 ", 30 * time.Second},
		{"-3", 0},
		{"Sat, 01 Mar 2025 12:01:30 GMT", 90 * time.Second},
		{"Sat, 01 Mar 2025 11:59:00 GMT", 0}, // already past
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		code, status int
		want         errorClass
	}{
		{21211, 400, permanent},
		{21610, 400, permanent},
		{21614, 400, permanent},
		{21408, 400, refused},
		{21612, 400, refused},
		{20003, 401, refused},
		{21606, 400, refused},
		{21212, 400, refused},
		{21611, 400, transient},
		{30007, 0, refused},
		{30008, 0, transient},
		{20429, 429, throttled},
		{0, 429, throttled},
		{0, 503, transient},
		{29999, 400, refused}, // an unknown code refused with a 4xx: another provider may take it
		{0, 400, refused},
		{0, 401, refused},
		{0, 403, refused},
		{0, 404, refused},
		{0, 422, refused},
		{0, 408, transient},
		{0, 425, transient},
		{29999, 0, transient}, // a created resource failed with a code otpd does not know
		{0, 500, transient},
		{20500, 500, transient},
	}
	for _, tt := range tests {
		if got := classify(tt.code, tt.status); got != tt.want {
			t.Errorf("classify(%d, %d) = %d, want %d", tt.code, tt.status, got, tt.want)
		}
	}
}
