package dialecttest_test

import (
	"net/http"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestHarness: on each engine, an application made through the native
// API sends a code that the test inbox shows and that checks as valid.
func TestHarness(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := dialecttest.New(t, dialecttest.Options{Engine: engine})
		app := h.CreateApp("test", `{"codeLength":8}`)
		auth := http.Header{"Authorization": {"Bearer " + app.APIKey}}
		r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications", Header: auth, Body: `{"to":"+1 415 555 2671","channel":"sms"}`})
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Raw)
		}
		code := h.Code(app, "+14155552671")
		if len(code) != 8 {
			t.Fatalf("code %q, want 8 digits (the project's policy)", code)
		}
		id := r.Data()["id"].(string)
		r = h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications/" + id + "/check", Header: auth, Body: `{"code":"` + code + `"}`})
		if r.Status != 200 || r.Data()["valid"] != true {
			t.Fatalf("check: %d %s", r.Status, r.Raw)
		}
		h.RequireRecorded(app, id, "+14155552671")
	})
}
