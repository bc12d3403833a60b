package api_test

import (
	"slices"
	"strings"
	"testing"
)

// TestSenderIDsNeedTheOperatorsApproval: a tenant's send may name as
// callerId only a sender id the operator approved for its project, and
// only the operator sets the list.
func TestSenderIDsNeedTheOperatorsApproval(t *testing.T) {
	h := newHarness(t)
	tok := h.developer("tenant@example.com")
	projectID := h.mustStatus(h.do("POST", "/v1/projects", tok, map[string]any{"name": "P"}), 201).data()["id"].(string)
	app := h.mustStatus(h.do("POST", "/v1/applications", tok, map[string]any{"name": "web", "projectId": projectID, "environment": "live"}), 201).data()
	key := app["apiKey"].(string)
	send := func(callerID string) response {
		return h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms", "callerId": callerID})
	}

	r := send("MYBANK")
	h.wantRefused("an unapproved sender id", r, 403, "FORBIDDEN", "")
	if r.errField() != "callerId" || !strings.Contains(r.errMessage(), "approved") {
		t.Errorf("refusal = %s, want field callerId and a message about approval", r.raw)
	}
	h.wantRefused("a developer approving their own sender id",
		h.do("PUT", "/v1/projects/"+projectID+"/approved-sender-ids", tok, map[string]any{"approvedSenderIds": []string{"MYBANK"}}), 403, "FORBIDDEN", "")
	// A project update has no such field: whatever it answers, the list stays.
	h.do("PATCH", "/v1/projects/"+projectID, tok, map[string]any{"approvedSenderIds": []string{"MYBANK"}})
	h.wantRefused("still unapproved", send("MYBANK"), 403, "FORBIDDEN", "")
	h.wantRefused("an invalid sender id", h.do("PUT", "/v1/projects/"+projectID+"/approved-sender-ids", adminToken,
		map[string]any{"approvedSenderIds": []string{"NOT A SENDER ID"}}), 400, "INVALID_PARAMETER", "")

	p := h.mustStatus(h.do("PUT", "/v1/projects/"+projectID+"/approved-sender-ids", adminToken,
		map[string]any{"approvedSenderIds": []string{"ACME", "+14155550199", "ACME"}}), 200).data()
	if got := p["approvedSenderIds"]; !slices.Equal(anyStrings(got), []string{"ACME", "+14155550199"}) {
		t.Errorf("approvedSenderIds = %v, want [ACME +14155550199]", got)
	}
	seen := h.mustStatus(h.do("GET", "/v1/projects/"+projectID, tok, nil), 200).data()["approvedSenderIds"]
	if !slices.Equal(anyStrings(seen), []string{"ACME", "+14155550199"}) {
		t.Errorf("the owner sees approvedSenderIds %v", seen)
	}
	h.wantAudited("admin PUT /v1/projects/{id}/approved-sender-ids /v1/projects/" + projectID + "/approved-sender-ids")

	h.mustStatus(h.do("PATCH", "/v1/projects/"+projectID, tok, map[string]any{"name": "renamed"}), 200)
	h.mustStatus(send("ACME"), 201)
	h.deliver() // before the next send to the number supersedes it
	h.mustStatus(send("+14155550199"), 201)
	h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552672", "channel": "sms"}), 201)
	h.wantRefused("another sender id", send("MYBANK"), 403, "FORBIDDEN", "")
	h.deliver()
	var callers []string
	for _, m := range h.sender.msgs {
		callers = append(callers, m.CallerID)
	}
	slices.Sort(callers)
	if !slices.Equal(callers, []string{"", "+14155550199", "ACME"}) {
		t.Errorf("messages went out with caller ids %q, want only the approved ones", callers)
	}

	h.mustStatus(h.do("PUT", "/v1/projects/"+projectID+"/approved-sender-ids", adminToken, map[string]any{"approvedSenderIds": []string{}}), 200)
	h.wantRefused("a sender id no longer approved", send("ACME"), 403, "FORBIDDEN", "")

	// The operator's own projects are the operator's to approve.
	_, opKey := h.createApp("live")
	h.mustStatus(h.do("POST", "/v1/verifications", opKey, map[string]any{"to": "+14155552673", "channel": "sms", "callerId": "OPERATOR"}), 201)
}

func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, s := range list {
		out = append(out, s.(string))
	}
	return out
}
