package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWebhookCRUD(t *testing.T) {
	h := newHarness(t)
	appA, _ := h.createApp("live")
	appB, _ := h.createApp("live")

	wh := h.mustStatus(h.do("POST", "/v1/webhooks", adminToken, map[string]any{
		"appId": appA, "url": "https://hooks.example.com/otp", "events": []string{"otp.verified", "otp.failed", "otp.verified"},
	}), 201).data()
	id := wh["id"].(string)
	if wh["signing"] != "standard" || wh["status"] != "enabled" || len(wh["events"].([]any)) != 2 {
		t.Errorf("created %v, want standard signing, enabled, the two events once each", wh)
	}
	h.mustStatus(h.do("POST", "/v1/webhooks", adminToken, map[string]any{"appId": appB, "url": "https://b.example.com/hook", "signing": "cobinar"}), 201)

	if l := h.mustStatus(h.do("GET", "/v1/webhooks?appId="+appA, adminToken, nil), 200).list(); len(l) != 1 {
		t.Errorf("A's webhooks = %v, want 1", l)
	}
	if l := h.mustStatus(h.do("GET", "/v1/webhooks", adminToken, nil), 200).list(); len(l) != 2 {
		t.Errorf("every webhook = %v, want 2", l)
	}
	got := h.mustStatus(h.do("PATCH", "/v1/webhooks/"+id, adminToken, map[string]any{"signing": "kotp", "status": "disabled", "events": []string{}}), 200).data()
	if got["signing"] != "kotp" || got["status"] != "disabled" || len(got["events"].([]any)) != 0 {
		t.Errorf("patched %v", got)
	}
	if got := h.mustStatus(h.do("GET", "/v1/webhooks/"+id, adminToken, nil), 200).data(); got["signing"] != "kotp" {
		t.Errorf("read back %v", got)
	}
	h.mustStatus(h.do("DELETE", "/v1/webhooks/"+id, adminToken, nil), 204)
	if r := h.do("GET", "/v1/webhooks/"+id, adminToken, nil); r.status != 404 {
		t.Errorf("after delete: %d", r.status)
	}
	if r := h.do("DELETE", "/v1/webhooks/"+id, adminToken, nil); r.status != 404 {
		t.Errorf("second delete: %d", r.status)
	}

	// Deleting the application deletes its endpoints.
	h.mustStatus(h.do("DELETE", "/v1/applications/"+appB, adminToken, nil), 204)
	if l := h.mustStatus(h.do("GET", "/v1/webhooks", adminToken, nil), 200).list(); len(l) != 0 {
		t.Errorf("webhooks after deleting their application = %v", l)
	}
}

