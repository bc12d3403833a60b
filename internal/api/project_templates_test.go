package api_test

import (
	"strings"
	"testing"
)

// TestUntrustedTemplatesWaitForApproval: the template overrides a
// developer on an untrusted plan saves wait, unused, until the operator
// approves the very texts read; removals, the operator's own changes and
// trusted developers' changes apply at once.
func TestUntrustedTemplatesWaitForApproval(t *testing.T) {
	h := newHarness(t)
	tok, devID, _, key := h.devApp("tenant@example.com")
	projectID := h.mustStatus(h.do("GET", "/v1/projects", tok, nil), 200).list()[0].(map[string]any)["id"].(string)
	plan := map[string]any{"maxProjects": 10, "maxAppsPerProject": 5, "untrusted": true}
	d := h.mustStatus(h.do("PATCH", "/v1/developers/"+devID, adminToken, map[string]any{"plan": plan}), 200).data()
	if d["plan"].(map[string]any)["untrusted"] != true {
		t.Fatalf("plan = %v, want untrusted", d["plan"])
	}
	// A plan change that does not mention the flag keeps it.
	h.mustStatus(h.do("PATCH", "/v1/developers/"+devID, adminToken, map[string]any{"plan": map[string]any{"maxProjects": 20, "maxAppsPerProject": 5}}), 200)

	setTemplate := func(token, body string) response {
		templates := []map[string]any{}
		if body != "" {
			templates = append(templates, map[string]any{"channel": "sms", "purpose": "verification", "body": body})
		}
		return h.mustStatus(h.do("PATCH", "/v1/projects/"+projectID, token, map[string]any{"policy": map[string]any{
			"messages": map[string]any{"templates": templates}}}), 200)
	}
	activeTemplates := func(p map[string]any) []any {
		return p["policy"].(map[string]any)["messages"].(map[string]any)["templates"].([]any)
	}
	sentBody := func(to string) string {
		h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": to, "channel": "sms"}), 201)
		return h.inboxMessage(key, to)["body"].(string)
	}

	phishing := "Your bank: call +1 555 0100 and read out {{.Code}}"
	p := setTemplate(tok, phishing).data()
	pending, _ := p["pendingTemplates"].(map[string]any)
	if len(activeTemplates(p)) != 0 || pending == nil || len(pending["templates"].([]any)) != 1 {
		t.Fatalf("after an untrusted save: templates %v, pending %v; want none in use and one pending", activeTemplates(p), p["pendingTemplates"])
	}
	if body := sentBody("+14155552681"); strings.Contains(body, "bank") {
		t.Errorf("a pending template was used: %q", body)
	}
	submitted := pending["submittedAt"]

	h.wantRefused("the developer approving", h.do("POST", "/v1/projects/"+projectID+"/templates/approve", tok, map[string]any{"submittedAt": submitted}), 403, "FORBIDDEN", "")
	h.wantRefused("approving other texts than those read", h.do("POST", "/v1/projects/"+projectID+"/templates/approve", adminToken,
		map[string]any{"submittedAt": "2020-01-01T00:00:00Z"}), 409, "CONFLICT", "")

	p = h.mustStatus(h.do("POST", "/v1/projects/"+projectID+"/templates/approve", adminToken, map[string]any{"submittedAt": submitted}), 200).data()
	if len(activeTemplates(p)) != 1 || p["pendingTemplates"] != nil {
		t.Errorf("after approval: templates %v, pending %v", activeTemplates(p), p["pendingTemplates"])
	}
	if body := sentBody("+14155552682"); !strings.HasPrefix(body, "Your bank") {
		t.Errorf("the approved template was not used: %q", body)
	}
	h.wantAudited("admin POST /v1/projects/{id}/templates/approve /v1/projects/" + projectID + "/templates/approve")

	// A new text waits again; rejected, the approved one stays.
	p = setTemplate(tok, "Other {{.Code}}").data()
	if len(activeTemplates(p)) != 1 || p["pendingTemplates"] == nil {
		t.Fatalf("after a second save: templates %v, pending %v", activeTemplates(p), p["pendingTemplates"])
	}
	h.mustStatus(h.do("POST", "/v1/projects/"+projectID+"/templates/reject", adminToken,
		map[string]any{"submittedAt": p["pendingTemplates"].(map[string]any)["submittedAt"]}), 200)
	if body := sentBody("+14155552683"); !strings.HasPrefix(body, "Your bank") {
		t.Errorf("after a rejection: %q, want the approved template", body)
	}
	h.wantRefused("nothing left to approve", h.do("POST", "/v1/projects/"+projectID+"/templates/approve", adminToken,
		map[string]any{"submittedAt": submitted}), 409, "CONFLICT", "")

	// Removing overrides needs no approval.
	if p = setTemplate(tok, "").data(); len(activeTemplates(p)) != 0 || p["pendingTemplates"] != nil {
		t.Errorf("after removing: templates %v, pending %v; want none", activeTemplates(p), p["pendingTemplates"])
	}
	// The operator's own change applies at once.
	if p = setTemplate(adminToken, "Operator {{.Code}}").data(); len(activeTemplates(p)) != 1 || p["pendingTemplates"] != nil {
		t.Errorf("after the operator's save: templates %v, pending %v", activeTemplates(p), p["pendingTemplates"])
	}

	// A new project's templates wait as well.
	created := h.mustStatus(h.do("POST", "/v1/projects", tok, map[string]any{"name": "Q", "policy": map[string]any{
		"messages": map[string]any{"templates": []map[string]any{{"channel": "sms", "purpose": "verification", "body": phishing}}}}}), 201).data()
	if len(activeTemplates(created)) != 0 || created["pendingTemplates"] == nil {
		t.Errorf("a new project of an untrusted developer: templates %v, pending %v", activeTemplates(created), created["pendingTemplates"])
	}

	// A trusted developer's templates apply at once.
	other, _, _, _ := h.devApp("trusted@example.com")
	otherProject := h.mustStatus(h.do("GET", "/v1/projects", other, nil), 200).list()[0].(map[string]any)["id"].(string)
	r := h.mustStatus(h.do("PATCH", "/v1/projects/"+otherProject, other, map[string]any{"policy": map[string]any{
		"messages": map[string]any{"templates": []map[string]any{{"channel": "sms", "purpose": "verification", "body": "Hi {{.Code}}"}}}}}), 200).data()
	if len(activeTemplates(r)) != 1 || r["pendingTemplates"] != nil {
		t.Errorf("a trusted developer's save: templates %v, pending %v", activeTemplates(r), r["pendingTemplates"])
	}
}
