package api_test

import (
	"strings"
	"testing"
)

// A send's template picks the project's template set of that name; the
// project view names each override's set ("default" for the unnamed);
// an unknown name is refused on field template.
func TestNamedTemplateSets(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("templates")
	r := h.mustStatus(h.do("PATCH", "/v1/projects/"+p, adminToken, map[string]any{"policy": map[string]any{
		"messages": map[string]any{"templates": []map[string]any{
			{"channel": "sms", "purpose": "verification", "body": "Default {{.Code}}"},
			{"name": "login", "channel": "sms", "purpose": "verification", "body": "Login {{.Code}}"},
		}},
	}}), 200)
	var names []string
	for _, tpl := range r.data()["policy"].(map[string]any)["messages"].(map[string]any)["templates"].([]any) {
		names = append(names, tpl.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "default,login" {
		t.Errorf("template names %v, want default and login", names)
	}
	a := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "A", "projectId": p, "environment": "test"}), 201)
	key := a.data()["apiKey"].(string)
	for to, tc := range map[string]struct{ template, prefix string }{
		"+14155552681": {"login", "Login "},
		"+14155552682": {"", "Default "},
		"+14155552683": {"default", "Default "},
	} {
		body := map[string]any{"to": to, "channel": "sms"}
		if tc.template != "" {
			body["template"] = tc.template
		}
		h.mustStatus(h.do("POST", "/v1/verifications", key, body), 201)
		if m := h.inboxMessage(key, to); !strings.HasPrefix(m["body"].(string), tc.prefix) {
			t.Errorf("template %q: body %q, want it to begin with %q", tc.template, m["body"], tc.prefix)
		}
	}
	r = h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552684", "channel": "sms", "template": "signup"})
	if r.status != 400 || r.errCode() != "INVALID_PARAMETER" || r.errField() != "template" {
		t.Errorf("unknown template: %d %s, want 400 INVALID_PARAMETER on template", r.status, r.raw)
	}
}
