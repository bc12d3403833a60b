package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequestBodies throws arbitrary bodies at the endpoints that decode
// JSON: every answer must be a 2xx or a 4xx with a JSON body, never a 5xx.
func FuzzRequestBodies(f *testing.F) {
	for _, seed := range []string{
		`{"to":"+14155552671","channel":"sms"}`,
		`{"to":"a@example.com","channel":"email","ttl":60,"codeLength":4,"metadata":{"a":[1,2,{"b":null}]}}`,
		`{"code":"123456"}`, `{"to":"+1 (415) 555-2671","code":"1"}`, `{"channel":"voice"}`,
		`{"name":"x","policy":{"ttl":60}}`, `{"name":"x","projectId":"prj_1","environment":"test"}`,
		`[]`, `null`, `{"to":`, "\x00", `{"to":"\u0000","channel":"sms"}`, `{"metadata":{"\u0000":1}}`, "{\"to\":\"\xff\"}", `{"metadata":"` + strings.Repeat("a", 2000) + `"}`,
	} {
		for which := range uint8(6) {
			f.Add(seed, which)
		}
	}
	h := newHarness(f)
	_, key := h.createApp("test")
	vid := h.send(key, "+14155552671", "sms")
	project := h.createProject("fuzz")
	targets := []struct{ method, path, token string }{
		{"POST", "/v1/verifications", key},
		{"POST", "/v1/verifications/" + vid + "/check", key},
		{"POST", "/v1/verifications/check", key},
		{"POST", "/v1/verifications/" + vid + "/resend", key},
		{"POST", "/v1/projects", adminToken},
		{"PATCH", "/v1/projects/" + project, adminToken},
		{"POST", "/v1/applications", adminToken},
	}
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		tg := targets[int(which)%len(targets)]
		req := httptest.NewRequest(tg.method, tg.path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tg.token)
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%s %s with %q: status %d: %s", tg.method, tg.path, body, rec.Code, rec.Body)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer is not JSON: %q", rec.Body)
		}
		if rec.Code >= 400 && out["error"] == nil || rec.Code < 300 && out["data"] == nil {
			t.Fatalf("status %d with body %s", rec.Code, rec.Body)
		}
	})
}
