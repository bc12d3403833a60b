package kodmobi_test

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// wantCallback fails the test unless body is the callback of message
// messageID with status, provider (nil for none) and error (nil for none),
// updated now.
func wantCallback(t *testing.T, d *deployment, body map[string]any, messageID int, to, channel, status string, provider, errText any) {
	t.Helper()
	want := map[string]any{"message_id": float64(messageID), "status": status, "to": to, "channel": channel,
		"provider_id": provider, "updated_at": d.Clock.Now().UTC().Format(time.RFC3339), "error": errText}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("callback (-want +got):\n%s", diff)
	}
}

func providerNumber(name string) any { return float64(otp.ProviderID(name)) }

// TestManualCallback: callback_url hears the message's final status once
// it is known, exactly once, signed with the application's webhook secret
// (Standard Webhooks), through the webhook queue: a test application's
// message when it reaches the inbox; a live one when a provider without
// receipts accepts it, or when the receipt of one with receipts comes; a
// failed one with the provider's reason, and one that could not be sent
// before its verification ended. A receiver that fails is retried on the
// queue's schedule, under the same webhook-id.
func TestManualCallback(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		d := newDeployment(t, engine, nil)
		rc := newCallbackReceiver(t)

		// A test application: delivered when the message reaches the inbox.
		test := d.CreateApp("test", "")
		ts := client{h: d.Harness, key: test.APIKey}
		must(t, "test send", ts.post("/manual/send", `{"to":"+79991234567","channel":"sms","code":"8642","callback_url":"`+rc.URL+`"}`), 200)
		if n := d.postCallbacks(); n != 1 {
			t.Fatalf("posted %d callbacks, want 1", n)
		}
		got := rc.requests()
		if len(got) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(got))
		}
		first := d.callbackBody(test, got[0])
		wantCallback(t, d, first, 1, "+79991234567", "sms", "delivered", nil, nil)
		if documented := documentedCallbackFields(t, d.Harness); !slices.Equal(documented, slices.Sorted(maps.Keys(first))) {
			t.Errorf("the OpenAPI document describes callback fields %v, the callback has %v", documented, slices.Sorted(maps.Keys(first)))
		}
		if got[0].header.Get("Content-Type") != "application/json" || got[0].header.Get("Webhook-Id") == "" {
			t.Errorf("headers = %v", got[0].header)
		}
		if bytes.Contains(got[0].body, []byte("8642")) {
			t.Errorf("the callback carries the code: %s", got[0].body)
		}
		must(t, "a send without a callback", ts.post("/manual/send", `{"to":"+79991234567","channel":"sms"}`), 200)
		if n := d.postCallbacks(); n != 0 {
			t.Errorf("posted %d more callbacks, want none: one per send, none without a URL", n)
		}

		// A live application, through beta, which reports no receipts:
		// delivered once beta accepts the message.
		live := d.CreateApp("live", "")
		ls := client{h: d.Harness, key: live.APIKey}
		must(t, "send through beta", ls.post("/manual/send", `{"to":"+14155552671","channel":"sms","provider_id":`+idOf("beta")+`,"callback_url":"`+rc.URL+`"}`), 200)
		if n := d.postCallbacks(); n != 0 {
			t.Errorf("posted %d callbacks before the message left, want none", n)
		}
		d.Clock.Advance(time.Second)
		d.Deliver(d.router)
		if n := d.postCallbacks(); n != 1 {
			t.Fatalf("posted %d callbacks after beta took the message, want 1", n)
		}
		wantCallback(t, d, d.callbackBody(live, rc.requests()[1]), 1, "+14155552671", "sms", "delivered", providerNumber("beta"), nil)

		// Through alpha, which reports receipts: its receipt decides.
		must(t, "send routed to alpha", ls.post("/manual/send", `{"to":"+14155552672","channel":"sms","callback_url":"`+rc.URL+`"}`), 200)
		d.Deliver(d.router)
		if n := d.postCallbacks(); n != 0 {
			t.Errorf("posted %d callbacks before alpha's receipt, want none", n)
		}
		d.Clock.Advance(20 * time.Second)
		m := d.alpha.messages()[0]
		receipt := otp.Receipt{Provider: "alpha", ProviderMessageID: "pm-" + m.ID, Status: otp.DeliveryDelivered}
		if err := d.Svc.RecordReceipt(context.Background(), receipt); err != nil {
			t.Fatal(err)
		}
		if n := d.postCallbacks(); n != 1 {
			t.Fatalf("posted %d callbacks after the receipt, want 1", n)
		}
		wantCallback(t, d, d.callbackBody(live, rc.requests()[2]), 2, "+14155552672", "sms", "delivered", providerNumber("alpha"), nil)
		receipt.Status, receipt.Error = otp.DeliveryFailed, "expired"
		if err := d.Svc.RecordReceipt(context.Background(), receipt); err != nil {
			t.Fatal(err)
		}
		if n := d.postCallbacks(); n != 0 {
			t.Errorf("posted %d callbacks after a late receipt, want none: the status was final", n)
		}

		// Through down, which refuses it: failed, with the reason.
		must(t, "send through down", ls.post("/manual/send", `{"to":"+14155552673","channel":"sms","provider_id":`+idOf("down")+`,"callback_url":"`+rc.URL+`"}`), 200)
		d.Deliver(d.router)
		if n := d.postCallbacks(); n != 1 {
			t.Fatalf("posted %d callbacks after the refusal, want 1", n)
		}
		wantCallback(t, d, d.callbackBody(live, rc.requests()[3]), 3, "+14155552673", "sms", "failed", providerNumber("down"),
			"down: not a mobile number (code 21614)")

		// A message whose providers keep failing until its code expires
		// was never sent: failed, with the last provider error.
		short := d.CreateApp("live", `{"ttl":30}`)
		d.alpha.fail = &otp.ProviderError{Provider: "alpha", Message: "service unavailable"}
		must(t, "send that cannot leave", client{h: d.Harness, key: short.APIKey}.post("/manual/send",
			`{"to":"+14155552674","channel":"voice","callback_url":"`+rc.URL+`"}`), 200)
		d.Deliver(d.router) // a transient failure: retried later
		d.Clock.Advance(31 * time.Second)
		if _, err := d.Svc.SweepExpired(context.Background(), 100); err != nil {
			t.Fatal(err)
		}
		d.Deliver(d.router)
		if n := d.postCallbacks(); n != 1 {
			t.Fatalf("posted %d callbacks for the expired message, want 1", n)
		}
		wantCallback(t, d, d.callbackBody(short, rc.requests()[4]), 1, "+14155552674", "voice", "failed", nil,
			"the code expired before a provider accepted the message; last error: alpha: service unavailable")
		d.alpha.fail = nil

		// A receiver that fails is tried again, with the same webhook-id
		// and the same body.
		flaky := newCallbackReceiver(t)
		flaky.failFirst = 1
		must(t, "send to a flaky receiver", ts.post("/manual/send", `{"to":"+79991234568","channel":"sms","provider_id":`+idOf("beta")+`,"callback_url":"`+flaky.URL+`"}`), 200)
		if n := d.postCallbacks(); n != 1 || len(flaky.requests()) != 1 || !flaky.requests()[0].failed {
			t.Fatalf("first attempt: posted %d, receiver got %d", n, len(flaky.requests()))
		}
		if n := d.postCallbacks(); n != 0 {
			t.Errorf("posted %d callbacks before the retry was due, want none", n)
		}
		d.Clock.Advance(7 * time.Second) // the first retry comes 5 s (± 20 %) later
		if n := d.postCallbacks(); n != 1 {
			t.Fatalf("posted %d callbacks once the retry was due, want 1", n)
		}
		reqs := flaky.requests()
		if len(reqs) != 2 || reqs[1].failed {
			t.Fatalf("receiver got %d requests, want a failed one and a retry", len(reqs))
		}
		if a, b := reqs[0].header.Get("Webhook-Id"), reqs[1].header.Get("Webhook-Id"); a == "" || a != b || !bytes.Equal(reqs[0].body, reqs[1].body) {
			t.Errorf("retry: webhook-id %q then %q, bodies %s and %s; want the same message", a, b, reqs[0].body, reqs[1].body)
		}
		body := d.callbackBody(test, reqs[1])
		// A test application's message reaches the inbox, whatever the
		// pin: the callback names the provider it was pinned to.
		if body["status"] != "delivered" || num(body["message_id"]) != 3 || !strings.HasPrefix(str(body["to"]), "+7999") ||
			body["provider_id"] != providerNumber("beta") {
			t.Errorf("retried callback = %v", body)
		}
		if n := d.postCallbacks(); n != 0 {
			t.Errorf("posted %d callbacks after the receiver took it, want none", n)
		}
	})
}

// documentedCallbackFields are the fields of the callback body as the
// dialect's OpenAPI document describes them, sorted.
func documentedCallbackFields(t *testing.T, h *dialecttest.Harness) []string {
	t.Helper()
	doc := h.Do(dialecttest.Request{Method: "GET", Path: "/openapi/kodmobi.json"}).Body
	get := func(m any, keys ...string) any {
		for _, k := range keys {
			mm, _ := m.(map[string]any)
			m = mm[k]
		}
		return m
	}
	schema := get(doc, "paths", "/manual/send", "post", "callbacks", "finalStatus", "{$request.body#/callback_url}", "post",
		"requestBody", "content", "application/json", "schema")
	if ref, ok := get(schema, "$ref").(string); ok {
		name, _ := strings.CutPrefix(ref, "#/components/schemas/")
		schema = get(doc, "components", "schemas", name)
	}
	props, _ := get(schema, "properties").(map[string]any)
	if len(props) == 0 {
		t.Fatalf("the document does not describe the callback of /manual/send")
	}
	return slices.Sorted(maps.Keys(props))
}
