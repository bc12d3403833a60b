package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestPublicKeyIsRefused: an application's public key, which browsers
// hold for the session flow, opens nothing of the native API.
func TestPublicKeyIsRefused(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("p")
	created := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": p, "environment": "test"}), 201).data()
	pk, key := created["publicKey"].(string), created["apiKey"].(string)
	if !strings.HasPrefix(pk, "otpd_test_pk_") {
		t.Fatalf("publicKey = %q", pk)
	}
	id := h.send(key, "+14155552671", "sms")
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/v1/verifications", `{"to":"+14155552671","channel":"sms"}`},
		{"GET", "/v1/verifications", ""},
		{"GET", "/v1/verifications/" + id, ""},
		{"POST", "/v1/verifications/" + id + "/check", `{"code":"123456"}`},
		{"POST", "/v1/verifications/check", `{"to":"+14155552671","code":"123456"}`},
		{"POST", "/v1/verifications/" + id + "/resend", `{}`},
		{"POST", "/v1/verifications/" + id + "/cancel", ""},
		{"GET", "/v1/verifications/" + id + "/messages", ""},
		{"GET", "/v1/users", ""},
		{"GET", "/v1/users/%2B14155552671", ""},
		{"GET", "/v1/test/messages", ""},
		{"GET", "/v1/projects", ""},
		{"GET", "/v1/otp", ""},
	} {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		r := h.do(tc.method, tc.path, pk, body)
		if r.status != 401 || r.errCode() != "UNAUTHENTICATED" {
			t.Errorf("%s %s with the public key: %d %s, want 401 UNAUTHENTICATED", tc.method, tc.path, r.status, r.raw)
		}
	}
	// The API key still works: the refusals were the key's, not the routes'.
	h.mustStatus(h.do("GET", "/v1/verifications/"+id, key, nil), 200)
}

// TestApplicationBrowserSettings: allowedOrigins and returnUrls are set on
// creation or with PATCH, normalised (origins) or kept exactly (return
// URLs), and refused when malformed, naming the entry at fault.
func TestApplicationBrowserSettings(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("p")
	created := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": p,
		"allowedOrigins": []string{"HTTPS://Shop.Example:443/"}}), 201).data()
	if got := created["allowedOrigins"]; fmt.Sprint(got) != "[https://shop.example]" {
		t.Errorf("allowedOrigins on creation = %v, want the normalised origin", got)
	}
	id := created["id"].(string)
	r := h.mustStatus(h.do("PATCH", "/v1/applications/"+id, adminToken, map[string]any{
		"allowedOrigins": []string{"https://shop.example", "http://localhost:3000", "http://[::1]:8080", "https://shop.example"},
		"returnUrls":     []string{"https://shop.example/verified?next=%2Fcart", "http://localhost:3000/done"},
	}), 200).data()
	if got, want := toStrings(r["allowedOrigins"]), []string{"https://shop.example", "http://localhost:3000", "http://[::1]:8080"}; !slices.Equal(got, want) {
		t.Errorf("allowedOrigins = %v, want %v", got, want)
	}
	if got := toStrings(r["returnUrls"]); len(got) != 2 || got[0] != "https://shop.example/verified?next=%2Fcart" {
		t.Errorf("returnUrls = %v, kept exactly", got)
	}
	g := h.mustStatus(h.do("GET", "/v1/applications/"+id, adminToken, nil), 200).data()
	if len(toStrings(g["allowedOrigins"])) != 3 || len(toStrings(g["returnUrls"])) != 2 {
		t.Errorf("GET shows %v and %v", g["allowedOrigins"], g["returnUrls"])
	}
	// A PATCH without them leaves them; an empty list clears.
	r = h.mustStatus(h.do("PATCH", "/v1/applications/"+id, adminToken, map[string]any{"name": "renamed"}), 200).data()
	if len(toStrings(r["allowedOrigins"])) != 3 {
		t.Errorf("a PATCH of the name changed allowedOrigins to %v", r["allowedOrigins"])
	}

	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf("https://s%d.example", i)
	}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"origin with a path", map[string]any{"allowedOrigins": []string{"https://ok.example", "https://shop.example/app"}}, "allowedOrigins[1]"},
		{"origin without scheme", map[string]any{"allowedOrigins": []string{"shop.example"}}, "allowedOrigins[0]"},
		{"origin of another scheme", map[string]any{"allowedOrigins": []string{"ftp://shop.example"}}, "allowedOrigins[0]"},
		{"origin with a wildcard", map[string]any{"allowedOrigins": []string{"https://*.shop.example"}}, "allowedOrigins[0]"},
		{"origin with a query", map[string]any{"allowedOrigins": []string{"https://shop.example?x=1"}}, "allowedOrigins[0]"},
		{"origin with credentials", map[string]any{"allowedOrigins": []string{"https://u:p@shop.example"}}, "allowedOrigins[0]"},
		{"origin with a bad port", map[string]any{"allowedOrigins": []string{"https://shop.example:99999"}}, "allowedOrigins[0]"},
		{"too many origins", map[string]any{"allowedOrigins": many}, "allowedOrigins"},
		{"relative return URL", map[string]any{"returnUrls": []string{"/done"}}, "returnUrls[0]"},
		{"return URL of another scheme", map[string]any{"returnUrls": []string{"javascript:alert(1)"}}, "returnUrls[0]"},
		{"return URL with a fragment", map[string]any{"returnUrls": []string{"https://shop.example/done#x"}}, "returnUrls[0]"},
		{"return URL with credentials", map[string]any{"returnUrls": []string{"https://u@shop.example/done"}}, "returnUrls[0]"},
		{"return URL of the wrong type", map[string]any{"returnUrls": "https://shop.example"}, "returnUrls"},
	} {
		r := h.do("PATCH", "/v1/applications/"+id, adminToken, tc.body)
		if r.status != 400 || r.errField() != tc.field {
			t.Errorf("%s: %d field %q, want 400 naming %s: %s", tc.name, r.status, r.errField(), tc.field, r.raw)
		}
	}
	r = h.mustStatus(h.do("PATCH", "/v1/applications/"+id, adminToken, map[string]any{"allowedOrigins": []string{}, "returnUrls": []string{}}), 200).data()
	if len(toStrings(r["allowedOrigins"])) != 0 || len(toStrings(r["returnUrls"])) != 0 {
		t.Errorf("after clearing: %v, %v", r["allowedOrigins"], r["returnUrls"])
	}
}

