package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// devApp signs a developer in and gives them a project with a test
// application: the session token, the developer's id, the application's
// id and API key.
func (h *harness) devApp(email string) (token, devID, appID, key string) {
	h.t.Helper()
	token = h.developer(email)
	devID = h.mustStatus(h.do("GET", "/v1/developer/me", token, nil), 200).data()["id"].(string)
	p := h.mustStatus(h.do("POST", "/v1/projects", token, map[string]any{"name": "P"}), 201).data()["id"].(string)
	app := h.mustStatus(h.do("POST", "/v1/applications", token, map[string]any{"name": "web", "projectId": p, "environment": "test"}), 201).data()
	return token, devID, app["id"].(string), app["apiKey"].(string)
}

func (h *harness) wantRefused(what string, r response, status int, code, reason string) {
	h.t.Helper()
	if r.status != status || r.errCode() != code || reason != "" && r.errDetail("reason") != reason {
		h.t.Errorf("%s: %d %s, want %d %s (%s)", what, r.status, r.raw, status, code, reason)
	}
}

func (h *harness) auditActions() []string {
	h.t.Helper()
	var out []string
	for _, e := range h.mustStatus(h.do("GET", "/v1/audit?limit=200", adminToken, nil), 200).list() {
		m := e.(map[string]any)
		out = append(out, m["actor"].(string)+" "+m["action"].(string)+" "+m["target"].(string))
	}
	return out
}

func (h *harness) wantAudited(entry string) {
	h.t.Helper()
	for _, got := range h.auditActions() {
		if got == entry {
			return
		}
	}
	h.t.Errorf("the audit log has no %q: %v", entry, h.auditActions())
}

func TestOperatorSuspendsADeveloper(t *testing.T) {
	h := newHarness(t)
	tok, devID, _, key := h.devApp("tenant@example.com")
	other, _, _, otherKey := h.devApp("other@example.com")
	h.send(key, "+14155552671", "sms")

	h.wantRefused("a developer suspending another", h.do("POST", "/v1/developers/"+devID+"/suspend", other, nil), 403, "FORBIDDEN", "")
	d := h.mustStatus(h.do("POST", "/v1/developers/"+devID+"/suspend", adminToken, nil), 200).data()
	if d["status"] != "suspended" {
		t.Errorf("suspended developer = %v", d)
	}
	h.wantRefused("the suspended developer's console", h.do("GET", "/v1/projects", tok, nil), 403, "FORBIDDEN", "developer_suspended")
	h.wantRefused("the suspended developer's send", h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552672", "channel": "sms"}),
		403, "FORBIDDEN", "developer_suspended")
	h.wantRefused("the suspended developer's sign-in", h.do("POST", "/v1/auth/login", "", map[string]any{"email": "tenant@example.com", "password": "correct horse battery"}),
		403, "FORBIDDEN", "developer_suspended")
	h.send(otherKey, "+14155552673", "sms") // another tenant sends on
	h.mustStatus(h.do("GET", "/v1/projects", other, nil), 200)

	var status string
	for _, d := range h.mustStatus(h.do("GET", "/v1/developers", adminToken, nil), 200).list() {
		if m := d.(map[string]any); m["id"] == devID {
			status, _ = m["status"].(string)
		}
	}
	if status != "suspended" {
		t.Errorf("the developers list shows status %q, want suspended", status)
	}

	h.mustStatus(h.do("POST", "/v1/developers/"+devID+"/reactivate", adminToken, nil), 200)
	h.mustStatus(h.do("GET", "/v1/projects", tok, nil), 200)
	h.send(key, "+14155552674", "sms")
	h.wantAudited("admin POST /v1/developers/{id}/suspend /v1/developers/" + devID + "/suspend")
	h.wantAudited("admin POST /v1/developers/{id}/reactivate /v1/developers/" + devID + "/reactivate")
}

