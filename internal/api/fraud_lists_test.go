package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTestNumbersAndSafelist: the owner (or the operator) sets and reads a
// project's test numbers and safelist, normalised; another developer gets
// NOT_FOUND; a live application's verification to a test number reads as
// delivered, sends nothing and verifies with the fixed code.
func TestTestNumbersAndSafelist(t *testing.T) {
	h := newHarness(t)
	tok := h.developer("owner@example.com")
	other := h.developer("other@example.com")
	projectID := h.mustStatus(h.do("POST", "/v1/projects", tok, map[string]any{"name": "P"}), 201).data()["id"].(string)
	app := h.mustStatus(h.do("POST", "/v1/applications", tok, map[string]any{"name": "web", "projectId": projectID, "environment": "live"}), 201).data()
	key := app["apiKey"].(string)
	numbers, safelist := "/v1/projects/"+projectID+"/fraud/test-numbers", "/v1/projects/"+projectID+"/fraud/safelist"

	if got := h.mustStatus(h.do("GET", numbers, tok, nil), 200).data()["testNumbers"]; got == nil || len(got.([]any)) != 0 {
		t.Errorf("test numbers of a new project = %v, want []", got)
	}
	put := h.mustStatus(h.do("PUT", numbers, tok, map[string]any{"testNumbers": []map[string]any{{"to": "+1 415 555 2671", "code": "424242"}}}), 200).data()
	if b, _ := json.Marshal(put["testNumbers"]); string(b) != `[{"code":"424242","to":"+14155552671"}]` {
		t.Errorf("PUT test numbers = %s, want the number normalised", b)
	}
	read := h.mustStatus(h.do("GET", numbers, adminToken, nil), 200)
	if b, _ := json.Marshal(read.data()["testNumbers"]); string(b) != `[{"code":"424242","to":"+14155552671"}]` {
		t.Errorf("the operator reads %s", b)
	}
	if cc := read.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("test numbers (their codes) answered with Cache-Control %q, want no-store", cc)
	}
	h.wantRefused("another developer's read", h.do("GET", numbers, other, nil), 404, "NOT_FOUND", "")
	h.wantRefused("another developer's write", h.do("PUT", safelist, other, map[string]any{"safelist": []string{}}), 404, "NOT_FOUND", "")

	got := h.mustStatus(h.do("PUT", safelist, tok, map[string]any{"safelist": []string{"Ops@Example.com", "+44 20 7946 0958"}}), 200).data()["safelist"]
	if b, _ := json.Marshal(got); string(b) != `["ops@example.com","+442079460958"]` {
		t.Errorf("PUT safelist = %s", b)
	}
	if b, _ := json.Marshal(h.mustStatus(h.do("GET", safelist, tok, nil), 200).data()["safelist"]); string(b) != `["ops@example.com","+442079460958"]` {
		t.Errorf("GET safelist = %s", b)
	}

	v := h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"}), 201).data()
	if v["deliveryStatus"] != "delivered" || v["status"] != "pending" {
		t.Errorf("verification to a test number = %v, want pending and delivered", v)
	}
	h.deliver()
	if len(h.sender.msgs) != 0 {
		t.Errorf("%d messages went out for a test number, want none", len(h.sender.msgs))
	}
	r := h.mustStatus(h.do("POST", "/v1/verifications/"+v["id"].(string)+"/check", key, map[string]any{"code": "424242"}), 200).data()
	if r["valid"] != true {
		t.Errorf("check with the fixed code = %v, want valid", r)
	}
}

// TestTestNumbersAndSafelistBadInput: each mistake is a 4xx with a stable
// code, the field at fault and a message.
func TestTestNumbersAndSafelistBadInput(t *testing.T) {
	h := newHarness(t)
	project := h.createProject("P")
	numbers, safelist := "/v1/projects/"+project+"/fraud/test-numbers", "/v1/projects/"+project+"/fraud/safelist"
	many := make([]string, 101)
	for i := range many {
		many[i] = "a" + strings.Repeat("x", i) + "@example.com"
	}
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"test numbers: not a list", "PUT", numbers, `{"testNumbers":"+14155552671"}`, 400, "INVALID_PARAMETER", "testNumbers"},
		{"test numbers: unknown field", "PUT", numbers, `{"numbers":[]}`, 400, "INVALID_PARAMETER", "numbers"},
		{"test numbers: bad phone", "PUT", numbers, `{"testNumbers":[{"to":"12","code":"1234"}]}`, 400, "INVALID_PHONE", "testNumbers[0].to"},
		{"test numbers: bad email", "PUT", numbers, `{"testNumbers":[{"to":"a@b","code":"1234"}]}`, 400, "INVALID_EMAIL", "testNumbers[0].to"},
		{"test numbers: no code", "PUT", numbers, `{"testNumbers":[{"to":"+14155552671"}]}`, 400, "INVALID_PARAMETER", "testNumbers[0].code"},
		{"test numbers: letters in code", "PUT", numbers, `{"testNumbers":[{"to":"+14155552671","code":"abcd"}]}`, 400, "INVALID_PARAMETER", "testNumbers[0].code"},
		{"test numbers: twice", "PUT", numbers, `{"testNumbers":[{"to":"+14155552671","code":"1234"},{"to":"14155552671","code":"1234"}]}`, 400, "INVALID_PARAMETER", "testNumbers[1].to"},
		{"test numbers: unknown project", "GET", "/v1/projects/prj_nope/fraud/test-numbers", nil, 404, "NOT_FOUND", ""},
		{"safelist: bad phone", "PUT", safelist, `{"safelist":["+1 555"]}`, 400, "INVALID_PHONE", "safelist[0]"},
		{"safelist: a variant twice", "PUT", safelist, `{"safelist":["ops@example.com","ops+x@example.com"]}`, 400, "INVALID_PARAMETER", "safelist[1]"},
		{"safelist: too many", "PUT", safelist, map[string]any{"safelist": many}, 400, "INVALID_PARAMETER", "safelist"},
		{"safelist: unknown project", "PUT", "/v1/projects/prj_nope/fraud/safelist", `{"safelist":[]}`, 404, "NOT_FOUND", ""},
		{"safelist: malformed json", "PUT", safelist, `{"safelist":[`, 400, "INVALID_JSON", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(c.method, c.path, adminToken, c.body)
			if r.status != c.status || r.errCode() != c.code || r.errField() != c.field {
				t.Errorf("got %d %s field %q, want %d %s field %q\n%s", r.status, r.errCode(), r.errField(), c.status, c.code, c.field, r.raw)
			}
			if r.errMessage() == "" {
				t.Error("error without a message")
			}
		})
	}
	// The repeated fallback step (issue 16) too.
	_, key := h.createApp("test")
	r := h.do("POST", "/v1/verifications", key, `{"to":"+14155552671","fallback":[{"channel":"sms"},{"channel":"voice"},{"channel":"sms","to":"+1 415 555 2671"}]}`)
	if r.status != 400 || r.errCode() != "INVALID_PARAMETER" || r.errField() != "fallback[2]" || r.errMessage() == "" {
		t.Errorf("a fallback repeating a step: %d %s", r.status, r.raw)
	}
	// The routes are in the OpenAPI document.
	doc := h.mustStatus(h.do("GET", "/openapi.json", "", nil), 200).raw
	for _, path := range []string{`"/v1/projects/{id}/fraud/test-numbers"`, `"/v1/projects/{id}/fraud/safelist"`} {
		if !strings.Contains(string(doc), path) {
			t.Errorf("the OpenAPI document lacks %s", path)
		}
	}
}
