package vonagetest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/provider/vonage/vonagetest"
)

func TestSign(t *testing.T) {
	// Expected signatures from Vonage's PHP SDK tests.
	params := map[string]string{
		"message-timestamp": "2013-11-21 15:27:30", "messageId": "020000001B0FE827", "msisdn": "14843472194",
		"text": "Test again", "timestamp": "1385047698", "to": "13239877404", "type": "text",
	}
	tests := []struct{ method, want string }{
		{"md5hash", "d2e7b1dc968737c5998ad624e02f90b7"},
		{"md5", "DDEBD46008C2D4E93CCE578A332A52D5"},
		{"sha1", "27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A"},
		{"sha256", "DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330"},
	}
	for _, tt := range tests {
		if got := vonagetest.Sign(params, "my_secret_key_for_testing", tt.method); got != tt.want {
			t.Errorf("Sign(%s) = %s, want %s", tt.method, got, tt.want)
		}
	}
}

// smsStatus posts form to the fake's SMS API and returns messages[0].
func smsStatus(t *testing.T, s *vonagetest.Server, form url.Values) (status, errorText string) {
	t.Helper()
	resp, err := http.PostForm(s.URL+vonagetest.PathSMS, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d, want 200: the SMS API reports refusals in the body", resp.StatusCode)
	}
	var ans struct {
		Messages []struct {
			Status    string `json:"status"`
			ErrorText string `json:"error-text"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || len(ans.Messages) == 0 {
		t.Fatalf("answer unreadable: %v", err)
	}
	return ans.Messages[0].Status, ans.Messages[0].ErrorText
}

func TestSMSValidation(t *testing.T) {
	s := vonagetest.NewServer(t, vonagetest.Options{})
	valid := url.Values{"api_key": {s.APIKey}, "api_secret": {s.APISecret}, "from": {"AcmeInc"}, "to": {"447700900123"}, "text": {"hi"}}
	tests := []struct {
		name   string
		edit   func(url.Values)
		status string
	}{
		{"valid", func(url.Values) {}, "0"},
		{"wrong secret", func(f url.Values) { f.Set("api_secret", "nope") }, "4"},
		{"wrong key", func(f url.Values) { f.Set("api_key", "nope") }, "4"},
		{"no secret", func(f url.Values) { f.Del("api_secret") }, "2"},
		{"no text", func(f url.Values) { f.Del("text") }, "2"},
		{"plus in to", func(f url.Values) { f.Set("to", "+447700900123") }, "3"},
		{"bad type", func(f url.Values) { f.Set("type", "binary") }, "3"},
		{"long client-ref", func(f url.Values) { f.Set("client-ref", strings.Repeat("x", 41)) }, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range valid {
				f[k] = v
			}
			tt.edit(f)
			if got, text := smsStatus(t, s, f); got != tt.status {
				t.Errorf("status = %s (%s), want %s", got, text, tt.status)
			}
		})
	}
	if n := len(s.SMS()); n != 1 {
		t.Errorf("recorded %d SMS, want only the valid one", n)
	}
}

func TestCallsNeedJWT(t *testing.T) {
	s := vonagetest.NewServer(t, vonagetest.Options{})
	for _, auth := range []string{"", "Bearer abc.def.ghi", "Basic YWJjZDEyMzQ6c2VjcmV0"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+vonagetest.PathCalls, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: HTTP %d, want 401", auth, resp.StatusCode)
		}
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("recorded %d calls, want none", n)
	}
}
