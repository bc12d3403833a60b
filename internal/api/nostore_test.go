package api_test

import "testing"

// Every answer that carries a secret or a code is sent with
// Cache-Control: no-store; ordinary answers are left to the client.
func TestSecretAnswersAreNotStored(t *testing.T) {
	h := newHarness(t)
	project := h.createProject("p")
	created := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": project, "environment": "test"}), 201)
	appID, key := created.data()["id"].(string), created.data()["apiKey"].(string)
	h.mustStatus(h.do("POST", "/v1/developers", adminToken, map[string]any{"email": "dev@example.com", "password": "correct horse battery", "name": "Dev"}), 201)
	h.send(key, "+14155552671", "sms")
	h.deliver()

	secret := []struct {
		name string
		r    response
	}{
		{"create application", created},
		{"rotate api key", h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/rotate/api", adminToken, nil), 200)},
		{"rotate client secret", h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/rotate/secret", adminToken, nil), 200)},
		{"rotate webhook secret", h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/rotate/webhook_secret", adminToken, nil), 200)},
		{"reveal webhook secret", h.mustStatus(h.do("GET", "/v1/applications/"+appID+"/webhook-secret", adminToken, nil), 200)},
		{"create API key", h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/keys", adminToken, map[string]any{"name": "ci", "scope": "full"}), 201)},
		{"test inbox (console)", h.mustStatus(h.do("GET", "/v1/test/messages?appId="+appID, adminToken, nil), 200)},
		{"invitation", h.mustStatus(h.do("POST", "/v1/invitations", adminToken, map[string]any{"email": "new@example.com"}), 201)},
		{"login", h.mustStatus(h.do("POST", "/v1/auth/login", "", map[string]any{"email": "dev@example.com", "password": "correct horse battery"}), 200)},
		// A refusal of such an endpoint is not stored either.
		{"create application refused", h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "x"}), 400)},
	}
	// The rotation above replaced the key the test inbox is read with.
	rotated := h.mustStatus(h.do("POST", "/v1/applications/"+appID+"/rotate/api", adminToken, nil), 200).data()["value"].(string)
	secret = append(secret, struct {
		name string
		r    response
	}{"test inbox (API key)", h.mustStatus(h.do("GET", "/v1/test/messages", rotated, nil), 200)})
	for _, c := range secret {
		if got := c.r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", c.name, got)
		}
	}

	ordinary := []struct {
		name string
		r    response
	}{
		{"health", h.mustStatus(h.do("GET", "/v1/health", "", nil), 200)},
		{"application (masked)", h.mustStatus(h.do("GET", "/v1/applications/"+appID, adminToken, nil), 200)},
		{"projects", h.mustStatus(h.do("GET", "/v1/projects", adminToken, nil), 200)},
		{"API keys (masked)", h.mustStatus(h.do("GET", "/v1/applications/"+appID+"/keys", adminToken, nil), 200)},
	}
	for _, c := range ordinary {
		if got := c.r.header.Get("Cache-Control"); got != "" {
			t.Errorf("%s: Cache-Control = %q, want none", c.name, got)
		}
	}
}
