package cobinar_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialect/cobinar"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// receiver is a webhook endpoint that keeps what it is sent.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.requests = append(rc.requests, received{r.Header.Clone(), b})
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// take returns and forgets what was received.
func (rc *receiver) take() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.requests
	rc.requests = nil
	return out
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkCobinarRequest fails unless req is a Cobinar webhook of event,
// signed with secret, and returns its decoded body.
func checkCobinarRequest(t *testing.T, req received, secret, event string) map[string]any {
	t.Helper()
	if err := webhook.VerifyCobinar(secret, req.header, req.body); err != nil {
		t.Errorf("signature: %v", err)
	}
	if !strings.HasPrefix(req.header.Get("x-cobinar-signature"), "sha256=") {
		t.Errorf("x-cobinar-signature = %q, want sha256=<hex>", req.header.Get("x-cobinar-signature"))
	}
	if got := req.header.Get("x-cobinar-event"); got != event {
		t.Errorf("x-cobinar-event = %q, want %q", got, event)
	}
	if req.header.Get("x-cobinar-event-id") == "" {
		t.Error("no x-cobinar-event-id")
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", req.header.Get("x-cobinar-timestamp")); err != nil {
		t.Errorf("x-cobinar-timestamp %q is not ISO 8601 with milliseconds", req.header.Get("x-cobinar-timestamp"))
	}
	var body map[string]any
	if err := json.Unmarshal(req.body, &body); err != nil {
		t.Fatalf("body %s: %v", req.body, err)
	}
	if got, want := keys(body), "createdAt,event,id,payload"; got != want {
		t.Errorf("body has %s, want %s", got, want)
	}
	if id, _ := body["id"].(string); !uuidPattern.MatchString(id) || body["event"] != event {
		t.Errorf("body id %v event %v, want a UUID and %s", body["id"], body["event"], event)
	}
	return body
}

// TestWebhooks: an endpoint signed the Cobinar way receives Cobinar's body
// and headers for a verification made through the dialect, the phone
// masked unless the endpoint opts in; POST /v1/webhooks/{id}/test sends
// one signed otp.verified test event and reports delivered and the
// status code.
func TestWebhooks(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		rc := newReceiver(t, 200)
		// The seed's registration body, with the signing scheme and this receiver.
		wh := h.Admin("POST", "/v1/webhooks", `{ "appId": "`+app.ID+`", "url": "`+rc.URL+`/webhooks/auth", "events": ["otp.verified", "otp.failed"], "signing": "cobinar" }`, 201).Data()
		whID := wh["id"].(string)
		if wh["includeDestination"] != false {
			t.Errorf("includeDestination = %v, want false by default", wh["includeDestination"])
		}
		deliver := func() []received {
			t.Helper()
			h.ConsumeEvents()
			if _, err := h.Svc.DeliverWebhooks(t.Context(), 10, 1); err != nil {
				t.Fatal(err)
			}
			return rc.take()
		}

		id := send(t, h, app, "+999 482 918 102")
		code := h.Code(app, "+999482918102")
		verified := post(h, "/v1/otp/verify", auth(app), verifyBody(id, code)).Data()
		got := deliver()
		if len(got) != 1 {
			t.Fatalf("received %d requests, want the one otp.verified", len(got))
		}
		body := checkCobinarRequest(t, got[0], app.WebhookSecret, "otp.verified")
		p := body["payload"].(map[string]any)
		if p["requestId"] != id || p["verifiedAt"] != verified["verifiedAt"] || p["status"] != "verified" || p["channel"] != "sms" {
			t.Errorf("payload = %v; want requestId %s verified at %v", p, id, verified["verifiedAt"])
		}
		if want := webhook.MaskDestination("+999482918102"); p["phone"] != want || strings.Contains(string(got[0].body), "482918102") {
			t.Errorf("phone = %v, want it masked as %s", p["phone"], want)
		}
		if strings.Contains(string(got[0].body), code) {
			t.Errorf("the body %s carries the code", got[0].body)
		}
		if body["createdAt"] != verified["verifiedAt"] {
			t.Errorf("createdAt %v, want the time of the verification %v", body["createdAt"], verified["verifiedAt"])
		}

		// Opted in, the endpoint sees the whole number.
		if v := h.Admin("PATCH", "/v1/webhooks/"+whID, `{ "includeDestination": true }`, 200).Data(); v["includeDestination"] != true {
			t.Errorf("after opting in: %v", v)
		}
		id2 := send(t, h, app, "+999 482 918 102")
		post(h, "/v1/otp/verify", auth(app), verifyBody(id2, h.Code(app, "+999482918102")))
		got = deliver()
		if len(got) != 1 {
			t.Fatalf("received %d requests, want 1", len(got))
		}
		if p := checkCobinarRequest(t, got[0], app.WebhookSecret, "otp.verified")["payload"].(map[string]any); p["phone"] != "+999482918102" || p["requestId"] != id2 {
			t.Errorf("opted-in payload = %v, want the whole number", p)
		}

		// The test event.
		res := h.Admin("POST", "/v1/webhooks/"+whID+"/test", "", 200).Data()
		if res["delivered"] != true || res["statusCode"] != 200.0 || res["success"] != true {
			t.Errorf("test answer = %v, want delivered true, statusCode 200", res)
		}
		got = rc.take()
		if len(got) != 1 {
			t.Fatalf("the test sent %d requests, want 1", len(got))
		}
		tp := checkCobinarRequest(t, got[0], app.WebhookSecret, "otp.verified")["payload"].(map[string]any)
		if tp["requestId"] != "ver_test" || tp["status"] != "verified" || tp["verifiedAt"] == nil {
			t.Errorf("test payload = %v", tp)
		}
		failing := newReceiver(t, 500)
		fid := h.Admin("POST", "/v1/webhooks", `{ "appId": "`+app.ID+`", "url": "`+failing.URL+`", "signing": "cobinar" }`, 201).Data()["id"].(string)
		res = h.Admin("POST", "/v1/webhooks/"+fid+"/test", "", 200).Data()
		if res["delivered"] != false || res["statusCode"] != 500.0 {
			t.Errorf("test to a failing endpoint = %v, want delivered false, statusCode 500", res)
		}
	})
}

