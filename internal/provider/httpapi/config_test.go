package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/httpapi"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*httpapi.Config)
		want string // substring of the error; "" for valid
	}{
		{"valid", func(*httpapi.Config) {}, ""},
		{"get without body", func(c *httpapi.Config) { c.Method, c.Body = "GET", "" }, ""},
		{"lower-case method", func(c *httpapi.Config) { c.Method = "put" }, ""},
		{"no channels", func(c *httpapi.Config) { c.Channels = nil }, "channels is required"},
		{"unknown channel", func(c *httpapi.Config) { c.Channels = []otp.Channel{"fax"} }, `channels: unknown channel "fax"`},
		{"channel twice", func(c *httpapi.Config) { c.Channels = []otp.Channel{otp.SMS, otp.SMS} }, `channels: "sms" is listed twice`},
		{"bad method", func(c *httpapi.Config) { c.Method = "DELETE" }, "method must be GET, POST or PUT"},
		{"no url", func(c *httpapi.Config) { c.URL = "" }, "url is required"},
		{"get with body", func(c *httpapi.Config) { c.Method = "GET" }, "body must be empty with method GET"},
		{"content type without body", func(c *httpapi.Config) { c.Body, c.ContentType = "", "text/plain" }, "content_type is set but body is empty"},
		{"bad header name", func(c *httpapi.Config) { c.Headers = map[string]string{"X Token": "a"} }, `headers: "X Token" is not a valid header name`},
		{"host header", func(c *httpapi.Config) { c.Headers = map[string]string{"host": "a"} }, "headers.host cannot be set"},
		{"content-type header", func(c *httpapi.Config) { c.Headers = map[string]string{"Content-Type": "a"} }, "headers.Content-Type: set content_type instead"},
		{"negative timeout", func(c *httpapi.Config) { c.Timeout = -time.Second }, "timeout must be a positive duration"},
		{"success 5xx", func(c *httpapi.Config) { c.Success.Status = []int{200, 503} }, "success.status: 503 cannot mean success"},
		{"success 429", func(c *httpapi.Config) { c.Success.Status = []int{429} }, "success.status: 429"},
		{"success path without equals", func(c *httpapi.Config) { c.Success.JSONPath = "status" }, "success.equals is required with success.json_path"},
		{"success equals without path", func(c *httpapi.Config) { c.Success.Equals = httpapi.StringList{"ok"} }, "success.json_path is required"},
		{"success bad path", func(c *httpapi.Config) {
			c.Success.JSONPath, c.Success.Equals = "data..status", httpapi.StringList{"ok"}
		}, "success.json_path \"data..status\" has an empty segment"},
		{"permanent 2xx", func(c *httpapi.Config) { c.Permanent.Status = []int{200} }, "permanent.status: 200 is not a 4xx"},
		{"permanent 429", func(c *httpapi.Config) { c.Permanent.Status = []int{429} }, "permanent.status: 429"},
		{"permanent 408", func(c *httpapi.Config) { c.Permanent.Status = []int{408} }, "permanent.status: 408"},
		{"permanent also success", func(c *httpapi.Config) {
			c.Success.Status, c.Permanent.Status = []int{200, 400}, []int{400}
		}, "permanent.status: 400 is also in success.status"},
		{"permanent path without values", func(c *httpapi.Config) { c.Permanent.JSONPath = "code" }, "permanent.values is required"},
		{"permanent values without path", func(c *httpapi.Config) { c.Permanent.Values = httpapi.StringList{"x"} }, "permanent.json_path is required"},
		{"message id both", func(c *httpapi.Config) { c.MessageID = httpapi.Extract{JSONPath: "id", Regex: "(x)"} }, "message_id: set json_path or regex, not both"},
		{"message id bad regex", func(c *httpapi.Config) { c.MessageID = httpapi.Extract{Regex: "(x"} }, "message_id: regex:"},
		{"message id no group", func(c *httpapi.Config) { c.MessageID = httpapi.Extract{Regex: "id=x"} }, "message_id: regex must have exactly one capture group, it has 0"},
		{"message id two groups", func(c *httpapi.Config) { c.MessageID = httpapi.Extract{Regex: "(a)(b)"} }, "it has 2"},
		{"error code bad path", func(c *httpapi.Config) { c.ErrorCode = httpapi.Extract{JSONPath: "."} }, "error_code: json_path"},
		{"error message bad regex", func(c *httpapi.Config) { c.ErrorMessage = httpapi.Extract{Regex: "["} }, "error_message: regex"},
		{"bad retry after header", func(c *httpapi.Config) { c.RetryAfterHeader = "Retry After" }, "retry_after_header"},
		{"bad check method", func(c *httpapi.Config) { c.CheckURL, c.CheckMethod = "https://gw.example/ping", "PUT" }, "check_method must be GET, HEAD or POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := jsonGateway("https://gw.example", nil)
			tt.edit(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				if _, err := httpapi.New(c); err != nil {
					t.Errorf("New = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v, want an error containing %q", err, tt.want)
			}
			if _, err := httpapi.New(c); err == nil {
				t.Error("New accepted a configuration Validate refuses")
			}
		})
	}
}

