package api_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestProjects(t *testing.T) {
	h := newHarness(t)
	r := h.mustStatus(h.do("POST", "/v1/projects", adminToken, map[string]any{"name": " Production ", "description": "main"}), 201)
	p := r.data()
	id := p["id"].(string)
	if p["name"] != "Production" || p["description"] != "main" {
		t.Errorf("created %v", p)
	}
	pol := p["policy"].(map[string]any)
	if pol["codeLength"] != 6.0 || pol["ttl"] != 300.0 || pol["maxAttempts"] != 5.0 {
		t.Errorf("default policy %v", pol)
	}
	if r.header.Get("X-Ratelimit-Limit") == "" || r.header.Get("X-Ratelimit-Remaining") == "" || r.header.Get("X-Ratelimit-Reset") == "" {
		t.Errorf("console answer without rate-limit headers: %v", r.header)
	}
	second := h.createProject("Staging")
	l := h.mustStatus(h.do("GET", "/v1/projects", adminToken, nil), 200).list()
	if len(l) != 2 || l[0].(map[string]any)["id"] != second {
		t.Errorf("list (newest first) = %v", l)
	}
	r = h.mustStatus(h.do("PATCH", "/v1/projects/"+id, adminToken, map[string]any{"name": "Prod", "policy": map[string]any{"codeLength": 8}}), 200)
	if r.data()["name"] != "Prod" || r.data()["description"] != "main" {
		t.Errorf("patched %v", r.data())
	}
	pol = r.data()["policy"].(map[string]any)
	if pol["codeLength"] != 8.0 || pol["ttl"] != 300.0 {
		t.Errorf("a partial policy patch changed other fields: %v", pol)
	}
	if got := h.mustStatus(h.do("GET", "/v1/projects/"+id, adminToken, nil), 200).data()["name"]; got != "Prod" {
		t.Errorf("get after patch: name %v", got)
	}
	r = h.do("PATCH", "/v1/projects/"+id, adminToken, map[string]any{"policy": map[string]any{"ttl": 5}})
	if r.status != 400 || r.errField() != "policy.ttl" {
		t.Errorf("ttl out of range: %d %s", r.status, r.raw)
	}
	h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "a", "projectId": id}), 201)
	r = h.do("DELETE", "/v1/projects/"+id, adminToken, nil)
	if r.status != 409 || r.errCode() != "CONFLICT" {
		t.Errorf("delete with applications: %d %s", r.status, r.raw)
	}
	h.mustStatus(h.do("DELETE", "/v1/projects/"+second, adminToken, nil), 204)
	if r := h.do("GET", "/v1/projects/"+second, adminToken, nil); r.status != 404 {
		t.Errorf("deleted project: %d", r.status)
	}
}

func TestApplicationsAndCredentials(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("P")
	r := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "iOS", "projectId": p, "environment": "test"}), 201)
	a := r.data()
	id := a["id"].(string)
	for field, pattern := range map[string]string{
		"clientId":      `^otpd_test_client_[0-9a-f]{48}$`,
		"clientSecret":  `^otpd_test_secret_[0-9a-f]{48}$`,
		"apiKey":        `^otpd_test_api_[0-9a-f]{48}$`,
		"publicKey":     `^otpd_test_pk_[0-9a-f]{48}$`,
		"webhookSecret": `^whsec_[A-Za-z0-9+/]{32}$`,
	} {
		if s, _ := a[field].(string); !regexp.MustCompile(pattern).MatchString(s) {
			t.Errorf("%s = %q, want %s", field, s, pattern)
		}
	}
	if a["status"] != "active" || a["environment"] != "test" || a["projectId"] != p || a["warning"] == "" {
		t.Errorf("created %v", a)
	}
	apiKey, secret := a["apiKey"].(string), a["clientSecret"].(string)

	got := h.mustStatus(h.do("GET", "/v1/applications/"+id, adminToken, nil), 200)
	if strings.Contains(string(got.raw), apiKey[14:]) || strings.Contains(string(got.raw), secret[17:]) {
		t.Errorf("a later read shows a secret: %s", got.raw)
	}
	if prev := got.data()["apiKeyPreview"].(string); !strings.HasPrefix(prev, "otpd_test_api_****") || !strings.HasSuffix(prev, apiKey[len(apiKey)-4:]) {
		t.Errorf("apiKeyPreview = %q", prev)
	}

	h.mustStatus(h.do("GET", "/v1/verifications", apiKey, nil), 200)
	rot := h.mustStatus(h.do("POST", "/v1/applications/"+id+"/rotate/api", adminToken, nil), 200).data()
	newKey := rot["value"].(string)
	if rot["type"] != "api" || !strings.HasPrefix(newKey, "otpd_test_api_") || newKey == apiKey || rot["rotatedAt"] == nil {
		t.Errorf("rotation answer %v", rot)
	}
	if r := h.do("GET", "/v1/verifications", apiKey, nil); r.status != 401 || r.errCode() != "UNAUTHENTICATED" {
		t.Errorf("old key after rotation: %d", r.status)
	}
	h.mustStatus(h.do("GET", "/v1/verifications", newKey, nil), 200)
	for _, typ := range []string{"secret", "webhook_secret"} {
		h.mustStatus(h.do("POST", "/v1/applications/"+id+"/rotate/"+typ, adminToken, nil), 200)
	}
	if r := h.do("POST", "/v1/applications/"+id+"/rotate/password", adminToken, nil); r.status != 400 || r.errField() != "type" {
		t.Errorf("rotate unknown type: %d %s", r.status, r.raw)
	}

	h.mustStatus(h.do("PATCH", "/v1/applications/"+id, adminToken, map[string]any{"status": "disabled", "name": "iOS 2"}), 200)
	if r := h.do("GET", "/v1/verifications", newKey, nil); r.status != 403 || r.errCode() != "FORBIDDEN" {
		t.Errorf("disabled app: %d %s", r.status, r.raw)
	}
	if r := h.do("POST", "/v1/verifications", newKey, map[string]any{"to": "+14155552671", "channel": "sms"}); r.status != 403 {
		t.Errorf("disabled app send: %d", r.status)
	}
	h.mustStatus(h.do("PATCH", "/v1/applications/"+id, adminToken, map[string]any{"status": "active"}), 200)
	h.mustStatus(h.do("GET", "/v1/verifications", newKey, nil), 200)
	if r := h.do("PATCH", "/v1/applications/"+id, adminToken, map[string]any{"environment": "live"}); r.status != 400 || r.errField() != "environment" {
		t.Errorf("changing environment: %d %s", r.status, r.raw)
	}

	other := h.createProject("Q")
	h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "web", "projectId": other}), 201)
	l := h.mustStatus(h.do("GET", "/v1/applications?projectId="+p, adminToken, nil), 200).list()
	if len(l) != 1 || l[0].(map[string]any)["id"] != id {
		t.Errorf("filtered list = %v", l)
	}
	if l := h.do("GET", "/v1/applications", adminToken, nil).list(); len(l) != 2 {
		t.Errorf("full list has %d", len(l))
	}

	h.send(newKey, "+14155552671", "sms")
	h.mustStatus(h.do("DELETE", "/v1/applications/"+id, adminToken, nil), 204)
	if r := h.do("GET", "/v1/verifications", newKey, nil); r.status != 401 {
		t.Errorf("deleted app's key: %d", r.status)
	}
	h.mustStatus(h.do("DELETE", "/v1/projects/"+p, adminToken, nil), 204)
}

