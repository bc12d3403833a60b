package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIDocument checks the served document is valid OpenAPI and
// describes every endpoint the server answers.
func TestOpenAPIDocument(t *testing.T) {
	h := newHarness(t)
	r := h.mustStatus(h.do("GET", "/openapi.json", "", nil), 200)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.raw)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	want := map[string][]string{
		"/v1/health":                          {"GET"},
		"/v1/projects":                        {"GET", "POST"},
		"/v1/projects/{id}":                   {"GET", "PATCH", "DELETE"},
		"/v1/applications":                    {"GET", "POST"},
		"/v1/applications/{id}":               {"GET", "PATCH", "DELETE"},
		"/v1/applications/{id}/rotate/{type}": {"POST"},
		"/v1/verifications":                   {"GET", "POST"},
		"/v1/verifications/{id}":              {"GET"},
		"/v1/verifications/check":             {"POST"},
		"/v1/verifications/{id}/check":        {"POST"},
		"/v1/verifications/{id}/resend":       {"POST"},
		"/v1/verifications/{id}/cancel":       {"POST"},
		"/v1/test/messages":                   {"GET"},
	}
	for path, methods := range want {
		item := doc.Paths.Find(path)
		if item == nil {
			t.Errorf("path %s missing", path)
			continue
		}
		for _, m := range methods {
			if item.GetOperation(m) == nil {
				t.Errorf("%s %s missing", m, path)
			}
		}
	}
	// gracePeriod is documented, with what it means for webhook secrets.
	rotate := doc.Paths.Find("/v1/applications/{id}/rotate/{type}").Post
	if p := rotate.Parameters.GetByInAndName("query", "gracePeriod"); p == nil || !strings.Contains(p.Description, "webhook-signature") {
		t.Errorf("rotate's gracePeriod parameter = %+v, want one documenting the webhook signatures", p)
	}
	// The Verification schema names the fields the handler really sends.
	var spec map[string]any
	json.Unmarshal(r.raw, &spec)
	props := spec["components"].(map[string]any)["schemas"].(map[string]any)["Verification"].(map[string]any)["properties"].(map[string]any)
	_, key := h.createApp("test")
	v := h.mustStatus(h.do("POST", "/v1/verifications", key, `{"to":"+14155552671","channel":"sms"}`), 201).data()
	for field := range v {
		if _, ok := props[field]; !ok {
			t.Errorf("answer field %q is not in the Verification schema", field)
		}
	}
	for field := range props {
		if _, ok := v[field]; !ok && !strings.Contains("lastError", field) {
			t.Errorf("schema field %q is not in the answer", field)
		}
	}
	// A message is one attempt: its schema lists the attempt's fields and statuses.
	msg := spec["components"].(map[string]any)["schemas"].(map[string]any)["Message"].(map[string]any)["properties"].(map[string]any)
	for _, field := range []string{"attempt", "nextAttemptAt", "error", "status"} {
		if _, ok := msg[field]; !ok {
			t.Errorf("the Message schema lacks %q", field)
		}
	}
	if enum, _ := msg["status"].(map[string]any)["enum"].([]any); len(enum) != 5 || enum[0] != "retrying" {
		t.Errorf("Message status enum = %v, want retrying, sent, delivered, failed, expired", enum)
	}
}
