package kodmobi

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// FuzzInput reads arbitrary bodies (JSON or forms) and query strings as
// kod.mobi's endpoints read their parameters: a body that cannot be read
// is a 4xx error; a field is a string when it is a JSON string or number
// (as written) and a wrong_type error naming it otherwise; a boolean is
// one of Laravel's forms; a query parameter is always its first value;
// and a legacy phone 8XXXXXXXXXX becomes +7XXXXXXXXXX and nothing else
// changes.
func FuzzInput(f *testing.F) {
	for _, body := range []string{
		`{"to":"+79991234567","type":"sms","send":false}`, `{"session_id":"01JDR7Q3M4A9F8V6T5S2K1H0GX","type":"whatsapp"}`,
		`{"session_id":"01JDR7Q3M4A9F8V6T5S2K1H0GX","code":"12345"}`, `{"verify_token":"vt_x"}`,
		`{"to":"+79991234567","channel":"sms","provider_id":1,"code":"1234","callback_url":"https://example.com/cb"}`,
		`{"to":79991234567,"send":"1","code":12345}`, `{"send":"yes"}`, `{"send":2}`, `{"to":["x"]}`, `{"to":null}`,
		`[]`, `null`, `{"to":"x"} {}`, "", "to=%2B79991234567&type=sms&send=0", "to=8+(999)+123-45-67",
	} {
		f.Add(body, "application/json", "to=8+(999)+123-45-67&type=sms&lang=ru")
		f.Add(body, "application/x-www-form-urlencoded", "session_id=x&code=1")
	}
	fields := []string{"to", "type", "send", "session_id", "code", "provider_id", "verify_token", "channel", "callback_url"}
	f.Fuzz(func(t *testing.T, body, contentType, rawQuery string) {
		r := httptest.NewRequest("POST", "/v2/create", strings.NewReader(body))
		r.URL.RawQuery = rawQuery
		r.Header.Set("Content-Type", contentType)
		in, err := bodyInput(httptest.NewRecorder(), r)
		if err != nil {
			e := otp.ErrorOf(err)
			if e == nil || e.Message == "" {
				t.Fatalf("bodyInput(%q, %q) error %v", body, contentType, err)
			}
			if status, sys := sysOf(e); status < 400 || status >= 500 || sys != sysBadRequest {
				t.Fatalf("bodyInput(%q, %q) error %v is %d %s", body, contentType, err, status, sys)
			}
		}
		for _, name := range fields {
			checkField(t, in, name)
		}
		q, _ := url.ParseQuery(rawQuery)
		qin := queryInput(r.URL.Query())
		for name := range q {
			// A parameter is a JSON string, so an invalid UTF-8 byte is U+FFFD.
			want := string([]rune(r.URL.Query().Get(name)))
			if s, err := qin.str(name); err != nil || s != want {
				t.Errorf("query %q: %s = %q, %v; want %q", rawQuery, name, s, err, want)
			}
		}
		checkLegacyPhone(t, body)
		checkLegacyPhone(t, rawQuery)
	})
}

// checkField checks what str and boolean make of in's field name.
func checkField(t *testing.T, in input, name string) {
	raw, present := in[name]
	var v any
	if present && json.Unmarshal(raw, &v) != nil {
		t.Fatalf("field %s: %q is not JSON", name, raw)
	}
	s, err := in.str(name)
	switch v := v.(type) {
	case nil:
		if err != nil || s != "" {
			t.Errorf("field %s = %s: str = %q, %v; want \"\"", name, raw, s, err)
		}
	case string:
		if err != nil || s != v {
			t.Errorf("field %s = %s: str = %q, %v; want %q", name, raw, s, err, v)
		}
	case float64:
		if err != nil || s != strings.TrimSpace(string(raw)) {
			t.Errorf("field %s = %s: str = %q, %v; want the number as written", name, raw, s, err)
		}
	default:
		if e := otp.ErrorOf(err); e == nil || e.Key != "wrong_type" || e.Field != name || !strings.HasPrefix(e.Message, name+" ") {
			t.Errorf("field %s = %s: str = %q, %v; want wrong_type", name, raw, s, err)
		}
	}
	b, err := in.boolean(name, true)
	want, ok := true, true
	switch v := v.(type) {
	case nil:
	case bool:
		want = v
	case float64:
		want, ok = v == 1, v == 0 || v == 1
	case string:
		switch strings.ToLower(v) {
		case "true", "1":
		case "false", "0":
			want = false
		default:
			ok = false
		}
	default:
		ok = false
	}
	if !ok {
		if e := otp.ErrorOf(err); e == nil || e.Key != "wrong_type" || e.Field != name {
			t.Errorf("field %s = %s: boolean = %v, %v; want wrong_type", name, raw, b, err)
		}
	} else if err != nil || b != want {
		t.Errorf("field %s = %s: boolean = %v, %v; want %v", name, raw, b, err, want)
	}
}

// checkLegacyPhone: legacyPhone changes only 8 and ten digits (with
// spaces, dashes and brackets) into +7 and the ten digits.
func checkLegacyPhone(t *testing.T, to string) {
	got := legacyPhone(to)
	if got == to {
		return
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, to)
	if got != "+7"+strings.TrimPrefix(digits, "8") || len(digits) != 11 || digits[0] != '8' || strings.Trim(to, "0123456789 -()") != "" {
		t.Errorf("legacyPhone(%q) = %q", to, got)
	}
	if again := legacyPhone(got); again != got {
		t.Errorf("legacyPhone(%q) = %q, not itself", got, again)
	}
}
