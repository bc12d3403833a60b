package api_test

import (
	"strings"
	"testing"
)

// TestBadInput sends every endpoint the mistakes clients make and checks
// each is a 4xx with a stable code and, where it applies, the field at fault.
func TestBadInput(t *testing.T) {
	h := newHarness(t)
	appID, key := h.createApp("test")
	_, liveKey := h.createApp("live")
	project := h.createProject("P")
	vid := h.send(key, "+14155552671", "sms")
	big := `{"to":"+14155552671","channel":"sms","metadata":{"x":"` + strings.Repeat("a", 70<<10) + `"}}`

	cases := []struct {
		name, method, path, token string
		body                      any
		headers                   []string
		status                    int
		code, field               string
	}{
		// authentication
		{"no key", "POST", "/v1/verifications", "", `{}`, nil, 401, "UNAUTHENTICATED", ""},
		{"wrong key", "POST", "/v1/verifications", "otpd_test_api_000", `{}`, nil, 401, "UNAUTHENTICATED", ""},
		{"admin token as api key", "GET", "/v1/verifications", adminToken, nil, nil, 401, "UNAUTHENTICATED", ""},
		{"api key as admin token", "GET", "/v1/projects", key, nil, nil, 401, "UNAUTHENTICATED", ""},
		{"no admin token", "POST", "/v1/projects", "", `{"name":"x"}`, nil, 401, "UNAUTHENTICATED", ""},
		{"basic auth", "GET", "/v1/verifications", "", nil, []string{"Authorization", "Basic Zm9vOmJhcg=="}, 401, "UNAUTHENTICATED", ""},
		// body shape
		{"malformed json", "POST", "/v1/verifications", key, `{"to":`, nil, 400, "INVALID_JSON", ""},
		{"empty body", "POST", "/v1/verifications", key, ``, nil, 400, "INVALID_JSON", ""},
		{"array body", "POST", "/v1/verifications", key, `[]`, nil, 400, "INVALID_JSON", ""},
		{"trailing data", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms"} {}`, nil, 400, "INVALID_JSON", ""},
		{"unknown field", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","foo":1}`, nil, 400, "INVALID_PARAMETER", "foo"},
		{"wrong type ttl", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","ttl":"60"}`, nil, 400, "INVALID_PARAMETER", "ttl"},
		{"wrong type to", "POST", "/v1/verifications", key, `{"to":14155552671,"channel":"sms"}`, nil, 400, "INVALID_PARAMETER", "to"},
		{"oversized body", "POST", "/v1/verifications", key, big, nil, 413, "PAYLOAD_TOO_LARGE", ""},
		{"form content type", "POST", "/v1/verifications", key, `to=1`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		// create verification fields
		{"missing to", "POST", "/v1/verifications", key, `{"channel":"sms"}`, nil, 400, "INVALID_PARAMETER", "to"},
		{"invalid phone", "POST", "/v1/verifications", key, `{"to":"123456","channel":"sms"}`, nil, 400, "INVALID_PHONE", "to"},
		{"letters in phone", "POST", "/v1/verifications", key, `{"to":"+1415CALLME","channel":"sms"}`, nil, 400, "INVALID_PHONE", "to"},
		{"invalid email", "POST", "/v1/verifications", key, `{"to":"a@b","channel":"email"}`, nil, 400, "INVALID_EMAIL", "to"},
		{"channel and fallback", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","fallback":[{"channel":"sms"},{"channel":"voice"}]}`, nil, 400, "INVALID_PARAMETER", "channel"},
		{"fallback of one step", "POST", "/v1/verifications", key, `{"to":"+14155552671","fallback":[{"channel":"sms"}]}`, nil, 400, "INVALID_PARAMETER", "fallback"},
		{"fallback step channel mismatch", "POST", "/v1/verifications", key, `{"to":"+14155552671","fallback":[{"channel":"sms"},{"channel":"email"}]}`, nil, 400, "INVALID_PARAMETER", "fallback[1].channel"},
		{"fallback step bad email", "POST", "/v1/verifications", key, `{"to":"+14155552671","fallback":[{"channel":"sms"},{"channel":"email","to":"nope@"}]}`, nil, 400, "INVALID_EMAIL", "fallback[1].to"},
		{"fallback timeout too short", "POST", "/v1/verifications", key, `{"to":"+14155552671","fallback":[{"channel":"sms","timeout":5},{"channel":"voice"}]}`, nil, 400, "INVALID_PARAMETER", "fallback[0].timeout"},
		{"fallback longer than ttl", "POST", "/v1/verifications", key, `{"to":"+14155552671","ttl":60,"fallback":[{"channel":"sms","timeout":60},{"channel":"voice"}]}`, nil, 400, "INVALID_PARAMETER", "fallback"},
		{"fallback first step elsewhere", "POST", "/v1/verifications", key, `{"to":"+14155552671","fallback":[{"channel":"sms","to":"+442079460958"},{"channel":"voice"}]}`, nil, 400, "INVALID_PARAMETER", "fallback[0].to"},
		{"fallback step not an object", "POST", "/v1/verifications", key, `{"to":"+14155552671","fallback":["sms","voice"]}`, nil, 400, "INVALID_PARAMETER", "fallback"},
		{"transaction without details", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","purpose":"transaction"}`, nil, 400, "INVALID_PARAMETER", "transaction"},
		{"transaction payee missing", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","purpose":"transaction","transaction":{"amount":"10 EUR"}}`, nil, 400, "INVALID_PARAMETER", "transaction"},
		{"transaction on another purpose", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","transaction":{"amount":"10 EUR","payee":"ACME"}}`, nil, 400, "INVALID_PARAMETER", "transaction"},
		{"transaction payee too long", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","purpose":"transaction","transaction":{"amount":"10 EUR","payee":"` + strings.Repeat("x", 65) + `"}}`, nil, 400, "INVALID_PARAMETER", "transaction"},
		{"caller id too long", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","callerId":"ABCDEFGHIJKL"}`, nil, 400, "INVALID_PARAMETER", "callerId"},
		{"caller id bad characters", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","callerId":"Acme<script>"}`, nil, 400, "INVALID_PARAMETER", "callerId"},
		{"unknown channel", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"pigeon"}`, nil, 400, "INVALID_PARAMETER", "channel"},
		{"email channel to phone", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"email"}`, nil, 400, "INVALID_PARAMETER", "channel"},
		{"sms to email", "POST", "/v1/verifications", key, `{"to":"a@example.com","channel":"sms"}`, nil, 400, "INVALID_PARAMETER", "channel"},
		{"bad purpose", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","purpose":"fun"}`, nil, 400, "INVALID_PARAMETER", "purpose"},
		{"ttl too short", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","ttl":10}`, nil, 400, "INVALID_PARAMETER", "ttl"},
		{"ttl too long", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","ttl":901}`, nil, 400, "INVALID_PARAMETER", "ttl"},
		{"negative ttl", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","ttl":-1}`, nil, 400, "INVALID_PARAMETER", "ttl"},
		{"code too short", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","codeLength":3}`, nil, 400, "INVALID_PARAMETER", "codeLength"},
		{"code too long", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","codeLength":11}`, nil, 400, "INVALID_PARAMETER", "codeLength"},
		{"bad locale", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","locale":"english please"}`, nil, 400, "INVALID_PARAMETER", "locale"},
		{"metadata array", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","metadata":[1]}`, nil, 400, "INVALID_PARAMETER", "metadata"},
		{"metadata string", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","metadata":"x"}`, nil, 400, "INVALID_PARAMETER", "metadata"},
		{"metadata over 1 KB", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","metadata":{"x":"` + strings.Repeat("a", 1100) + `"}}`, nil, 400, "INVALID_PARAMETER", "metadata"},
		{"idempotency key too long", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms"}`, []string{"Idempotency-Key", strings.Repeat("k", 300)}, 400, "INVALID_PARAMETER", "Idempotency-Key"},
		// fraud blocks
		{"block without prefix", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"minutes":60}`, nil, 400, "INVALID_PARAMETER", "prefix"},
		{"block of a bad prefix", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"prefix":"44770","minutes":60}`, nil, 400, "INVALID_PARAMETER", "prefix"},
		{"block of a too long prefix", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"prefix":"+12345678","minutes":60}`, nil, 400, "INVALID_PARAMETER", "prefix"},
		{"block without minutes", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"prefix":"+88216"}`, nil, 400, "INVALID_PARAMETER", "minutes"},
		{"block over a week", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"prefix":"+88216","minutes":10081}`, nil, 400, "INVALID_PARAMETER", "minutes"},
		{"block minutes as text", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"prefix":"+88216","minutes":"60"}`, nil, 400, "INVALID_PARAMETER", "minutes"},
		{"block reason too long", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"prefix":"+88216","minutes":60,"reason":"` + strings.Repeat("r", 501) + `"}`, nil, 400, "INVALID_PARAMETER", "reason"},
		{"block reason with a bidi override", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"prefix":"+88216","minutes":60,"reason":"a\u202Eb"}`, nil, 400, "INVALID_PARAMETER", "reason"},
		{"block unknown field", "POST", "/v1/projects/" + project + "/fraud/blocks", adminToken, `{"prefix":"+88216","minutes":60,"until":"tomorrow"}`, nil, 400, "INVALID_PARAMETER", "until"},
		{"block of an unknown project", "POST", "/v1/projects/prj_nope/fraud/blocks", adminToken, `{"prefix":"+88216","minutes":60}`, nil, 404, "NOT_FOUND", ""},
		{"blocks of an unknown project", "GET", "/v1/projects/prj_nope/fraud/blocks", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"release of no block", "DELETE", "/v1/projects/" + project + "/fraud/blocks/%2B88216", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"detector ratio above 1", "PUT", "/v1/projects/" + project + "/fraud/detector", adminToken, `{"conversionRatio":1.5}`, nil, 400, "INVALID_PARAMETER", "detector.conversionRatio"},
		{"detector negative min sends", "PUT", "/v1/projects/" + project + "/fraud/detector", adminToken, `{"minSends":-1}`, nil, 400, "INVALID_PARAMETER", "detector.minSends"},
		{"detector cooling over a week", "PUT", "/v1/projects/" + project + "/fraud/detector", adminToken, `{"coolingMinutes":10081}`, nil, 400, "INVALID_PARAMETER", "detector.coolingMinutes"},
		{"detector enabled as text", "PUT", "/v1/projects/" + project + "/fraud/detector", adminToken, `{"enabled":"no"}`, nil, 400, "INVALID_PARAMETER", "enabled"},
		{"detector of an unknown project", "GET", "/v1/projects/prj_nope/fraud/detector", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"blocks with an api key", "GET", "/v1/projects/" + project + "/fraud/blocks", key, nil, nil, 401, "UNAUTHENTICATED", ""},
		// checks
		{"check missing code", "POST", "/v1/verifications/" + vid + "/check", key, `{}`, nil, 400, "INVALID_PARAMETER", "code"},
		{"check numeric code", "POST", "/v1/verifications/" + vid + "/check", key, `{"code":123456}`, nil, 400, "INVALID_PARAMETER", "code"},
		{"check huge code", "POST", "/v1/verifications/" + vid + "/check", key, `{"code":"` + strings.Repeat("1", 100) + `"}`, nil, 400, "INVALID_PARAMETER", "code"},
		{"check unknown id", "POST", "/v1/verifications/ver_nope/check", key, `{"code":"123456"}`, nil, 404, "NOT_FOUND", ""},
		{"check by bad phone", "POST", "/v1/verifications/check", key, `{"to":"nope","code":"123456"}`, nil, 400, "INVALID_PHONE", "to"},
		{"check by missing to", "POST", "/v1/verifications/check", key, `{"code":"123456"}`, nil, 400, "INVALID_PARAMETER", "to"},
		{"check nothing pending", "POST", "/v1/verifications/check", key, `{"to":"+14155552679","code":"123456"}`, nil, 404, "NOT_FOUND", ""},
		// other verification endpoints
		{"get unknown", "GET", "/v1/verifications/ver_nope", key, nil, nil, 404, "NOT_FOUND", ""},
		{"resend unknown", "POST", "/v1/verifications/ver_nope/resend", key, nil, nil, 404, "NOT_FOUND", ""},
		{"resend bad channel", "POST", "/v1/verifications/" + vid + "/resend", key, `{"channel":"fax"}`, nil, 400, "INVALID_PARAMETER", "channel"},
		{"resend unknown field", "POST", "/v1/verifications/" + vid + "/resend", key, `{"chanel":"sms"}`, nil, 400, "INVALID_PARAMETER", "chanel"},
		{"cancel unknown", "POST", "/v1/verifications/ver_nope/cancel", key, nil, nil, 404, "NOT_FOUND", ""},
		{"list bad status", "GET", "/v1/verifications?status=done", key, nil, nil, 400, "INVALID_PARAMETER", "status"},
		{"list bad channel", "GET", "/v1/verifications?channel=fax", key, nil, nil, 400, "INVALID_PARAMETER", "channel"},
		{"list bad limit", "GET", "/v1/verifications?limit=0", key, nil, nil, 400, "INVALID_PARAMETER", "limit"},
		{"list limit too big", "GET", "/v1/verifications?limit=101", key, nil, nil, 400, "INVALID_PARAMETER", "limit"},
		{"list bad time", "GET", "/v1/verifications?createdFrom=yesterday", key, nil, nil, 400, "INVALID_PARAMETER", "createdFrom"},
		{"list bad to", "GET", "/v1/verifications?to=12", key, nil, nil, 400, "INVALID_PHONE", "to"},
		{"inbox of live app", "GET", "/v1/test/messages", liveKey, nil, nil, 403, "FORBIDDEN", ""},
		{"inbox bad to", "GET", "/v1/test/messages?to=xx", key, nil, nil, 400, "INVALID_PHONE", "to"},
		// console
		{"project without name", "POST", "/v1/projects", adminToken, `{}`, nil, 400, "INVALID_PARAMETER", "name"},
		{"project blank name", "POST", "/v1/projects", adminToken, `{"name":"  "}`, nil, 400, "INVALID_PARAMETER", "name"},
		{"project long description", "POST", "/v1/projects", adminToken, `{"name":"x","description":"` + strings.Repeat("d", 281) + `"}`, nil, 400, "INVALID_PARAMETER", "description"},
		{"project policy wrong type", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"ttl":"long"}}`, nil, 400, "INVALID_PARAMETER", "policy.ttl"},
		{"project policy unknown field", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"colour":1}}`, nil, 400, "INVALID_PARAMETER", "policy.colour"},
		{"project policy bad length", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"codeLength":12}}`, nil, 400, "INVALID_PARAMETER", "policy.codeLength"},
		{"budgets bad mode", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"mode":"loose"}`, nil, 400, "INVALID_PARAMETER", "mode"},
		{"budgets rule with two scopes", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"rules":[{"country":"GB","prefix":"+4477","perHour":5}]}`, nil, 400, "INVALID_PARAMETER", "rules[0]"},
		{"budgets rule without a count", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"rules":[{"country":"GB"}]}`, nil, 400, "INVALID_PARAMETER", "rules[0]"},
		{"budgets bad country", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"rules":[{"country":"gb","perHour":5}]}`, nil, 400, "INVALID_PARAMETER", "rules[0].country"},
		{"budgets short prefix", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"rules":[{"prefix":"+44","perHour":5}]}`, nil, 400, "INVALID_PARAMETER", "rules[0].prefix"},
		{"budgets prefix without plus", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"rules":[{"prefix":"4477","perDay":5}]}`, nil, 400, "INVALID_PARAMETER", "rules[0].prefix"},
		{"budgets same scope twice", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"rules":[{"prefix":"+4477","perDay":5},{"prefix":"+4477","perHour":1}]}`, nil, 400, "INVALID_PARAMETER", "rules[1]"},
		{"budgets negative ip limit", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"ipPerHour":-1}`, nil, 400, "INVALID_PARAMETER", "ipPerHour"},
		{"budgets huge daily sends", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"dailySends":1000000000}`, nil, 400, "INVALID_PARAMETER", "dailySends"},
		{"budgets wrong type", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"guessesPerHour":"many"}`, nil, 400, "INVALID_PARAMETER", "guessesPerHour"},
		{"budgets unknown field", "PUT", "/v1/projects/" + project + "/fraud/budgets", adminToken, `{"perMinute":1}`, nil, 400, "INVALID_PARAMETER", "perMinute"},
		{"budgets unknown project", "GET", "/v1/projects/prj_nope/fraud/budgets", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"credits without amount", "POST", "/v1/projects/" + project + "/credits", adminToken, `{"currency":"USD"}`, nil, 400, "INVALID_PARAMETER", "amount"},
		{"credits negative", "POST", "/v1/projects/" + project + "/credits", adminToken, `{"amount":"-5","currency":"USD"}`, nil, 400, "INVALID_PARAMETER", "amount"},
		{"credits bad currency", "POST", "/v1/projects/" + project + "/credits", adminToken, `{"amount":"5","currency":"dollars"}`, nil, 400, "INVALID_PARAMETER", "currency"},
		{"credits too precise", "POST", "/v1/projects/" + project + "/credits", adminToken, `{"amount":"0.0000001","currency":"USD"}`, nil, 400, "INVALID_PARAMETER", "amount"},
		{"credits unknown project", "POST", "/v1/projects/prj_nope/credits", adminToken, `{"amount":"5","currency":"USD"}`, nil, 404, "NOT_FOUND", ""},
		{"challenge unknown provider", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"provider":"geetest"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.provider"},
		{"challenge enabled without provider", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"enabled":true,"siteKey":"k","secretKey":"s"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.provider"},
		{"challenge enabled without site key", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"enabled":true,"provider":"turnstile","secretKey":"s"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.siteKey"},
		{"challenge enabled without secret", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"enabled":true,"provider":"turnstile","siteKey":"k"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.secretKey"},
		{"challenge min score above 1", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"provider":"recaptcha","minScore":1.5}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.minScore"},
		{"challenge min score negative", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"provider":"recaptcha","minScore":-0.1}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.minScore"},
		{"challenge min score off reCAPTCHA", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"provider":"hcaptcha","minScore":0.5}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.minScore"},
		{"challenge min score wrong type", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"minScore":"high"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.minScore"},
		{"challenge hostname with scheme", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"hostnames":["shop.example","https://shop.example"]}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.hostnames[1]"},
		{"challenge hostname with port", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"hostnames":["shop.example:8080"]}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.hostnames[0]"},
		{"challenge hostnames not a list", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"hostnames":"shop.example"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.hostnames"},
		{"challenge secret with newline", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"provider":"turnstile","siteKey":"k","secretKey":"abc\n"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.secretKey"},
		{"challenge secret too long", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"provider":"turnstile","siteKey":"k","secretKey":"` + strings.Repeat("s", 513) + `"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.secretKey"},
		{"challenge site key with space", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"challenge":{"provider":"turnstile","siteKey":"a b"}}}`, nil, 400, "INVALID_PARAMETER", "policy.challenge.siteKey"},
		{"challenge token too long", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","challengeToken":"` + strings.Repeat("t", 4097) + `"}`, nil, 400, "INVALID_PARAMETER", "challengeToken"},
		{"challenge token with space", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms"}`, []string{"X-Challenge-Token", "a b"}, 400, "INVALID_PARAMETER", "challengeToken"},
		{"challenge token wrong type", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","challengeToken":42}`, nil, 400, "INVALID_PARAMETER", "challengeToken"},
		{"remote ip not an address", "POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","remoteIp":"example.com"}`, nil, 400, "INVALID_PARAMETER", "remoteIp"},
		{"project policy unknown channel", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"channels":["sms","fax"]}}`, nil, 400, "INVALID_PARAMETER", "policy.channels[1]"},
		{"project policy channel twice", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"channels":["sms","sms"]}}`, nil, 400, "INVALID_PARAMETER", "policy.channels[1]"},
		{"project template without code", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"messages":{"templates":[{"channel":"sms","purpose":"verification","body":"Hello from {{.AppName}}"}]}}}`, nil, 400, "INVALID_PARAMETER", "policy.messages.templates[0]"},
		{"project template that does not parse", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"messages":{"templates":[{"channel":"sms","purpose":"verification","body":"{{.Code"}]}}}`, nil, 400, "INVALID_PARAMETER", "policy.messages.templates[0]"},
		{"project template unknown variable", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"messages":{"templates":[{"channel":"sms","purpose":"verification","body":"{{.Code}} {{.Pin}}"}]}}}`, nil, 400, "INVALID_PARAMETER", "policy.messages.templates[0]"},
		{"project template bad channel", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"messages":{"templates":[{"channel":"fax","purpose":"verification","body":"{{.Code}}"}]}}}`, nil, 400, "INVALID_PARAMETER", "policy.messages.templates[0].channel"},
		{"project template subject on sms", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"messages":{"templates":[{"channel":"sms","purpose":"verification","body":"{{.Code}}","subject":"Hi"}]}}}`, nil, 400, "INVALID_PARAMETER", "policy.messages.templates[0].subject"},
		{"project templates twice", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"messages":{"templates":[{"channel":"sms","purpose":"verification","body":"{{.Code}}"},{"channel":"sms","purpose":"verification","body":"{{.Code}}!"}]}}}`, nil, 400, "INVALID_PARAMETER", "policy.messages.templates[1]"},
		{"project bad sms app hash", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"messages":{"smsAppHash":"short"}}}`, nil, 400, "INVALID_PARAMETER", "policy.messages"},
		{"project bad webotp domain", "POST", "/v1/projects", adminToken, `{"name":"x","policy":{"messages":{"webOtpDomain":"not a host"}}}`, nil, 400, "INVALID_PARAMETER", "policy.messages"},
		{"get unknown project", "GET", "/v1/projects/prj_nope", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"patch unknown project", "PATCH", "/v1/projects/prj_nope", adminToken, `{"name":"x"}`, nil, 404, "NOT_FOUND", ""},
		{"delete unknown project", "DELETE", "/v1/projects/prj_nope", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"app without project", "POST", "/v1/applications", adminToken, `{"name":"x"}`, nil, 400, "INVALID_PARAMETER", "projectId"},
		{"app unknown project", "POST", "/v1/applications", adminToken, `{"name":"x","projectId":"prj_nope"}`, nil, 404, "NOT_FOUND", "projectId"},
		{"app bad environment", "POST", "/v1/applications", adminToken, `{"name":"x","projectId":"` + project + `","environment":"prod"}`, nil, 400, "INVALID_PARAMETER", "environment"},
		{"app without name", "POST", "/v1/applications", adminToken, `{"projectId":"` + project + `"}`, nil, 400, "INVALID_PARAMETER", "name"},
		{"app bad status", "PATCH", "/v1/applications/" + appID, adminToken, `{"status":"paused"}`, nil, 400, "INVALID_PARAMETER", "status"},
		{"app long name", "PATCH", "/v1/applications/" + appID, adminToken, `{"name":"` + strings.Repeat("n", 101) + `"}`, nil, 400, "INVALID_PARAMETER", "name"},
		{"get unknown app", "GET", "/v1/applications/app_nope", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"delete unknown app", "DELETE", "/v1/applications/app_nope", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"rotate unknown app", "POST", "/v1/applications/app_nope/rotate/api", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		// geo permissions
		{"geo malformed json", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":`, nil, 400, "INVALID_JSON", ""},
		{"geo empty body", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, ``, nil, 400, "INVALID_JSON", ""},
		{"geo missing", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"numberTypes":{"allowed":["mobile"]}}`, nil, 400, "INVALID_PARAMETER", "geo"},
		{"geo not an object", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":["GB"]}`, nil, 400, "INVALID_PARAMETER", "geo"},
		{"geo unknown field", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{},"fax":{}}}`, nil, 400, "INVALID_PARAMETER", "fax"},
		{"geo email rules", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"email":{"mode":"all"}}}`, nil, 400, "INVALID_PARAMETER", "email"},
		{"geo unknown mode", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"mode":"only"}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.mode"},
		{"geo mode wrong type", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"mode":true}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.mode"},
		{"geo countries with mode all", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"mode":"all","countries":["GB"]}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.countries"},
		{"geo countries not a list", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"mode":"allow","countries":"GB"}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.countries"},
		{"geo lower-case country", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"sms":{"mode":"allow","countries":["GB","ie"]}}}`, nil, 400, "INVALID_PARAMETER", "geo.sms.countries[1]"},
		{"geo unknown country", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"voice":{"mode":"deny","countries":["UK"]}}}`, nil, 400, "INVALID_PARAMETER", "geo.voice.countries[0]"},
		{"geo country twice", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"mode":"deny","countries":["RU","RU"]}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.countries[1]"},
		{"geo prefix without plus", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"prefixes":[{"prefix":"4470","action":"deny"}]}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.prefixes[0].prefix"},
		{"geo prefix too short", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"prefixes":[{"prefix":"+44","action":"deny"}]}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.prefixes[0].prefix"},
		{"geo prefix too long", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"whatsapp":{"prefixes":[{"prefix":"+447012345","action":"deny"}]}}}`, nil, 400, "INVALID_PARAMETER", "geo.whatsapp.prefixes[0].prefix"},
		{"geo prefix a number", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"prefixes":[{"prefix":4470,"action":"deny"}]}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.prefixes.prefix"},
		{"geo prefix unknown action", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"telegram":{"prefixes":[{"prefix":"+4470","action":"block"}]}}}`, nil, 400, "INVALID_PARAMETER", "geo.telegram.prefixes[0].action"},
		{"geo prefix twice", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{"default":{"prefixes":[{"prefix":"+4470","action":"deny"},{"prefix":"+4470","action":"allow"}]}}}`, nil, 400, "INVALID_PARAMETER", "geo.default.prefixes[1].prefix"},
		{"geo unknown number type", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{},"numberTypes":{"allowed":["mobile","landline"]}}`, nil, 400, "INVALID_PARAMETER", "numberTypes.allowed[1]"},
		{"geo number type twice", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{},"numberTypes":{"allowed":["mobile","mobile"]}}`, nil, 400, "INVALID_PARAMETER", "numberTypes.allowed[1]"},
		{"geo number types not a list", "PUT", "/v1/projects/" + project + "/fraud/geo", adminToken, `{"geo":{},"numberTypes":{"allowed":"mobile"}}`, nil, 400, "INVALID_PARAMETER", "numberTypes.allowed"},
		{"geo of unknown project", "PUT", "/v1/projects/prj_nope/fraud/geo", adminToken, `{"geo":{}}`, nil, 404, "NOT_FOUND", ""},
		{"get geo of unknown project", "GET", "/v1/projects/prj_nope/fraud/geo", adminToken, nil, nil, 404, "NOT_FOUND", ""},
		{"geo with an api key", "GET", "/v1/projects/" + project + "/fraud/geo", key, nil, nil, 401, "UNAUTHENTICATED", ""},
		// routing
		{"unknown path", "GET", "/v1/nothing", key, nil, nil, 404, "NOT_FOUND", ""},
		{"wrong method", "DELETE", "/v1/verifications", key, nil, nil, 405, "METHOD_NOT_ALLOWED", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(c.method, c.path, c.token, c.body, c.headers...)
			if r.status != c.status || r.errCode() != c.code || r.errField() != c.field {
				t.Errorf("got %d %s field %q, want %d %s field %q\n%s", r.status, r.errCode(), r.errField(), c.status, c.code, c.field, r.raw)
			}
			if r.errMessage() == "" {
				t.Error("error without a message")
			}
		})
	}
}

func TestErrorMessagesInRussian(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	for _, c := range []struct{ accept, want string }{
		{"ru-RU,ru;q=0.9,en;q=0.8", "Неверный формат номера телефона"},
		{"en-US,en;q=0.9,ru;q=0.8", "The phone number format is invalid"},
		{"de", "The phone number format is invalid"},
		{"", "The phone number format is invalid"},
		{"en;q=0.5, ru", "Неверный формат номера телефона"},
	} {
		r := h.do("POST", "/v1/verifications", key, `{"to":"12","channel":"sms"}`, "Accept-Language", c.accept)
		if r.errMessage() != c.want || r.errCode() != "INVALID_PHONE" {
			t.Errorf("Accept-Language %q: %q %s, want %q", c.accept, r.errMessage(), r.errCode(), c.want)
		}
	}
	r := h.do("POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms","x":1}`, "Accept-Language", "ru")
	if r.errMessage() != "Неизвестное поле x" {
		t.Errorf("unknown field in Russian: %q", r.errMessage())
	}
}