// TestTemplateErrorsAtNew checks that a template that cannot parse, or
// that fails on a sample message, stops New with the key named.
func TestTemplateErrorsAtNew(t *testing.T) {
	const secret = "tok_secret_123456"
	tests := []struct {
		name string
		edit func(*httpapi.Config)
		want []string // substrings of the error
	}{
		{"url does not parse", func(c *httpapi.Config) { c.URL = "https://gw.example/send?to={{.To" }, []string{"url: invalid template"}},
		{"header does not parse", func(c *httpapi.Config) { c.Headers = map[string]string{"X-Token": "{{end}}"} }, []string{"headers.X-Token: invalid template"}},
		{"body does not parse", func(c *httpapi.Config) { c.Body = `{"to": {{json .To}` }, []string{"body: invalid template"}},
		{"check url does not parse", func(c *httpapi.Config) { c.CheckURL = "{{if}}" }, []string{"check_url: invalid template"}},
		{"no env function", func(c *httpapi.Config) { c.Headers = map[string]string{"X-Token": `{{env "HOME"}}`} },
			[]string{"headers.X-Token", `function "env" not defined`}},
		{"unknown field in url", func(c *httpapi.Config) { c.URL = "https://gw.example/send?to={{urlquery .Phone}}" },
			[]string{"url:", "can't evaluate field Phone", "sample sms message"}},
		{"unknown field in header", func(c *httpapi.Config) { c.Headers = map[string]string{"X-Token": "{{.Token}}"} },
			[]string{"headers.X-Token:", "Token"}},
		{"unknown field in body", func(c *httpapi.Config) { c.Body = `{"to": {{json .Recipient}}}` }, []string{"body:", "Recipient"}},
		{"unknown var", func(c *httpapi.Config) { c.Headers = map[string]string{"Authorization": "Bearer {{.Vars.tokn}}"} },
			[]string{"headers.Authorization:", `map has no entry for key "tokn"`}},
		{"unknown field in check url", func(c *httpapi.Config) { c.CheckURL = "https://gw.example/{{.Account}}" },
			[]string{"check_url:", "Account", "the check"}},
		{"wrong arguments", func(c *httpapi.Config) { c.Body = "{{json}}" }, []string{"body:", "json"}},
		{"relative url", func(c *httpapi.Config) { c.URL = "/send" }, []string{"url: the rendered URL must start with http"}},
		{"url without host", func(c *httpapi.Config) { c.URL = "https:///send" }, []string{"url: the rendered URL has no host"}},
		{"unescaped value breaks the url", func(c *httpapi.Config) { c.URL = "https://gw.example/%{{.To}}" },
			[]string{"url: the rendered URL does not parse"}},
		{"header value with a line break", func(c *httpapi.Config) {
			c.Vars["token"] = "abc\r\nX-Evil: 1"
		}, []string{"headers.Authorization: the rendered value has a line break"}},
		{"branch of another channel", func(c *httpapi.Config) {
			c.URL = `https://gw.example/{{if eq .Channel "whatsapp"}}{{.Bogus}}{{end}}`
		}, []string{"url:", "Bogus", "sample whatsapp message"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := jsonGateway("https://gw.example", nil)
			c.Vars = map[string]string{"token": secret}
			tt.edit(&c)
			_, err := httpapi.New(c)
			if err == nil {
				t.Fatalf("New accepted the configuration, want an error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New = %v, want an error containing %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("New = %v, quotes the secret", err)
			}
		})
	}
}

// A template error that would quote a secret does not.
func TestTemplateErrorRedactsSecrets(t *testing.T) {
	c := jsonGateway("https://gw.example", nil)
	c.Vars = map[string]string{"token": "tok_secret_123456"}
	c.Body = "{{range .Vars.token}}{{end}}"
	_, err := httpapi.New(c)
	if err == nil {
		t.Fatal("New accepted ranging over a string")
	}
	if !strings.Contains(err.Error(), "body:") || strings.Contains(err.Error(), "tok_secret_123456") {
		t.Errorf("New = %v, want a body error without the secret", err)
	}
}

func TestConfigYAML(t *testing.T) {
	c := fromYAML(t, `
channels: [sms, voice]
method: GET
url: 'https://kookoo.in/api/v1/TwoFactor/{{if eq .Channel "voice"}}callotp{{else}}smsotp{{end}}?api_key={{urlquery .Vars.api_key}}&phone_no={{urlquery .ToDigits}}'
headers: {Accept: application/json}
vars: {api_key: KKsecret}
timeout: 4s
success: {status: [200], json_path: status, equals: success, body_contains: message}
message_id: {regex: '"message":"(SM[^"]+)"'}
error_code: {json_path: code}
error_message: {json_path: message}
permanent: {status: [400, 404], json_path: message, values: [Invalid Number]}
retry_after_header: X-Retry-In
check_url: 'https://kookoo.in/api/v1/balance?api_key={{urlquery .Vars.api_key}}'
check_method: head
`)
	want := httpapi.Config{
		Channels: []otp.Channel{otp.SMS, otp.Voice},
		Method:   "GET",
		URL:      `https://kookoo.in/api/v1/TwoFactor/{{if eq .Channel "voice"}}callotp{{else}}smsotp{{end}}?api_key={{urlquery .Vars.api_key}}&phone_no={{urlquery .ToDigits}}`,
		Headers:  map[string]string{"Accept": "application/json"},
		Vars:     map[string]string{"api_key": "KKsecret"},
		Timeout:  4 * time.Second,
		Success: httpapi.Success{
			Status: []int{200}, JSONPath: "status", Equals: httpapi.StringList{"success"}, BodyContains: "message",
		},
		MessageID:        httpapi.Extract{Regex: `"message":"(SM[^"]+)"`},
		ErrorCode:        httpapi.Extract{JSONPath: "code"},
		ErrorMessage:     httpapi.Extract{JSONPath: "message"},
		Permanent:        httpapi.Permanent{Status: []int{400, 404}, JSONPath: "message", Values: httpapi.StringList{"Invalid Number"}},
		RetryAfterHeader: "X-Retry-In",
		CheckURL:         "https://kookoo.in/api/v1/balance?api_key={{urlquery .Vars.api_key}}",
		CheckMethod:      "head",
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("decoded config (-want +got):\n%s", diff)
	}
	p, err := httpapi.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !p.HasCheck() {
		t.Error("HasCheck = false with check_url")
	}
}

func TestStringListYAML(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want httpapi.StringList
	}{
		{"scalar", "equals: success", httpapi.StringList{"success"}},
		{"number scalar", "equals: 0", httpapi.StringList{"0"}},
		{"list", "equals: [success, queued]", httpapi.StringList{"success", "queued"}},
		{"null", "equals:", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s httpapi.Success
			if err := yaml.Unmarshal([]byte(tt.yaml), &s); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, s.Equals); diff != "" {
				t.Errorf("equals (-want +got):\n%s", diff)
			}
		})
	}
	var s httpapi.Success
	if err := yaml.Unmarshal([]byte("equals: {a: b}"), &s); err == nil {
		t.Error("a mapping decoded as a string list")
	}
}

