package api_test

import (
	"fmt"
	"testing"
)

// TestGeoSettingsAPI: GET shows a project's geo settings (every country,
// the default number types), PUT replaces them, and sends are refused
// where they say with 403 and the details a client needs, in English and
// Russian; the other channels and countries keep sending.
func TestGeoSettingsAPI(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("geo")
	app := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": p, "environment": "test"}), 201).data()
	key := app["apiKey"].(string)
	path := "/v1/projects/" + p + "/fraud/geo"

	got := h.mustStatus(h.do("GET", path, adminToken, nil), 200).data()
	if s := fmt.Sprint(got); s != "map[geo:map[default:map[countries:[] mode:all prefixes:[]] sms:<nil> telegram:<nil> voice:<nil> whatsapp:<nil>] numberTypes:map[allowed:[mobile fixed_line fixed_line_or_mobile voip]]]" {
		t.Errorf("a new project's geo settings: %s", s)
	}

	body := map[string]any{
		"geo": map[string]any{
			"default": map[string]any{"mode": "allow", "countries": []string{"GB", "US"}, "prefixes": []any{map[string]any{"prefix": "+44740", "action": "deny"}}},
			"voice":   map[string]any{"mode": "deny", "countries": []string{"US"}},
		},
		"numberTypes": map[string]any{"allowed": []string{"mobile", "fixed_line_or_mobile"}},
	}
	put := h.mustStatus(h.do("PUT", path, adminToken, body), 200).data()
	again := h.mustStatus(h.do("GET", path, adminToken, nil), 200).data()
	if fmt.Sprint(put) != fmt.Sprint(again) {
		t.Errorf("PUT answered %v, GET reads %v", put, again)
	}
	if s := fmt.Sprint(again["geo"].(map[string]any)["voice"]); s != "map[countries:[US] mode:deny prefixes:[]]" {
		t.Errorf("voice rules = %s", s)
	}

	send := func(body map[string]any, headers ...string) response {
		return h.do("POST", "/v1/verifications", key, body, headers...)
	}
	h.mustStatus(send(map[string]any{"to": "+14155552671", "channel": "sms"}), 201)
	h.mustStatus(send(map[string]any{"to": "+447812345678", "channel": "voice"}), 201)

	for _, tc := range []struct {
		name    string
		req     map[string]any
		code    string
		details string
	}{
		{"a country the default does not list", map[string]any{"to": "+79991234567", "channel": "sms"}, "GEO_NOT_ALLOWED",
			"map[channel:sms country:RU field:to rules:default]"},
		{"a country the voice rules deny", map[string]any{"to": "+14155552671", "channel": "voice"}, "GEO_NOT_ALLOWED",
			"map[channel:voice country:US field:to rules:voice]"},
		{"a denied prefix", map[string]any{"to": "+447400123456", "channel": "sms"}, "GEO_NOT_ALLOWED",
			"map[channel:sms country:GB field:to prefix:+44740 rules:default]"},
		{"a fallback step", map[string]any{"to": "+14155552671", "fallback": []any{map[string]any{"channel": "sms"}, map[string]any{"channel": "voice"}}}, "GEO_NOT_ALLOWED",
			"map[channel:voice country:US field:fallback[1] rules:voice]"},
		{"a number type not allowed", map[string]any{"to": "+442079460958", "channel": "sms"}, "NUMBER_TYPE_NOT_ALLOWED",
			"map[field:to numberType:fixed_line]"},
	} {
		r := send(tc.req)
		if r.status != 403 || r.errCode() != tc.code || r.errMessage() == "" {
			t.Errorf("%s: %d %s, want 403 %s", tc.name, r.status, r.raw, tc.code)
			continue
		}
		if d := fmt.Sprint(r.body["error"].(map[string]any)["details"]); d != tc.details {
			t.Errorf("%s: details %s, want %s", tc.name, d, tc.details)
		}
	}
	r := send(map[string]any{"to": "+79991234567", "channel": "sms"}, "Accept-Language", "ru")
	if want := "Правила географии проекта (default) разрешают канал sms только для перечисленных стран, а RU среди них нет"; r.errMessage() != want {
		t.Errorf("in Russian: %q, want %q", r.errMessage(), want)
	}
	r = send(map[string]any{"to": "+442079460958", "channel": "sms"}, "Accept-Language", "ru")
	if want := "Проект не отправляет коды на номера этого типа (fixed_line)"; r.errMessage() != want {
		t.Errorf("in Russian: %q, want %q", r.errMessage(), want)
	}

	// An empty number type list is the default again.
	h.mustStatus(h.do("PUT", path, adminToken, map[string]any{"geo": map[string]any{}}), 200)
	h.mustStatus(send(map[string]any{"to": "+442079460958", "channel": "sms"}), 201)
	r = send(map[string]any{"to": "+449012345678", "channel": "sms"})
	if r.status != 403 || r.errCode() != "NUMBER_TYPE_NOT_ALLOWED" {
		t.Errorf("premium rate under the default number types: %d %s", r.status, r.raw)
	}
}
