package api_test

import (
	"slices"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestWebhooksAndAnalyticsWithoutAppID: as Cobinar documents them,
// GET /v1/webhooks ("optional ?appId= filter") and the analytics
// endpoints cover, without appId, every application the caller may see:
// a developer's own, and all of them for the operator.
func TestWebhooksAndAnalyticsWithoutAppID(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newConsoleHarness(t, engine)
		a, b, c := signIn(h, "a@example.com"), signIn(h, "b@example.com"), signIn(h, "c@example.com")
		a1, a2, b1 := ownedApp(h, a, "a1"), ownedApp(h, a, "a2"), ownedApp(h, b, "b1")
		op := ownedApp(h, dialecttest.AdminToken, "ops")
		hook := func(token string, app dialecttest.App) string {
			r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/webhooks", Header: bearerHeader(token),
				Body: `{"appId":"` + app.ID + `","url":"https://hooks.example.com/` + app.ID + `"}`})
			if r.Status != 201 {
				t.Fatalf("create webhook: %d %s", r.Status, r.Raw)
			}
			return r.Data()["id"].(string)
		}
		wa1, wa2, wb := hook(a, a1), hook(a, a2), hook(b, b1)
		wo := hook(dialecttest.AdminToken, op)
		verifyNative(h, a1, "+14155552671")
		verifyNative(h, a2, "+14155552672")
		verifyNative(h, b1, "+14155552673")
		verifyNative(h, op, "+14155552674")
		h.ConsumeEvents()

		for _, tc := range []struct {
			who, token     string
			webhooks       []string
			apps, verified float64
		}{
			{"A", a, []string{wa1, wa2}, 2, 2},
			{"B", b, []string{wb}, 1, 1},
			{"C, without applications", c, nil, 0, 0},
			{"the operator", dialecttest.AdminToken, []string{wa1, wa2, wb, wo}, 4, 4},
		} {
			if got := field(get(h, "/v1/webhooks", tc.token, 200), "id"); !slices.Equal(sorted(got), sorted(tc.webhooks)) {
				t.Errorf("%s: GET /v1/webhooks = %v, want %v", tc.who, got, tc.webhooks)
			}
			sum := get(h, "/v1/analytics/summary", tc.token, 200).Data()
			if sum["applications"] != tc.apps || sum["otpVerified"] != tc.verified || sum["activeUsers"] != tc.verified {
				t.Errorf("%s: summary %v, want %v applications, %v verified and active users", tc.who, sum, tc.apps, tc.verified)
			}
			verified := 0.0
			for _, p := range get(h, "/v1/analytics/timeseries?range=7d", tc.token, 200).Data()["points"].([]any) {
				verified += p.(map[string]any)["verified"].(float64)
			}
			if verified != tc.verified {
				t.Errorf("%s: time series adds up to %v verified, want %v", tc.who, verified, tc.verified)
			}
		}
		// Naming another developer's application is still "not found".
		get(h, "/v1/webhooks?appId="+a1.ID, b, 404)
		get(h, "/v1/analytics/summary?appId="+a1.ID, b, 404)
	})
}
