package whatsapptest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/provider/whatsapp/whatsapptest"
)

// valid is an authentication template send as Meta's specification has it.
const valid = `{
	"messaging_product": "whatsapp",
	"recipient_type": "individual",
	"to": "+447700900123",
	"type": "template",
	"template": {
		"name": "otp_copy_code",
		"language": {"policy": "deterministic", "code": "en_US"},
		"components": [
			{"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
			{"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "482913"}]}
		]
	}
}`

// TestSpecification: the fake refuses, as a validating proxy with Meta's
// OpenAPI description would, what that description refuses, so the
// provider's tests prove its requests valid.
func TestSpecification(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(string) string // of the valid body
		userAgent string              // "" sends otpd/1.2.3
		wantCode  int                 // Graph error code; 0: accepted
	}{
		{"valid", nil, "", 0},
		{"pre-release user agent", nil, "otpd/1.2.3;rc.1", 0},
		{"no policy", replace(`"policy": "deterministic", `, ``), "", 131008},
		{"another policy", replace(`"deterministic"`, `"fallback"`), "", 100},
		{"no language code", replace(`, "code": "en_US"`, ``), "", 131008},
		{"no messaging_product", replace(`"messaging_product": "whatsapp",`, ``), "", 131008},
		{"another messaging_product", replace(`"messaging_product": "whatsapp"`, `"messaging_product": "sms"`), "", 100},
		{"no recipient_type", replace(`"recipient_type": "individual",`, ``), "", 131008},
		{"no to", replace(`"to": "+447700900123",`, ``), "", 131008},
		{"no template name", replace(`"name": "otp_copy_code",`, ``), "", 131008},
		{"no template", func(string) string {
			return `{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+447700900123", "type": "template"}`
		}, "", 131008},
		{"component type unknown", replace(`"type": "body"`, `"type": "footer"`), "", 100},
		{"button without sub_type", replace(`"sub_type": "url", `, ``), "", 131008},
		{"button without index", replace(`"index": "0", `, ``), "", 131008},
		{"button index as a number", replace(`"index": "0"`, `"index": 0`), "", 100},
		{"button without parameters", replace(`"index": "0", "parameters": [{"type": "text", "text": "482913"}]`, `"index": "0", "parameters": []`), "", 100},
		{"text parameter without text", replace(`{"type": "body", "parameters": [{"type": "text", "text": "482913"}]}`, `{"type": "body", "parameters": [{"type": "text"}]}`), "", 131008},
		{"parameter of no known type", replace(`{"type": "body", "parameters": [{"type": "text", "text": "482913"}]}`, `{"type": "body", "parameters": [{"type": "code", "text": "482913"}]}`), "", 100},
		{"bare product name", nil, "otpd", 100},
		{"Go's default user agent", nil, "Go-http-client/1.1", 100},
		{"semantic version with a hyphen", nil, "otpd/0.0.0-dev", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := whatsapptest.NewServer(t)
			s.AddTemplate("otp_copy_code", "en_US")
			body := valid
			if tt.edit != nil {
				body = tt.edit(valid)
			}
			ua := tt.userAgent
			if ua == "" {
				ua = "otpd/1.2.3"
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
				s.URL+"/v21.0/"+s.PhoneNumberID+"/messages", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+s.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", ua)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var answer struct {
				Error *struct {
					Code      int `json:"code"`
					ErrorData struct {
						Details string `json:"details"`
					} `json:"error_data"`
				} `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
				t.Fatalf("answer: %v", err)
			}
			switch {
			case tt.wantCode == 0 && (resp.StatusCode != http.StatusOK || answer.Error != nil):
				t.Errorf("HTTP %d, error %+v; want the message accepted", resp.StatusCode, answer.Error)
			case tt.wantCode != 0 && (resp.StatusCode != http.StatusBadRequest || answer.Error == nil || answer.Error.Code != tt.wantCode):
				t.Errorf("HTTP %d, error %+v; want HTTP 400 with code %d", resp.StatusCode, answer.Error, tt.wantCode)
			}
			if n := len(s.Messages()); (n == 1) != (tt.wantCode == 0) {
				t.Errorf("the fake accepted %d messages", n)
			}
		})
	}
}

// replace returns an edit that replaces old, which must be in the body.
func replace(old, new string) func(string) string {
	return func(body string) string {
		if !strings.Contains(body, old) {
			panic("the valid body has no " + old)
		}
		return strings.Replace(body, old, new, 1)
	}
}
