package vonage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/vonage"
	"github.com/otpd/otpd/internal/provider/vonage/vonagetest"
)

func voiceMessage() otp.OutgoingMessage {
	return otp.OutgoingMessage{
		ID: "dlv_0192a3b4c5d6e7f8091a2b3c4d5e6f71", To: "+447700900123", Channel: otp.Voice, Locale: "en",
		Code: "482913", Body: "Your Acme code is 4, 8, 2, 9, 1, 3. Again: 4, 8, 2, 9, 1, 3.",
	}
}

func TestCall(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, func(c *vonage.Config) { c.VoiceEventURL = "https://otpd.example.com/callbacks/vonage" })
	before := time.Now().Unix()
	res, err := p.Send(t.Context(), voiceMessage())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	calls := fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("fake received %d calls, want 1", len(calls))
	}
	got := calls[0]
	if want := (otp.SendResult{Provider: "vonage-test", ProviderMessageID: got.UUID}); res != want {
		t.Errorf("Send = %+v, want %+v", res, want)
	}
	want := vonagetest.Call{
		UUID: got.UUID,
		To:   []vonagetest.Endpoint{{Type: "phone", Number: "447700900123"}},
		From: vonagetest.Endpoint{Type: "phone", Number: "447700900001"},
		NCCO: []vonagetest.Action{{Action: "talk", Text: voiceMessage().Body, Language: "en-US"}},
		// Body already repeats the code: no loop.
		EventURL: []string{"https://otpd.example.com/callbacks/vonage"},
		Claims:   vonagetest.Claims{ApplicationID: vonagetest.DefaultApplicationID},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(vonagetest.Claims{}, "IssuedAt", "Expires", "ID")); diff != "" {
		t.Errorf("call received (-want +got):\n%s", diff)
	}
	if got.Claims.IssuedAt < before || got.Claims.Expires <= got.Claims.IssuedAt || got.Claims.ID == "" {
		t.Errorf("JWT claims = %+v, want a current iat, a later exp and a jti", got.Claims)
	}

	// Each request signs a fresh token.
	if _, err := p.Send(t.Context(), voiceMessage()); err != nil {
		t.Fatalf("second Send: %v", err)
	}
	if calls := fake.Calls(); calls[0].Claims.ID == calls[1].Claims.ID {
		t.Errorf("two calls share jti %q", calls[0].Claims.ID)
	}
}

func TestCallWithPKCS1Key(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, func(c *vonage.Config) { c.PrivateKey = pkcs1PEM(fake) })
	if _, err := p.Send(t.Context(), voiceMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func TestCallLanguage(t *testing.T) {
	tests := []struct{ locale, want string }{
		{"en", "en-US"},
		{"en-GB", "en-GB"},
		{"en-NZ", "en-AU"},
		{"ru", "ru-RU"},
		{"ru-RU", "ru-RU"},
		{"de-AT", "de-DE"},
		{"es", "es-ES"},
		{"es-419", "es-MX"},
		{"es-US", "es-US"},
		{"pt", "pt-BR"},
		{"pt-PT", "pt-PT"},
		{"fr-CA", "fr-CA"},
		{"zh", "cmn-CN"},
		{"zh-Hant", "cmn-TW"},
		{"zh-TW", "cmn-TW"},
		{"zh-HK", "yue-CN"},
		{"nb", "nb-NO"},
		{"no", "nb-NO"},
		{"iw", "he-IL"},
		{"ar-EG", "ar"},
		{"uk", "uk-UA"},
		{"sw", "en-US"},
		{"", "en-US"},
		{"not a locale", "en-US"},
	}
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, nil)
	for i, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			m := voiceMessage()
			m.Locale = tt.locale
			if _, err := p.Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := fake.Calls()[i].NCCO[0].Language; got != tt.want {
				t.Errorf("language for %q = %q, want %q", tt.locale, got, tt.want)
			}
		})
	}
}