func TestOperatorRevokesSessions(t *testing.T) {
	h := newHarness(t)
	tok, devID, _, key := h.devApp("revoked@example.com")
	second := h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "revoked@example.com", "password": "correct horse battery"}), 200).data()["token"].(string)
	bystander := h.developer("bystander@example.com")

	h.mustStatus(h.do("POST", "/v1/developers/"+devID+"/sessions/revoke", adminToken, nil), 204)
	for _, s := range []string{tok, second} {
		h.wantRefused("a revoked session", h.do("GET", "/v1/projects", s, nil), 401, "UNAUTHENTICATED", "")
	}
	h.mustStatus(h.do("GET", "/v1/projects", bystander, nil), 200)
	h.send(key, "+14155552671", "sms") // the API keys are not sessions
	h.wantAudited("admin POST /v1/developers/{id}/sessions/revoke /v1/developers/" + devID + "/sessions/revoke")

	// Signing out everywhere, oneself.
	h.clock.Advance(time.Second)
	fresh := h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "revoked@example.com", "password": "correct horse battery"}), 200).data()["token"].(string)
	h.mustStatus(h.do("POST", "/v1/auth/logout-all", fresh, nil), 204)
	h.wantRefused("the session that signed out everywhere", h.do("GET", "/v1/projects", fresh, nil), 401, "UNAUTHENTICATED", "")
	h.wantRefused("the operator signing out everywhere", h.do("POST", "/v1/auth/logout-all", adminToken, nil), 403, "FORBIDDEN", "")
	h.wantAudited("developer:" + devID + " POST /v1/auth/logout-all /v1/auth/logout-all")
}

func TestOperatorHoldsAnApplication(t *testing.T) {
	h := newHarness(t)
	tok, _, appID, key := h.devApp("held@example.com")

	h.wantRefused("the owner holding its own application", h.do("POST", "/v1/applications/"+appID+"/operator-disable", tok, nil), 403, "FORBIDDEN", "")
	a := h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/operator-disable", adminToken, nil), 200).data()
	if a["operatorDisabled"] != true || a["status"] != "active" {
		t.Errorf("held application = %v", a)
	}
	send := func() response {
		return h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"})
	}
	h.wantRefused("a held application's send", send(), 403, "FORBIDDEN", "operator_disabled")
	a = h.mustStatus(h.do("PATCH", "/v1/applications/"+appID, tok, map[string]any{"status": "active"}), 200).data()
	if a["operatorDisabled"] != true {
		t.Errorf("after the owner's PATCH: %v, want still held", a)
	}
	h.wantRefused("a held application's send after the owner enabled it", send(), 403, "FORBIDDEN", "operator_disabled")
	h.wantRefused("the owner lifting the hold", h.do("POST", "/v1/applications/"+appID+"/operator-enable", tok, nil), 403, "FORBIDDEN", "")
	if g := h.mustStatus(h.do("GET", "/v1/applications/"+appID, tok, nil), 200).data(); g["operatorDisabled"] != true {
		t.Errorf("the owner's view = %v, want operatorDisabled", g)
	}

	a = h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/operator-enable", adminToken, nil), 200).data()
	if a["operatorDisabled"] != false {
		t.Errorf("after the operator lifted the hold: %v", a)
	}
	h.mustStatus(send(), 201)
	h.wantAudited("admin POST /v1/applications/{id}/operator-disable /v1/applications/" + appID + "/operator-disable")
	h.wantAudited("admin POST /v1/applications/{id}/operator-enable /v1/applications/" + appID + "/operator-enable")
}

func TestPasswordChangeAndReset(t *testing.T) {
	h := newHarness(t)
	tok, devID, _, _ := h.devApp("pw@example.com")
	other := h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "pw@example.com", "password": "correct horse battery"}), 200).data()["token"].(string)

	r := h.do("POST", "/v1/auth/password", tok, map[string]any{"currentPassword": "wrong one!", "newPassword": "a better passphrase"})
	if r.status != 400 || r.errField() != "currentPassword" {
		t.Errorf("a wrong current password: %d %s", r.status, r.raw)
	}
	r = h.mustStatus(h.do("POST", "/v1/auth/password", tok, map[string]any{"currentPassword": "correct horse battery", "newPassword": "a better passphrase"}), 200)
	fresh, _ := r.data()["token"].(string)
	if !strings.HasPrefix(fresh, "otpd_session_") || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("password change answer: %s %v", r.raw, r.header)
	}
	for _, s := range []string{tok, other} {
		h.wantRefused("a session from before the password change", h.do("GET", "/v1/projects", s, nil), 401, "UNAUTHENTICATED", "")
	}
	h.mustStatus(h.do("GET", "/v1/projects", fresh, nil), 200)
	h.wantAudited("developer:" + devID + " POST /v1/auth/password /v1/auth/password")

	// The operator's reset.
	h.wantRefused("a developer making a reset token", h.do("POST", "/v1/developers/"+devID+"/password-reset", fresh, nil), 403, "FORBIDDEN", "")
	r = h.mustStatus(h.do("POST", "/v1/developers/"+devID+"/password-reset", adminToken, nil), 201)
	reset, _ := r.data()["token"].(string)
	if !strings.HasPrefix(reset, "otpd_reset_") || r.header.Get("Cache-Control") != "no-store" || r.data()["developerId"] != devID {
		t.Fatalf("reset answer: %s %v", r.raw, r.header)
	}
	h.clock.Advance(time.Second)
	h.mustStatus(h.do("POST", "/v1/auth/password-reset", "", map[string]any{"token": reset, "password": "set by the reset link"}), 200)
	h.wantRefused("the reset token used twice", h.do("POST", "/v1/auth/password-reset", "", map[string]any{"token": reset, "password": "and once more please"}),
		403, "FORBIDDEN", "")
	h.wantRefused("a session from before the reset", h.do("GET", "/v1/projects", fresh, nil), 401, "UNAUTHENTICATED", "")
	h.clock.Advance(time.Second)
	h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "pw@example.com", "password": "set by the reset link"}), 200)
	h.wantAudited("admin POST /v1/developers/{id}/password-reset /v1/developers/" + devID + "/password-reset")
	h.wantAudited("developer:" + devID + " POST /v1/auth/password-reset /v1/auth/password-reset")
}

