package api_test

import (
	"strings"
	"testing"
)

// TestJSONWhateverTheContentType: a JSON body is accepted whatever
// Content-Type it carries (curl's -d labels every body as a form), and a
// body that is not JSON under another type is 415 with a message that
// says what to send.
func TestJSONWhateverTheContentType(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	send := func(contentType, body string) response {
		return h.do("POST", "/v1/verifications", key, body, "Content-Type", contentType)
	}
	for _, ct := range []string{"", "application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "text/plain", "application/vnd.api+json"} {
		if r := send(ct, `{"to":"+14155552671","channel":"sms"}`); r.status != 201 {
			t.Errorf("Content-Type %q with a JSON body: status %d, want 201: %s", ct, r.status, r.raw)
		}
	}
	for _, tc := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "to=%2B14155552671&channel=sms"},
		{"text/plain", "send a code to +14155552671"},
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n+14155552671\r\n--x--\r\n"},
	} {
		r := send(tc.ct, tc.body)
		e, _ := r.body["error"].(map[string]any)
		if r.status != 415 || e["code"] != "UNSUPPORTED_MEDIA_TYPE" || !strings.Contains(e["message"].(string), "must be JSON") {
			t.Errorf("Content-Type %q with a non-JSON body: %d %s, want 415 UNSUPPORTED_MEDIA_TYPE saying the body must be JSON", tc.ct, r.status, r.raw)
		}
	}
	// Malformed JSON under the JSON type stays a JSON error.
	if r := send("application/json", `{"to":`); r.status != 400 || r.body["error"].(map[string]any)["code"] != "INVALID_JSON" {
		t.Errorf("malformed JSON: %d %s, want 400 INVALID_JSON", r.status, r.raw)
	}
}