// TestSessionFlowPolicy: the policy's code alphabet, session lifetime and
// country allow-list, with their bounds.
func TestSessionFlowPolicy(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("p")
	pol := h.mustStatus(h.do("GET", "/v1/projects/"+p, adminToken, nil), 200).data()["policy"].(map[string]any)
	if pol["codeDigits"] != true || pol["codeLetters"] != false || pol["sessionTtl"] != float64(180) || len(toStrings(pol["countries"])) != 0 {
		t.Errorf("default policy = %v", pol)
	}
	pol = h.mustStatus(h.do("PATCH", "/v1/projects/"+p, adminToken, `{"policy":{"codeLetters":true,"sessionTtl":600,"countries":["RU","GB"]}}`), 200).data()["policy"].(map[string]any)
	if pol["codeDigits"] != true || pol["codeLetters"] != true || pol["sessionTtl"] != float64(600) || fmt.Sprint(pol["countries"]) != "[RU GB]" {
		t.Errorf("policy after PATCH = %v", pol)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"policy":{"codeDigits":false,"codeLetters":false}}`, "policy.codeLetters"},
		{`{"policy":{"sessionTtl":59}}`, "policy.sessionTtl"},
		{`{"policy":{"sessionTtl":901}}`, "policy.sessionTtl"},
		{`{"policy":{"countries":["ru"]}}`, "policy.countries[0]"},
		{`{"policy":{"countries":["XX"]}}`, "policy.countries[0]"},
		{`{"policy":{"countries":["GB","GB"]}}`, "policy.countries[1]"},
		{`{"policy":{"codeLetters":"yes"}}`, "policy.codeLetters"},
	} {
		r := h.do("PATCH", "/v1/projects/"+p, adminToken, tc.body)
		if r.status != 400 || r.errField() != tc.field {
			t.Errorf("%s: %d field %q, want 400 naming %s", tc.body, r.status, r.errField(), tc.field)
		}
	}

	// A phone of a country the project does not send to is refused by the native API too.
	r := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": p, "environment": "test"}), 201).data()
	res := h.do("POST", "/v1/verifications", r["apiKey"].(string), map[string]any{"to": "+14155552671", "channel": "sms"})
	if res.status != 403 || res.errCode() != "GEO_NOT_ALLOWED" || res.errField() != "to" {
		t.Errorf("a send to a country not listed: %d %s", res.status, res.raw)
	}
	h.mustStatus(h.do("POST", "/v1/verifications", r["apiKey"].(string), map[string]any{"to": "+79991234567", "channel": "sms"}), 201)
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