func TestWebhookBadInput(t *testing.T) {
	h := newHarness(t)
	app, key := h.createApp("live")
	wh := h.mustStatus(h.do("POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "https://hooks.example.com/otp"}), 201).data()
	id := wh["id"].(string)
	for _, c := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		code, field, key          string
	}{
		{"no app", "POST", "/v1/webhooks", adminToken, map[string]any{"url": "https://x.example.com"}, 400, "INVALID_PARAMETER", "appId", ""},
		{"unknown app", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": "app_nope", "url": "https://x.example.com"}, 404, "NOT_FOUND", "", ""},
		{"no url", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app}, 400, "INVALID_PARAMETER", "url", ""},
		{"ftp url", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "ftp://x.example.com/"}, 400, "INVALID_PARAMETER", "url", ""},
		{"relative url", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "/hook"}, 400, "INVALID_PARAMETER", "url", ""},
		{"credentials in url", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "https://u:p@x.example.com/"}, 400, "INVALID_PARAMETER", "url", ""},
		{"loopback", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "http://127.0.0.1:8080/hook"}, 400, "INVALID_PARAMETER", "url", "private"},
		{"localhost", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "http://localhost/hook"}, 400, "INVALID_PARAMETER", "url", "OTPD_WEBHOOK_ALLOW_PRIVATE"},
		{"metadata address", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "http://169.254.169.254/latest"}, 400, "INVALID_PARAMETER", "url", "private"},
		{"private v6", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "http://[fd00::1]/"}, 400, "INVALID_PARAMETER", "url", "private"},
		{"plain http", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "http://x.example.com/hook"}, 400, "INVALID_PARAMETER", "url", "webhook_url_http"},
		{"another port", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "https://x.example.com:6443/hook"}, 400, "INVALID_PARAMETER", "url", "webhook_url_port"},
		{"change to plain http", "PATCH", "/v1/webhooks/" + id, adminToken, map[string]any{"url": "http://x.example.com/hook"}, 400, "INVALID_PARAMETER", "url", "OTPD_WEBHOOK_ALLOW_HTTP"},
		{"change to another port", "PATCH", "/v1/webhooks/" + id, adminToken, map[string]any{"url": "https://x.example.com:25/hook"}, 400, "INVALID_PARAMETER", "url", "OTPD_WEBHOOK_ALLOWED_PORTS"},
		{"unknown event", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "https://x.example.com", "events": []string{"otp.hacked"}}, 400, "INVALID_PARAMETER", "events[0]", ""},
		{"unknown signing", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "https://x.example.com", "signing": "md5"}, 400, "INVALID_PARAMETER", "signing", ""},
		{"unknown field", "POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "https://x.example.com", "secret": "x"}, 400, "INVALID_PARAMETER", "secret", ""},
		{"bad status", "PATCH", "/v1/webhooks/" + id, adminToken, map[string]any{"status": "paused"}, 400, "INVALID_PARAMETER", "status", ""},
		{"move app", "PATCH", "/v1/webhooks/" + id, adminToken, map[string]any{"appId": "app_other"}, 400, "INVALID_PARAMETER", "appId", ""},
		{"patch unknown", "PATCH", "/v1/webhooks/whk_nope", adminToken, map[string]any{"status": "enabled"}, 404, "NOT_FOUND", "", ""},
		{"api key", "GET", "/v1/webhooks", key, nil, 401, "UNAUTHENTICATED", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(c.method, c.path, c.token, c.body)
			if r.status != c.status || r.errCode() != c.code || (c.field != "" && r.errField() != c.field) {
				t.Fatalf("%d %s, want %d %s field %q", r.status, r.raw, c.status, c.code, c.field)
			}
			if r.errMessage() == "" || (c.key != "" && !strings.Contains(string(r.raw), c.key)) {
				t.Errorf("message %q, want one mentioning %q", r.errMessage(), c.key)
			}
		})
	}
	for range 19 {
		h.mustStatus(h.do("POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "https://hooks.example.com/otp"}), 201)
	}
	if r := h.do("POST", "/v1/webhooks", adminToken, map[string]any{"appId": app, "url": "https://hooks.example.com/otp"}); r.status != 409 {
		t.Errorf("21st webhook: %d %s, want 409", r.status, r.raw)
	}
}

func TestRevealWebhookSecret(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("reveal")
	created := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "a", "projectId": p, "environment": "live"}), 201).data()
	id := created["id"].(string)
	r := h.mustStatus(h.do("GET", "/v1/applications/"+id+"/webhook-secret", adminToken, nil), 200)
	if r.data()["webhookSecret"] != created["webhookSecret"] || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("revealed %v (Cache-Control %q), want the secret shown at creation, not cached", r.data(), r.header.Get("Cache-Control"))
	}
	rotated := h.mustStatus(h.do("POST", "/v1/applications/"+id+"/rotate/webhook_secret", adminToken, nil), 200).data()["value"]
	if got := h.mustStatus(h.do("GET", "/v1/applications/"+id+"/webhook-secret", adminToken, nil), 200).data()["webhookSecret"]; got != rotated {
		t.Errorf("after rotation revealed %v, want %v", got, rotated)
	}
	if prev := h.mustStatus(h.do("GET", "/v1/applications/"+id+"/webhook-secret", adminToken, nil), 200).data()["previousWebhookSecret"]; prev != nil {
		t.Errorf("after a rotation without grace previousWebhookSecret = %v, want null", prev)
	}
	if r := h.do("GET", "/v1/applications/app_nope/webhook-secret", adminToken, nil); r.status != 404 {
		t.Errorf("unknown application: %d", r.status)
	}
	if r := h.do("GET", "/v1/applications/"+id+"/webhook-secret", created["apiKey"].(string), nil); r.status != 401 {
		t.Errorf("with the API key: %d, want 401", r.status)
	}
}

// TestWebhookSecretRotationWithGrace: a webhook secret rotated with a grace
// period is answered like the other grace rotations, the reveal shows the
// previous secret and its end while the period runs and not after, and the
// rotation is in the audit log.
func TestWebhookSecretRotationWithGrace(t *testing.T) {
	h := newHarness(t)
	p := h.createProject("webhook grace")
	created := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "a", "projectId": p, "environment": "test"}), 201).data()
	id, oldSecret := created["id"].(string), created["webhookSecret"].(string)

	rot := h.mustStatus(h.do("POST", "/v1/applications/"+id+"/rotate/webhook_secret?gracePeriod=3600", adminToken, nil), 200).data()
	newSecret, _ := rot["value"].(string)
	until := h.clock.Now().Add(time.Hour).Format(time.RFC3339)
	if rot["type"] != "webhook_secret" || !strings.HasPrefix(newSecret, "whsec_") || newSecret == oldSecret || rot["previousValidUntil"] != until {
		t.Errorf("rotation answer %v, want a new whsec_ secret and previousValidUntil %s", rot, until)
	}
	r := h.mustStatus(h.do("GET", "/v1/applications/"+id+"/webhook-secret", adminToken, nil), 200)
	want := map[string]any{"webhookSecret": newSecret, "previousWebhookSecret": oldSecret, "previousValidUntil": until}
	if d := cmp.Diff(want, r.data()); d != "" {
		t.Errorf("reveal during grace (-want +got):\n%s", d)
	}

	h.clock.Advance(time.Hour)
	r = h.mustStatus(h.do("GET", "/v1/applications/"+id+"/webhook-secret", adminToken, nil), 200)
	want = map[string]any{"webhookSecret": newSecret, "previousWebhookSecret": nil, "previousValidUntil": nil}
	if d := cmp.Diff(want, r.data()); d != "" {
		t.Errorf("reveal after grace (-want +got):\n%s", d)
	}

	audit := h.mustStatus(h.do("GET", "/v1/audit", adminToken, nil), 200).list()
	found := false
	for _, e := range audit {
		e := e.(map[string]any)
		if e["action"] == "POST /v1/applications/{id}/rotate/{type}" && e["target"] == "/v1/applications/"+id+"/rotate/webhook_secret" && e["status"] == float64(200) {
			found = true
		}
	}
	if !found {
		t.Errorf("the rotation is not in the audit log: %v", audit)
	}
}
