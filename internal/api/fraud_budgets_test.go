package api_test

import (
	"strings"
	"testing"
)

func TestSendBudgetsAPI(t *testing.T) {
	h := newHarness(t)
	dev := h.developer("budgets@example.com")
	project := h.mustStatus(h.do("POST", "/v1/projects", dev, map[string]any{"name": "Mine"}), 201).data()["id"].(string)
	path := "/v1/projects/" + project + "/fraud/budgets"

	b := h.mustStatus(h.do("GET", path, dev, nil), 200).data()
	if b["mode"] != "enforce" || b["ipPerHour"] != float64(10) || b["guessesPerHour"] != float64(15) {
		t.Errorf("defaults = %v, want enforce, 10 an hour per address, 15 wrong codes", b)
	}
	daily := b["dailySends"]

	set := map[string]any{"mode": "monitor", "dailySends": daily, "ipPerHour": 2,
		"rules":  []any{map[string]any{"country": "GB", "perHour": 100, "perDay": 1000}, map[string]any{"prefix": "+88216", "perDay": 1}},
		"learnt": []any{map[string]any{"country": "FR", "perHour": 1}}}
	got := h.mustStatus(h.do("PUT", path, dev, set), 200).data()
	if got["mode"] != "monitor" || got["ipPerHour"] != float64(2) || len(got["rules"].([]any)) != 2 || len(got["learnt"].([]any)) != 0 {
		t.Errorf("after PUT = %v, want monitor, 2 an hour, two rules and no learnt (the detector's)", got)
	}

	set["dailySends"] = 1_000_000
	r := h.do("PUT", path, dev, set)
	if r.status != 403 || r.errCode() != "FORBIDDEN" {
		t.Errorf("a developer raising dailySends: %d %s, want 403 FORBIDDEN", r.status, r.raw)
	}
	got = h.mustStatus(h.do("PUT", path, adminToken, set), 200).data()
	if got["dailySends"] != float64(1_000_000) {
		t.Errorf("the operator's dailySends = %v, want 1000000", got["dailySends"])
	}
	other := h.developer("other@example.com")
	if r := h.do("GET", path, other, nil); r.status != 404 {
		t.Errorf("another developer reads the budgets: %d, want 404", r.status)
	}
}

// TestSendBudgetRefusal: the 429 of a spent budget names it, with
// Retry-After.
func TestSendBudgetRefusal(t *testing.T) {
	h := newHarness(t)
	project := h.createProject("P")
	app := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": project, "environment": "test"}), 201).data()
	key := app["apiKey"].(string)
	h.mustStatus(h.do("PUT", "/v1/projects/"+project+"/fraud/budgets", adminToken, map[string]any{"ipPerHour": 1}), 200)
	send := func(to string) response {
		return h.do("POST", "/v1/verifications", key, map[string]any{"to": to, "channel": "sms", "remoteIp": "198.51.100.7"})
	}
	h.mustStatus(send("+14155552671"), 201)
	r := send("+14155552672")
	if r.status != 429 || r.errCode() != "SEND_BUDGET_EXCEEDED" || r.header.Get("Retry-After") == "" {
		t.Fatalf("second send from the address = %d %s (Retry-After %q), want 429 SEND_BUDGET_EXCEEDED", r.status, r.raw, r.header.Get("Retry-After"))
	}
	details := r.body["error"].(map[string]any)["details"].(map[string]any)
	if details["scope"] != "ip" || details["period"] != "hour" || details["limit"] != float64(1) {
		t.Errorf("details = %v, want scope ip, period hour, limit 1", details)
	}
	ru := h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552673", "channel": "sms", "remoteIp": "198.51.100.7"}, "Accept-Language", "ru")
	if msg := ru.errMessage(); ru.status != 429 || !strings.Contains(msg, "Бюджет отправок исчерпан (не больше 1 ") {
		t.Errorf("in Russian: %d %q", ru.status, msg)
	}
}

// In monitor mode a send beyond a budget goes, and the event log shows
// its fraud.flagged event with the reason.
func TestMonitorModeInTheLog(t *testing.T) {
	h := newHarness(t)
	project := h.createProject("P")
	app := h.mustStatus(h.do("POST", "/v1/applications", adminToken, map[string]any{"name": "app", "projectId": project, "environment": "test"}), 201).data()
	key := app["apiKey"].(string)
	h.mustStatus(h.do("PUT", "/v1/projects/"+project+"/fraud/budgets", adminToken,
		map[string]any{"mode": "monitor", "rules": []any{map[string]any{"prefix": "+1415", "perHour": 1}}}), 200)
	h.send(key, "+14155552671", "sms")
	second := h.send(key, "+14155552672", "sms")
	logs := h.mustStatus(h.do("GET", "/v1/logs?type=fraud.flagged&appId="+app["id"].(string), adminToken, nil), 200).list()
	if len(logs) != 1 {
		t.Fatalf("fraud.flagged events = %v, want one", logs)
	}
	e := logs[0].(map[string]any)
	if e["verificationId"] != second || e["reason"] != "beyond the send budget of prefix +1415: more than 1 sends an hour" {
		t.Errorf("flagged event = %v, want the second send's with its reason", e)
	}
}