// TestPayload: each event's body carries what applies to it and never
// the code; the same event always has the same UUID.
func TestPayload(t *testing.T) {
	now := time.Date(2026, 7, 3, 14, 22, 10, 0, time.UTC)
	v := &otp.Verification{ID: "ver_1", AppID: "app_1", To: "+447911120958", Channel: otp.SMS, Status: otp.StatusPending,
		DeliveryStatus: otp.DeliverySent, Attempts: 2, MaxAttempts: 5, CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute),
		CodeHash: []byte("hash"), CodeSealed: []byte("sealed")}
	e := otp.Event{ID: "evt_019a0b0c0d0e0f101112131415161718", AppID: "app_1", VerificationID: "ver_1", CreatedAt: now}
	for _, tc := range []struct {
		event  otp.EventType
		status otp.Status
		keys   string
	}{
		{otp.EventCreated, otp.StatusPending, "channel,expiresAt,phone,requestId,status"},
		{otp.EventSent, otp.StatusPending, "channel,deliveryStatus,expiresAt,phone,requestId,status"},
		{otp.EventDelivered, otp.StatusPending, "channel,deliveryStatus,expiresAt,phone,requestId,status"},
		{otp.EventFailed, otp.StatusPending, "channel,deliveryStatus,expiresAt,phone,requestId,status"},
		{otp.EventVerified, otp.StatusVerified, "attempts,channel,phone,requestId,status,verifiedAt"},
		{otp.EventExpired, otp.StatusExpired, "channel,expiresAt,phone,requestId,status"},
		{otp.EventMaxAttempts, otp.StatusMaxAttempts, "attempts,channel,phone,requestId,status"},
		{otp.EventCanceled, otp.StatusCanceled, "channel,phone,requestId,status"},
	} {
		e.Type, v.Status, v.VerifiedAt = tc.event, tc.status, now.Add(time.Minute)
		b, err := cobinar.Payload(e, v, "+44******0958")
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			ID, Event, CreatedAt string
			Payload              map[string]any
		}
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		if got := keys(body.Payload); got != tc.keys {
			t.Errorf("%s payload has %s, want %s", tc.event, got, tc.keys)
		}
		if body.ID != "019a0b0c-0d0e-7f10-9112-131415161718" || body.Event != string(tc.event) || body.CreatedAt != "2026-07-03T14:22:10.000Z" {
			t.Errorf("%s envelope = %+v", tc.event, body)
		}
		if body.Payload["phone"] != "+44******0958" || strings.Contains(string(b), "7911120958") || strings.Contains(string(b), "sealed") {
			t.Errorf("%s body %s: want the masked phone it was given, nothing of the code", tc.event, b)
		}
	}
	if body, _ := cobinar.Payload(otp.Event{ID: "custom-id", Type: otp.EventCreated, CreatedAt: now}, v, "x"); !strings.Contains(string(body), `"id":"custom-id"`) {
		t.Errorf("an id of another form = %s, want it as it is", body)
	}
	e.Type, v.Status = otp.EventMaxAttempts, otp.StatusMaxAttempts
	b, _ := cobinar.Payload(e, v, "x")
	if !strings.Contains(string(b), `"status":"failed"`) || !strings.Contains(string(b), `"attempts":2`) {
		t.Errorf("max_attempts body = %s, want status failed and the attempts", b)
	}
}
