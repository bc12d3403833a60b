package api_test

import (
	"testing"
	"time"
)

// consume runs the event consumer (webhooks and analytics) over everything.
func (h *harness) consume() {
	h.t.Helper()
	for {
		n, err := h.svc.ConsumeEvents(h.t.Context(), 100)
		if err != nil {
			h.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func TestAnalytics(t *testing.T) {
	h := newHarness(t)
	appA, keyA := h.createApp("test")
	_, keyB := h.createApp("test")
	h.verify(keyA, "+14155552671", "sms")
	h.send(keyA, "+14155552672", "sms")
	h.send(keyA, "+14155552673", "sms")
	h.verify(keyA, "a@example.com", "email")
	h.verify(keyB, "+442079460958", "sms")
	h.deliver()
	h.consume()
	h.consume() // a second run counts nothing twice

	sum := h.mustStatus(h.do("GET", "/v1/analytics/summary", adminToken, nil), 200).data()
	for field, want := range map[string]any{
		"applications": 2.0, "otpRequests": 5.0, "otpSent": 5.0, "otpVerified": 3.0, "activeUsers": 3.0, "successRate": 0.6,
		"from": "2026-10-24", "to": "2026-11-22",
	} {
		if sum[field] != want {
			t.Errorf("summary %s = %v, want %v", field, sum[field], want)
		}
	}
	byChannel := map[string]map[string]any{}
	for _, b := range sum["byChannel"].([]any) {
		byChannel[b.(map[string]any)["key"].(string)] = b.(map[string]any)
	}
	if sms := byChannel["sms"]; sms["created"] != 4.0 || sms["verified"] != 2.0 || sms["conversionRate"] != 0.5 {
		t.Errorf("sms breakdown = %v", sms)
	}
	countries := map[string]float64{}
	for _, b := range sum["byCountry"].([]any) {
		countries[b.(map[string]any)["key"].(string)] = b.(map[string]any)["created"].(float64)
	}
	if countries["US"] != 3 || countries["GB"] != 1 || countries[""] != 1 {
		t.Errorf("by country = %v, want US 3, GB 1, email 1", countries)
	}
	one := h.mustStatus(h.do("GET", "/v1/analytics/summary?appId="+appA+"&channel=sms&country=US", adminToken, nil), 200).data()
	if one["otpRequests"] != 3.0 || one["otpVerified"] != 1.0 || one["applications"] != 1.0 {
		t.Errorf("A's US sms = %v", one)
	}

	h.clock.Advance(24 * time.Hour)
	h.send(keyB, "+442079460959", "sms")
	h.deliver()
	h.consume()
	ts := h.mustStatus(h.do("GET", "/v1/analytics/timeseries?range=7d", adminToken, nil), 200).data()
	points := ts["points"].([]any)
	if len(points) != 7 || ts["range"] != "7d" {
		t.Fatalf("timeseries = %v, want 7 points", ts)
	}
	last, prev := points[6].(map[string]any), points[5].(map[string]any)
	if last["date"] != "2026-11-23" || last["sent"] != 1.0 || prev["date"] != "2026-11-22" || prev["sent"] != 5.0 || prev["verified"] != 3.0 {
		t.Errorf("last two days = %v, %v", prev, last)
	}
	if first := points[0].(map[string]any); first["date"] != "2026-11-17" || first["sent"] != 0.0 {
		t.Errorf("first day = %v, want an empty 2026-11-17", first)
	}

	for _, c := range []struct {
		name, path, token string
		status            int
		field             string
	}{
		{"bad range", "/v1/analytics/timeseries?range=1y", adminToken, 400, "range"},
		{"bad channel", "/v1/analytics/summary?channel=fax", adminToken, 400, "channel"},
		{"lower-case country", "/v1/analytics/summary?country=gb", adminToken, 400, "country"},
		{"bad date", "/v1/analytics/summary?from=yesterday", adminToken, 400, "from"},
		{"from after to", "/v1/analytics/summary?from=2026-11-20&to=2026-11-01", adminToken, 400, "from"},
		{"unknown app", "/v1/analytics/summary?appId=app_nope", adminToken, 404, ""},
		{"api key", "/v1/analytics/summary", keyA, 401, ""},
	} {
		r := h.do("GET", c.path, c.token, nil)
		if r.status != c.status || (c.field != "" && r.errField() != c.field) || r.errMessage() == "" {
			t.Errorf("%s: %d %s, want %d field %q", c.name, r.status, r.raw, c.status, c.field)
		}
	}
}
