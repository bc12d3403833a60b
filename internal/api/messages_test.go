package api_test

import (
	"strings"
	"testing"
)

// inboxBody delivers and returns the newest test-inbox message for to.
func (h *harness) inboxMessage(key, to string) map[string]any {
	h.t.Helper()
	h.deliver()
	msgs := h.mustStatus(h.do("GET", "/v1/test/messages?to="+urlQuery(to), key, nil), 200).list()
	if len(msgs) == 0 {
		h.t.Fatalf("test inbox for %s is empty", to)
	}
	return msgs[0].(map[string]any)
}

func TestLocaleFollowsTheRequestThenThePhoneCountry(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	for _, tc := range []struct {
		name, to, locale string
		wantLocale, word string
	}{
		{"russian phone, no locale", "+7 912 345-67-89", "", "ru", "код"},
		{"german phone, no locale", "+49 151 12345678", "", "de", "Bestätigungscode"},
		{"request wins over the phone", "+7 912 345-67-90", "es", "es", "código"},
		{"unknown locale falls back to the phone", "+49 151 12345679", "xx", "de", "Bestätigungscode"},
		{"email: the project default", "someone@example.com", "", "en", "code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			channel := "sms"
			if strings.Contains(tc.to, "@") {
				channel = "email"
			}
			body := map[string]any{"to": tc.to, "channel": channel}
			if tc.locale != "" {
				body["locale"] = tc.locale
			}
			v := h.mustStatus(h.do("POST", "/v1/verifications", key, body), 201).data()
			if v["locale"] != tc.wantLocale {
				t.Errorf("locale = %v, want %s", v["locale"], tc.wantLocale)
			}
			m := h.inboxMessage(key, v["to"].(string))
			if !strings.Contains(m["body"].(string), tc.word) || !strings.Contains(m["body"].(string), m["code"].(string)) {
				t.Errorf("body %q, want the code and %q", m["body"], tc.word)
			}
		})
	}
}

func TestProjectMessagePolicy(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("policy")
	h.mustStatus(h.do("PATCH", "/v1/projects/"+p, adminToken, map[string]any{"policy": map[string]any{
		"channels": []string{"sms", "voice"},
		"messages": map[string]any{
			"smsAppHash": "FA+9qCX9VSu", "webOtpDomain": "shop.example",
			"templates": []map[string]any{
				{"channel": "sms", "purpose": "transaction", "body": "{{.Code}} confirms {{.Amount}} to {{.Payee}}. {{minutes .Minutes}}."},
			},
		},
	}}), 200)
	r := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "Shop", "projectId": p, "environment": "test"}), 201)
	key := r.data()["apiKey"].(string)

	v := h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "purpose": "transaction",
		"ttl": 300, "transaction": map[string]any{"amount": "25.00 EUR", "payee": "ACME"}}), 201).data()
	if v["channel"] != "sms" {
		t.Errorf("channel = %v, want the project's first channel, sms", v["channel"])
	}
	if tx, _ := v["transaction"].(map[string]any); tx["amount"] != "25.00 EUR" || tx["payee"] != "ACME" {
		t.Errorf("transaction = %v", v["transaction"])
	}
	m := h.inboxMessage(key, "+14155552671")
	code := m["code"].(string)
	lines := strings.Split(m["body"].(string), "\n")
	if !strings.HasPrefix(lines[0], code+" confirms 25.00 EUR to ACME. 5 minutes.") {
		t.Errorf("first line %q, want the project's template", lines[0])
	}
	if len(lines) < 3 || lines[len(lines)-2] != "FA+9qCX9VSu" || lines[len(lines)-1] != "@shop.example #"+code {
		t.Errorf("body %q, want the app hash line then the WebOTP line last", m["body"])
	}
	if strings.Contains(strings.ToLower(m["body"].(string)), "share") {
		t.Errorf("an override carries the built-in share line: %q", m["body"])
	}

	// Voice uses the built-in text, the code spelled and said twice.
	v = h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552672", "channel": "voice"}), 201).data()
	m = h.inboxMessage(key, "+14155552672")
	spelled := strings.Join(strings.Split(m["code"].(string), ""), ", ")
	if strings.Count(m["body"].(string), spelled) != 2 {
		t.Errorf("voice body %q, want %q twice", m["body"], spelled)
	}
	r = h.do("POST", "/v1/verifications", key, map[string]any{"to": "a@example.com", "channel": "email"})
	if r.status != 400 || r.errCode() != "INVALID_PARAMETER" || !strings.Contains(string(r.raw), "not enabled") {
		t.Errorf("email on a project without email: %d %s, want 400 channel_disabled", r.status, r.raw)
	}
}

// Errors of this session's features answer in Russian too.
func TestNewErrorsInRussian(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	r := h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms", "callerId": "way too long sender"}, "Accept-Language", "ru")
	if r.status != 400 || !strings.Contains(r.errMessage(), "callerId должен быть") {
		t.Errorf("caller id error in Russian: %d %q", r.status, r.errMessage())
	}
	r = h.do("POST", "/v1/auth/login", "", map[string]any{"email": "x@example.com", "password": "wrong password"}, "Accept-Language", "ru-RU,ru;q=0.9")
	if r.status != 401 || r.errMessage() != "Неверный адрес или пароль" {
		t.Errorf("login error in Russian: %d %q", r.status, r.errMessage())
	}
}
