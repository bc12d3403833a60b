package api_test

import "testing"

// Names and template texts with control or bidirectional formatting
// characters are refused with 400, the field and a stable reason.
func TestUnsafeTextRefused(t *testing.T) {
	h := newHarness(t)
	project := h.createProject("p")
	app, _ := h.createApp("test")
	for _, c := range []struct {
		name, method, path string
		body               map[string]any
		field, character   string
	}{
		{"project name", "POST", "/v1/projects", map[string]any{"name": "Bank\u202Emoc.live"}, "name", "U+202E"},
		{"project description", "PATCH", "/v1/projects/" + project, map[string]any{"description": "ok\x1b[2J"}, "description", "U+001B"},
		{"application name", "POST", "/v1/applications", map[string]any{"name": "Bank\nCall +1 555", "projectId": project, "environment": "test"}, "name", "U+000A"},
		{"application rename", "PATCH", "/v1/applications/" + app, map[string]any{"name": "A\u2067B"}, "name", "U+2067"},
		{"developer name", "POST", "/v1/developers", map[string]any{"email": "d@example.com", "password": "correct horse battery", "name": "D\u200F"}, "name", "U+200F"},
		{"API key name", "POST", "/v1/applications/" + app + "/keys", map[string]any{"name": "ci\u061C", "scope": "full"}, "name", "U+061C"},
		{"template body", "PATCH", "/v1/projects/" + project, map[string]any{"policy": map[string]any{"messages": map[string]any{"templates": []any{
			map[string]any{"channel": "sms", "purpose": "verification", "body": "\u202DYour code {{.Code}}"}}}}}, "policy.messages.templates[0].body", "U+202D"},
	} {
		r := h.do(c.method, c.path, adminToken, c.body)
		d, _ := r.body["error"].(map[string]any)["details"].(map[string]any)
		if r.status != 400 || r.errCode() != "INVALID_PARAMETER" || r.errField() != c.field || d["reason"] != "unsafe_characters" || d["character"] != c.character {
			t.Errorf("%s: %d %s, want 400 INVALID_PARAMETER on %s, reason unsafe_characters, character %s", c.name, r.status, r.raw, c.field, c.character)
		}
	}
}
