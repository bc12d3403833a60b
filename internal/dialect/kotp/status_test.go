package kotp_test

import (
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// GET /status/{id}: every field of the seed's answer as the OTP of a
// live application moves from pending to sent to delivered to verified.
func TestStatus(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("live", "")
		created := h.Clock.Now()
		id := sendSeed(t, h, app.APIKey, "+447400123456")["id"].(string)
		status := func() map[string]any {
			t.Helper()
			st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body
			wantKeys(t, "status answer", st, "id status to method created_at delivered_at attempts verified carrier country")
			return st
		}
		check := func(when string, st map[string]any, want map[string]any) {
			t.Helper()
			for field, w := range want {
				if st[field] != w {
					t.Errorf("%s: %s = %#v, want %#v", when, field, st[field], w)
				}
			}
		}
		base := map[string]any{"id": id, "to": "+447400123456", "method": "sms", "created_at": wireTime(created),
			"carrier": "Three", "country": "GB"}
		with := func(m map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range base {
				out[k] = v
			}
			for k, v := range m {
				out[k] = v
			}
			return out
		}
		check("queued", status(), with(map[string]any{"status": "pending", "delivered_at": nil, "attempts": 0.0, "verified": false}))

		h.Clock.Advance(5 * time.Second)
		deliverAll(t, h, fakeSender{})
		check("sent", status(), with(map[string]any{"status": "sent", "delivered_at": nil}))

		h.Clock.Advance(10 * time.Second)
		msgs := h.Admin("GET", "/v1/verifications/"+verID(id)+"/messages?appId="+app.ID, "", 200).Body["data"].([]any)
		pm := msgs[0].(map[string]any)["providerMessageId"].(string)
		if err := h.Svc.RecordReceipt(t.Context(), otp.Receipt{Provider: "fake", ProviderMessageID: pm, Status: otp.DeliveryDelivered}); err != nil {
			t.Fatal(err)
		}
		delivered := wireTime(h.Clock.Now())
		check("delivered", status(), with(map[string]any{"status": "delivered", "delivered_at": delivered, "attempts": 0.0}))

		h.Clock.Advance(10 * time.Second)
		code := "000000"
		wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, code)), 400, "INVALID_CODE", "code")
		check("after a wrong code", status(), with(map[string]any{"status": "delivered", "attempts": 1.0, "verified": false}))
	})
}

// A message that cannot be delivered makes the OTP read failed; an email
// has neither carrier nor country.
func TestStatusFailedEmail(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("live", "")
		id := want(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"person@example.com","method":"email","type":"verification"}`), 200).Body["id"].(string)
		deliverAll(t, h, fakeSender{fail: true})
		st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body
		for field, want := range map[string]any{"status": "failed", "to": "person@example.com", "method": "email",
			"carrier": nil, "country": nil, "delivered_at": nil, "verified": false} {
			if st[field] != want {
				t.Errorf("%s = %#v, want %#v", field, st[field], want)
			}
		}
	})
}

// A sandbox OTP reads sent at once and verified once verified.
func TestStatusSandbox(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body
		if st["status"] != "sent" || st["carrier"] != nil || st["country"] != "US" {
			t.Errorf("sandbox status = %v, want sent, no carrier known, US", st)
		}
		want(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, h.Code(app, "+14155552671"))), 200)
		st = want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body
		if st["status"] != "verified" || st["verified"] != true || st["attempts"] != 1.0 {
			t.Errorf("status after verifying = %v, want verified, true, 1 attempt", st)
		}
	})
}