func TestOperatorDeletesADeveloper(t *testing.T) {
	h := newHarness(t)
	tok, devID, appID, _ := h.devApp("leaving@example.com")
	h.wantRefused("deleting a developer who owns projects", h.do("DELETE", "/v1/developers/"+devID, adminToken, nil), 409, "CONFLICT", "")
	h.wantRefused("a developer deleting itself", h.do("DELETE", "/v1/developers/"+devID, tok, nil), 403, "FORBIDDEN", "")
	projectID := h.mustStatus(h.do("GET", "/v1/applications/"+appID, tok, nil), 200).data()["projectId"].(string)
	h.mustStatus(h.do("DELETE", "/v1/applications/"+appID, tok, nil), 204)
	h.mustStatus(h.do("DELETE", "/v1/projects/"+projectID, tok, nil), 204)
	h.mustStatus(h.do("DELETE", "/v1/developers/"+devID, adminToken, nil), 204)
	h.wantRefused("a deleted developer's session", h.do("GET", "/v1/projects", tok, nil), 401, "UNAUTHENTICATED", "")
	h.wantRefused("deleting twice", h.do("DELETE", "/v1/developers/"+devID, adminToken, nil), 404, "NOT_FOUND", "")
	h.wantAudited("admin DELETE /v1/developers/{id} /v1/developers/" + devID)
}

// TestOpenAPIDocumentsOperatorControl: the routes of the operator's
// control, the developer's status and the application's hold.
func TestOpenAPIDocumentsOperatorControl(t *testing.T) {
	h := newHarness(t)
	r := h.mustStatus(h.do("GET", "/openapi.json", "", nil), 200)
	var spec struct {
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.raw, &spec); err != nil {
		t.Fatal(err)
	}
	for path, method := range map[string]string{
		"/v1/developers/{id}/suspend":            "post",
		"/v1/developers/{id}/reactivate":         "post",
		"/v1/developers/{id}":                    "delete",
		"/v1/developers/{id}/sessions/revoke":    "post",
		"/v1/developers/{id}/password-reset":     "post",
		"/v1/auth/logout-all":                    "post",
		"/v1/auth/password":                      "post",
		"/v1/auth/password-reset":                "post",
		"/v1/applications/{id}/operator-disable": "post",
		"/v1/applications/{id}/operator-enable":  "post",
	} {
		if spec.Paths[path][method] == nil {
			t.Errorf("%s %s is not documented", method, path)
		}
	}
	var devSchema, appSchema string
	for name, s := range spec.Components.Schemas {
		if _, ok := s.Properties["virtualPhoneNumber"]; ok && s.Properties["email"] != nil && s.Properties["createdAt"] != nil {
			devSchema = name
		}
		if _, ok := s.Properties["webhookSecretPreview"]; ok {
			appSchema = name
		}
	}
	if st := spec.Components.Schemas[devSchema].Properties["status"]; fmt.Sprint(st["enum"]) != "[active suspended]" {
		t.Errorf("developer schema %q status = %v, want enum active, suspended", devSchema, st)
	}
	if od := spec.Components.Schemas[appSchema].Properties["operatorDisabled"]; od["type"] != "boolean" {
		t.Errorf("application schema %q operatorDisabled = %v, want a boolean", appSchema, od)
	}
}
