package api_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestConsoleTestSend(t *testing.T) {
	h := newHarness(t)
	appID, key := h.createApp("test")
	path := "/v1/applications/" + appID + "/test-send"

	v := h.mustStatus(h.do("POST", path, adminToken, map[string]any{"to": "+1 415 555 2671", "channel": "sms"}), 201).data()
	id, _ := v["id"].(string)
	if v["appId"] != appID || v["to"] != "+14155552671" || v["status"] != "pending" || v["deliveryStatus"] != "sent" {
		t.Fatalf("test send = %v", v)
	}
	if strings.Contains(fmt.Sprint(v), "code") {
		t.Errorf("the answer carries a code: %v", v)
	}
	// The verification is the application's as if its key had sent it.
	if got := h.mustStatus(h.do("GET", "/v1/verifications/"+id, key, nil), 200).data(); got["id"] != id {
		t.Errorf("the application reads %v", got)
	}
	if got := strings.Join(logTypes(h.mustStatus(h.do("GET", "/v1/logs?verificationId="+id, adminToken, nil), 200)), ","); got != "otp.sent,otp.created" {
		t.Errorf("events = %q, want otp.sent,otp.created", got)
	}
	// The console reads the test inbox and the messages with ?appId, and
	// the code checks with the application's key.
	h.deliver()
	inbox := h.mustStatus(h.do("GET", "/v1/test/messages?appId="+appID+"&to="+urlQuery("+14155552671"), adminToken, nil), 200).list()
	if len(inbox) != 1 || inbox[0].(map[string]any)["verificationId"] != id {
		t.Fatalf("test inbox through the console = %v", inbox)
	}
	code := inbox[0].(map[string]any)["code"].(string)
	if c := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200).data(); c["valid"] != true {
		t.Errorf("check = %v", c)
	}
	msgs := h.mustStatus(h.do("GET", "/v1/verifications/"+id+"/messages?appId="+appID, adminToken, nil), 200).list()
	if len(msgs) != 1 {
		t.Errorf("messages through the console = %v, want 1", msgs)
	}
	audit := h.mustStatus(h.do("GET", "/v1/audit", adminToken, nil), 200).list()
	// The newest entry is the console's test-inbox read; the test send precedes it.
	if a := audit[1].(map[string]any); a["action"] != "POST /v1/applications/{id}/test-send" || a["status"] != 201.0 || a["target"] != path {
		t.Errorf("newest audit entry = %v, want the test send", a)
	}

	// A live application sends for real (the recorder here).
	liveID, _ := h.createApp("live")
	h.mustStatus(h.do("POST", "/v1/applications/"+liveID+"/test-send", adminToken, map[string]any{"to": "a@example.com", "channel": "email"}), 201)
	h.deliver()
	if n := len(h.sender.msgs); n != 1 || h.sender.msgs[0].To != "a@example.com" {
		t.Errorf("live test send reached the provider %d times: %+v", n, h.sender.msgs)
	}

	disabledID, _ := h.createApp("test")
	h.mustStatus(h.do("PATCH", "/v1/applications/"+disabledID, adminToken, map[string]any{"status": "disabled"}), 200)

	dev := h.developer("a@example.com")
	pa := h.mustStatus(h.do("POST", "/v1/projects", dev, map[string]any{"name": "A's"}), 201).data()["id"].(string)
	devApp := h.mustStatus(h.do("POST", "/v1/applications", dev, map[string]any{"name": "web", "projectId": pa, "environment": "test"}), 201).data()["id"].(string)
	h.mustStatus(h.do("POST", "/v1/applications/"+devApp+"/test-send", dev, map[string]any{"to": "+14155552672", "channel": "sms"}), 201)

	for _, c := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		code, field               string
	}{
		{"disabled application", "POST", "/v1/applications/" + disabledID + "/test-send", adminToken, map[string]any{"to": "+14155552671", "channel": "sms"}, 403, "FORBIDDEN", ""},
		{"unknown application", "POST", "/v1/applications/app_nope/test-send", adminToken, map[string]any{"to": "+14155552671", "channel": "sms"}, 404, "NOT_FOUND", ""},
		{"another developer's application", "POST", path, dev, map[string]any{"to": "+14155552671", "channel": "sms"}, 404, "NOT_FOUND", ""},
		{"with the API key", "POST", path, key, map[string]any{"to": "+14155552671", "channel": "sms"}, 401, "UNAUTHENTICATED", ""},
		{"without credentials", "POST", path, "", map[string]any{"to": "+14155552671", "channel": "sms"}, 401, "UNAUTHENTICATED", ""},
		{"missing to", "POST", path, adminToken, map[string]any{"channel": "sms"}, 400, "INVALID_PARAMETER", "to"},
		{"invalid phone", "POST", path, adminToken, map[string]any{"to": "12", "channel": "sms"}, 400, "INVALID_PHONE", "to"},
		{"unknown channel", "POST", path, adminToken, map[string]any{"to": "+14155552671", "channel": "pigeon"}, 400, "INVALID_PARAMETER", "channel"},
		{"sms to an email", "POST", path, adminToken, map[string]any{"to": "a@example.com", "channel": "sms"}, 400, "INVALID_PARAMETER", "channel"},
		{"unknown field", "POST", path, adminToken, map[string]any{"to": "+14155552671", "channel": "sms", "ttl": 60}, 400, "INVALID_PARAMETER", "ttl"},
		{"malformed json", "POST", path, adminToken, `{"to":`, 400, "INVALID_JSON", ""},
		{"console inbox of a live application", "GET", "/v1/test/messages?appId=" + liveID, adminToken, nil, 403, "FORBIDDEN", ""},
		{"console inbox of another developer's application", "GET", "/v1/test/messages?appId=" + appID, dev, nil, 404, "NOT_FOUND", ""},
		{"console inbox without appId", "GET", "/v1/test/messages", adminToken, nil, 400, "INVALID_PARAMETER", "appId"},
		{"console messages of another application's verification", "GET", "/v1/verifications/" + id + "/messages?appId=" + liveID, adminToken, nil, 404, "NOT_FOUND", ""},
		{"console messages of another developer's application", "GET", "/v1/verifications/" + id + "/messages?appId=" + appID, dev, nil, 404, "NOT_FOUND", ""},
	} {
		r := h.do(c.method, c.path, c.token, c.body)
		if r.status != c.status || r.errCode() != c.code || r.errField() != c.field {
			t.Errorf("%s: %d %s, want %d %s field %q", c.name, r.status, r.raw, c.status, c.code, c.field)
		}
	}
}

// The console's test sends count against the application's API key limit:
// the console is no way around it.
func TestConsoleTestSendRateLimit(t *testing.T) {
	h := newHarness(t, harnessOptions{apiKeyLimit: 6})
	appID, key := h.createApp("test") // two console requests
	path := "/v1/applications/" + appID + "/test-send"
	h.mustStatus(h.do("POST", path, adminToken, map[string]any{"to": "+14155552671", "channel": "sms"}), 201) // the key's first
	for range 5 {
		h.mustStatus(h.do("GET", "/v1/verifications", key, nil), 200)
	}
	r := h.do("POST", path, adminToken, map[string]any{"to": "+14155552671", "channel": "sms"})
	if r.status != 429 || r.errCode() != "RATE_LIMITED" {
		t.Errorf("test send past the key's limit: %d %s, want 429 RATE_LIMITED", r.status, r.raw)
	}
}
