package api_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/delivery"
	"github.com/otpd/otpd/internal/otp"
)

// smsGateway is a provider that is down until told otherwise.
type smsGateway struct{ up atomic.Bool }

func (g *smsGateway) Channels() []otp.Channel { return []otp.Channel{otp.SMS} }

func (g *smsGateway) Send(_ context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if !g.up.Load() {
		return otp.SendResult{}, &otp.ProviderError{Provider: "smsc", Message: "connect to the SMSC: connection refused"}
	}
	return otp.SendResult{Provider: "smsc", ProviderMessageID: "smsc-" + m.ID}, nil
}

// deliverThrough claims what is due at the harness's clock and delivers
// it through sender, until nothing is due.
func (h *harness) deliverThrough(sender otp.Sender) {
	h.t.Helper()
	for range 100 {
		ds, err := h.svc.ClaimDeliveries(h.t.Context(), 100)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(ds) == 0 {
			return
		}
		for _, d := range ds {
			if err := h.svc.Deliver(h.t.Context(), sender, d); err != nil {
				h.t.Fatal(err)
			}
		}
	}
}

// While its provider is down a message's attempts show in the API as they
// happen: each a retrying row of /messages (attempt, error, nextAttemptAt,
// the same id), the verification queued with the latest error; once the
// provider takes it, a sent row ends the list and the error is gone.
func TestDeliveryAttemptsAreVisible(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("live")
	gw := &smsGateway{}
	router, err := delivery.NewRouter(delivery.RouterConfig{Providers: map[string]delivery.Provider{"smsc": gw},
		Channels: map[otp.Channel][]string{otp.SMS: {"smsc"}}})
	if err != nil {
		t.Fatal(err)
	}
	id := h.send(key, "+14155552671", "sms")
	for n := 1; n <= 3; n++ {
		h.deliverThrough(router)
		msgs := h.mustStatus(h.do("GET", "/v1/verifications/"+id+"/messages", key, nil), 200).list()
		if len(msgs) != n {
			t.Fatalf("after attempt %d: %d messages, want %d", n, len(msgs), n)
		}
		m := msgs[n-1].(map[string]any)
		next, err := time.Parse(time.RFC3339Nano, m["nextAttemptAt"].(string))
		if err != nil {
			t.Fatalf("nextAttemptAt %v: %v", m["nextAttemptAt"], err)
		}
		if m["status"] != "retrying" || m["attempt"] != float64(n) || m["provider"] != "smsc" ||
			m["error"] != "smsc: connect to the SMSC: connection refused" || !next.After(h.clock.Now()) ||
			m["id"] != msgs[0].(map[string]any)["id"] || m["sentAt"] != nil {
			t.Errorf("attempt %d: %v, want retrying with smsc's error and a next attempt", n, m)
		}
		v := h.mustStatus(h.do("GET", "/v1/verifications/"+id, key, nil), 200).data()
		if v["deliveryStatus"] != "queued" || v["lastError"] != "smsc: connect to the SMSC: connection refused" {
			t.Errorf("attempt %d: verification %v / %v, want queued with the last error", n, v["deliveryStatus"], v["lastError"])
		}
		h.clock.Advance(next.Sub(h.clock.Now()))
	}
	gw.up.Store(true)
	h.deliverThrough(router)
	msgs := h.mustStatus(h.do("GET", "/v1/verifications/"+id+"/messages", key, nil), 200).list()
	last := msgs[len(msgs)-1].(map[string]any)
	if len(msgs) != 4 || last["status"] != "sent" || last["attempt"] != float64(4) || last["nextAttemptAt"] != nil || last["error"] != "" {
		t.Errorf("after the provider returned: %d messages, the last %v; want 4, sent on attempt 4", len(msgs), last)
	}
	v := h.mustStatus(h.do("GET", "/v1/verifications/"+id, key, nil), 200).data()
	if v["deliveryStatus"] != "sent" || v["lastError"] != nil {
		t.Errorf("verification %v / %v, want sent without an error", v["deliveryStatus"], v["lastError"])
	}
}