func TestCallCallerID(t *testing.T) {
	tests := []struct {
		name     string
		allow    bool
		callerID string
		want     string
	}{
		{"allowed number", true, "+14155550100", "14155550100"},
		{"not allowed", false, "+14155550100", "447700900001"},
		{"alphanumeric cannot call", true, "Globex", "447700900001"},
		{"none requested", true, "", "447700900001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			p := newProvider(t, fake, func(c *vonage.Config) { c.AllowCallerID = tt.allow })
			m := voiceMessage()
			m.CallerID = tt.callerID
			if _, err := p.Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := fake.Calls()[0].From.Number; got != tt.want {
				t.Errorf("from.number = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCallVoiceFromDefaultsToFrom(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	p := newProvider(t, fake, func(c *vonage.Config) { c.From, c.VoiceFrom = "+447700900002", "" })
	if _, err := p.Send(t.Context(), voiceMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := fake.Calls()[0].From.Number; got != "447700900002" {
		t.Errorf("from.number = %q, want 447700900002", got)
	}
}

func TestCallErrors(t *testing.T) {
	tests := []struct {
		name       string
		failure    vonagetest.Failure
		edit       func(*vonage.Config)
		timeout    time.Duration
		class      string // transient, refused or permanent
		code       string
		retryAfter time.Duration
	}{
		{name: "invalid destination", class: "permanent", code: "400", failure: vonagetest.Failure{HTTPStatus: 400, Problem: &vonagetest.Problem{
			Type: "https://developer.nexmo.com/api-errors#invalid-params", Title: "Bad Request",
			InvalidParameters: []vonagetest.InvalidParameter{{Name: "to[0].number", Reason: "447700900123 is not a valid number"}},
		}}},
		{name: "invalid caller id", class: "refused", code: "400", failure: vonagetest.Failure{HTTPStatus: 400, Problem: &vonagetest.Problem{
			Type: "https://developer.nexmo.com/api-errors#invalid-params", Title: "Bad Request",
			InvalidParameters: []vonagetest.InvalidParameter{{Name: "from.number", Reason: "not a number you own"}},
		}}},
		{name: "bad request without detail", class: "refused", code: "400", failure: vonagetest.Failure{HTTPStatus: 400}},
		{name: "wrong private key", class: "refused", code: "401", edit: func(c *vonage.Config) { c.PrivateKey = otherKeyPEM(t) }},
		{name: "wrong application", class: "refused", code: "401", edit: func(c *vonage.Config) { c.ApplicationID = "bbbbbbbb-bbbb-cccc-dddd-0123456789ab" }},
		{name: "forbidden", class: "refused", code: "403", failure: vonagetest.Failure{HTTPStatus: 403, Problem: &vonagetest.Problem{
			Type: "https://developer.nexmo.com/api-errors#forbidden", Title: "Forbidden"}}},
		{name: "low balance", class: "refused", code: "402", failure: vonagetest.Failure{HTTPStatus: 402, Problem: &vonagetest.Problem{
			Type: "https://developer.nexmo.com/api-errors#low-balance", Title: "Low balance"}}},
		{name: "throttled", class: "transient", code: "429", retryAfter: 3 * time.Second, failure: vonagetest.Failure{HTTPStatus: 429, RetryAfter: "3"}},
		{name: "server error", class: "transient", code: "500", failure: vonagetest.Failure{HTTPStatus: 500}},
		{name: "unavailable", class: "transient", code: "503", failure: vonagetest.Failure{HTTPStatus: 503}},
		{name: "malformed", class: "transient", failure: vonagetest.Failure{Malformed: true}},
		{name: "timeout", class: "transient", timeout: 50 * time.Millisecond, failure: vonagetest.Failure{Delay: time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vonagetest.NewServer(t, vonagetest.Options{})
			if tt.failure != (vonagetest.Failure{}) {
				fake.FailNext(vonagetest.PathCalls, tt.failure)
			}
			p := newProvider(t, fake, func(c *vonage.Config) {
				c.Timeout = tt.timeout
				if tt.edit != nil {
					tt.edit(c)
				}
			})
			_, err := p.Send(t.Context(), voiceMessage())
			pe := providerError(t, err)
			if got := classOf(pe); got != tt.class {
				t.Errorf("classified %s, want %s (%v)", got, tt.class, err)
			}
			if pe.Code != tt.code {
				t.Errorf("Code = %q, want %q", pe.Code, tt.code)
			}
			if pe.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, tt.retryAfter)
			}
			if n := len(fake.Calls()); n != 0 {
				t.Errorf("fake recorded %d calls, want none", n)
			}
		})
	}
}

func TestCallErrorHidesNumber(t *testing.T) {
	fake := vonagetest.NewServer(t, vonagetest.Options{})
	fake.FailNext(vonagetest.PathCalls, vonagetest.Failure{HTTPStatus: 400, Problem: &vonagetest.Problem{
		Title: "Bad Request", Detail: "Cannot call 447700900123",
		InvalidParameters: []vonagetest.InvalidParameter{{Name: "to", Reason: "+447700900123 is unreachable"}},
	}})
	_, err := newProvider(t, fake, nil).Send(t.Context(), voiceMessage())
	providerError(t, err) // fails when the message holds the number
	if strings.Contains(err.Error(), "7700900") {
		t.Errorf("error %q contains the phone number", err)
	}
}
