package kookoo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// TestCallerIDReachesTheProvider: a live application's messages reach
// the provider with sender_id and caller_id as the sender and caller id,
// a number among them read as an Indian number and written in E.164.
func TestCallerIDReachesTheProvider(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("live", `{"sendsPerMinute":100}`)
		tests := []struct {
			name, path, param, value, want string
			channel                        otp.Channel
		}{
			{"seed sender id", pathSMS, "sender_id", "OZONTL", "OZONTL", otp.SMS},
			{"numeric sender id", pathSMS, "sender_id", "09876543210", "+919876543210", otp.SMS},
			{"seed caller id", pathCall, "caller_id", callerID, "+" + callerID, otp.Voice},
			{"caller id with trunk prefix", pathCall, "caller_id", "04030123456", "+914030123456", otp.Voice},
			{"caller id in E.164", pathCall, "caller_id", "+914030123456", "+914030123456", otp.Voice},
			{"short code", pathCall, "caller_id", "56789", "56789", otp.Voice},
			{"none", pathCall, "caller_id", "", "", otp.Voice},
		}
		rec := &dialecttest.Recorder{}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := get(h, tt.path+query("phone_no", "9812345678", "api_key", app.APIKey, tt.param, tt.value))
				if r.Status != 200 || r.Body["status"] == "Error" {
					t.Fatalf("answer %d %s, want success", r.Status, r.Raw)
				}
				h.Deliver(rec)
				msgs := rec.Messages()
				if len(msgs) == 0 {
					t.Fatal("nothing reached the provider")
				}
				m := msgs[len(msgs)-1]
				if m.CallerID != tt.want || m.Channel != tt.channel || m.To != smsNumber {
					t.Errorf("provider got caller id %q on %s to %s; want %q on %s to %s", m.CallerID, m.Channel, m.To, tt.want, tt.channel, smsNumber)
				}
			})
		}
	})
}

// prices charges one unit of currency for every message.
type prices struct{}

func (prices) Price(otp.Channel, string) (otp.Money, bool) {
	return otp.Money{Micros: 1_000_000, Currency: "USD"}, true
}

// TestCostsAndCredits: a message sent through KooKoo costs its price and
// is charged to the project's balance like any other, and a project whose
// balance is used up is refused in KooKoo's shape.
func TestCostsAndCredits(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarnessWith(t, dialecttest.Options{Engine: engine, Config: func(c *otp.Config) { c.Prices = prices{} }}, nil)
		app := h.CreateApp("live", "")
		h.Admin("POST", "/v1/projects/"+app.ProjectID+"/credits", `{"amount":"1","currency":"USD"}`, 200)
		r := get(h, fromSeed(seedSMSOTP, app.APIKey, ""))
		h.Deliver(&dialecttest.Recorder{})
		h.ConsumeEvents()
		if v := verificationOf(h, r); v["cost"] == nil {
			t.Errorf("verification %v has no cost, want the message's price", v["id"])
		}
		if c := h.Admin("GET", "/v1/projects/"+app.ProjectID, "", 200).Data()["credits"].(map[string]any); c["amount"] != "0" && c["amount"] != "0.00" {
			t.Errorf("credits after one message %v, want 0", c)
		}
		h.Clock.Advance(3 * time.Second) // past the project cache, which the charge does not refresh
		r = get(h, fromSeed(seedSMSOTP, app.APIKey, ""))
		if msg, _ := r.Body["message"].(string); r.Status != 200 || r.Body["status"] != "Error" || !strings.HasPrefix(msg, "The project's balance is used up") {
			t.Errorf("answer %d %s, want 200 with status Error: the project's balance is used up", r.Status, r.Raw)
		}
	})
}
