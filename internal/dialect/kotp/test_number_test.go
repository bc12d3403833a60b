package kotp_test

import (
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// A live application's send to one of its project's test numbers (issue
// 16) sends nothing and verifies with the fixed code through this dialect
// as through the native API.
func TestTestNumberSendAndVerify(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("live", "")
		h.Admin("PUT", "/v1/projects/"+app.ProjectID+"/fraud/test-numbers", `{"testNumbers":[{"to":"+14155552671","code":"424242"}]}`, 200)
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		if ds, err := h.Svc.ClaimDeliveries(t.Context(), 100); err != nil || len(ds) != 0 {
			t.Errorf("queued deliveries = %d, %v; want none for a test number", len(ds), err)
		}
		wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, "111111")), 400, "INVALID_CODE", "code")
		got := want(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, "424242")), 200).Body
		if got["valid"] != true || got["id"] != id {
			t.Errorf("verify with the fixed code = %v, want valid", got)
		}
	})
}