func TestHealthAndOpenAPIAreOpen(t *testing.T) {
	h := newHarness(t)
	r := h.mustStatus(h.do("GET", "/v1/health", "", nil), 200)
	if r.data()["status"] != "operational" {
		t.Errorf("health %s", r.raw)
	}
	r = h.mustStatus(h.do("GET", "/openapi.json", "", nil), 200)
	if r.body["openapi"] != "3.1.0" {
		t.Errorf("openapi version %v", r.body["openapi"])
	}
}

func TestRotationGracePeriod(t *testing.T) {
	h := newHarness(t)
	appID, oldKey := h.createApp("test")
	rot := h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/rotate/api?gracePeriod=3600", adminToken, nil), 200).data()
	newKey := rot["value"].(string)
	if rot["previousValidUntil"] != h.clock.Now().Add(time.Hour).Format(time.RFC3339) {
		t.Errorf("previousValidUntil = %v, want in an hour", rot["previousValidUntil"])
	}
	for _, key := range []string{oldKey, newKey} {
		if r := h.do("GET", "/v1/verifications", key, nil); r.status != 200 {
			t.Errorf("during the grace period a key gets %d, want 200", r.status)
		}
	}
	h.clock.Advance(time.Hour)
	if r := h.do("GET", "/v1/verifications", oldKey, nil); r.status != 401 {
		t.Errorf("after the grace period the old key gets %d, want 401", r.status)
	}
	if r := h.do("GET", "/v1/verifications", newKey, nil); r.status != 200 {
		t.Errorf("the new key gets %d, want 200", r.status)
	}
	// Without a grace period the old key stops at once.
	again := h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/rotate/api", adminToken, nil), 200).data()
	if again["previousValidUntil"] != nil {
		t.Errorf("previousValidUntil = %v, want null", again["previousValidUntil"])
	}
	if r := h.do("GET", "/v1/verifications", newKey, nil); r.status != 401 {
		t.Errorf("a key rotated without grace gets %d, want 401", r.status)
	}
	for _, c := range []struct{ path, field string }{
		{"/v1/applications/" + appID + "/rotate/api?gracePeriod=soon", "gracePeriod"},
		{"/v1/applications/" + appID + "/rotate/api?gracePeriod=604801", "gracePeriod"},
		{"/v1/applications/" + appID + "/rotate/webhook_secret?gracePeriod=604801", "gracePeriod"},
		{"/v1/applications/" + appID + "/rotate/webhook_secret?gracePeriod=-1", "gracePeriod"},
		{"/v1/applications/" + appID + "/rotate/webhook_secret?gracePeriod=1h", "gracePeriod"},
	} {
		if r := h.do("POST", c.path, adminToken, nil); r.status != 400 || r.errCode() != "INVALID_PARAMETER" || r.errField() != c.field || r.errMessage() == "" {
			t.Errorf("%s: %d %s, want 400 INVALID_PARAMETER on %s", c.path, r.status, r.raw, c.field)
		}
	}
}