// The package comment's examples, minus the type key the config loader
// reads, are valid configurations.
func TestDocExamples(t *testing.T) {
	for _, text := range []string{`
channels: [sms]
method: GET
url: >-
  https://gateway.example/api/v1/sms?api_key={{urlquery .Vars.api_key}}&phone_no={{urlquery .ToDigits}}&caller_id={{urlquery .CallerID}}&message={{urlquery .Body}}
vars:
  api_key: ${GATEWAY_API_KEY}
success: {json_path: status, equals: [success, queued]}
message_id: {json_path: message}
error_message: {json_path: message}
`, `
channels: [sms, whatsapp]
url: https://api.gateway.example/v2/messages
headers:
  Authorization: 'Bearer {{.Vars.token}}'
  Idempotency-Key: '{{.ID}}'
body: '{"to": {{json .To}}, "channel": {{json .Channel}}, "text": {{json .Body}}}'
vars: {token: "${GATEWAY_TOKEN}"}
message_id: {json_path: data.id}
permanent: {status: [400, 404], json_path: error.code, values: [invalid_number, blocked]}
check_url: https://api.gateway.example/v2/account
`} {
		if _, err := httpapi.New(fromYAML(t, text)); err != nil {
			t.Errorf("New: %v for\n%s", err, text)
		}
	}
}
