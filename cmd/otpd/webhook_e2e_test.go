package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpd/otpd/client"
	"github.com/otpd/otpd/internal/webhook"
)

// receiver is a webhook endpoint that keeps what it gets and can fail.
type receiver struct {
	mu       sync.Mutex
	got      []received
	failNext atomic.Int32
}

type received struct {
	header http.Header
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if rc.failNext.Add(-1) >= 0 {
		http.Error(w, "receiver is down", http.StatusServiceUnavailable)
		return
	}
	rc.mu.Lock()
	rc.got = append(rc.got, received{header: r.Header.Clone(), body: body})
	rc.mu.Unlock()
	w.Write([]byte("thanks"))
}

func (rc *receiver) events() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []map[string]any
	for _, g := range rc.got {
		var m map[string]any
		json.Unmarshal(g.body, &m)
		out = append(out, m)
	}
	return out
}

// TestWebhooksEndToEnd registers an endpoint, runs a verification and
// checks that its events arrive signed (Standard Webhooks, the
// application's secret), that the destination is masked and the code
// absent, that a failed delivery is logged and can be redelivered, and
// that the test endpoint sends one signed event at once.
func TestWebhooksEndToEnd(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(),
		"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_WEBHOOK_ALLOW_PRIVATE": "1"})
	st, p := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "hooks"})
	if st != 201 {
		t.Fatal(st, p)
	}
	st, a := call(t, "POST", base+"/v1/applications", testAdminToken, map[string]any{"name": "Acme", "projectId": data(p)["id"], "environment": "test"})
	if st != 201 {
		t.Fatal(st, a)
	}
	appID, key, secret := data(a)["id"].(string), data(a)["apiKey"].(string), data(a)["webhookSecret"].(string)
	st, wh := call(t, "POST", base+"/v1/webhooks", testAdminToken, map[string]any{"appId": appID, "url": srv.URL + "/hooks"})
	if st != 201 {
		t.Fatal(st, wh)
	}
	whID := data(wh)["id"].(string)

	otpd := client.New(base, key)
	v, err := otpd.CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+14155552671", Channel: client.SMS})
	if err != nil {
		t.Fatal(err)
	}
	id := v.ID
	code := waitCode(t, base, key, "+14155552671")
	if c, err := otpd.Check(t.Context(), id, code); err != nil || !c.Valid {
		t.Fatal(c, err)
	}
	waitFor(t, "three events at the endpoint", func() bool { return len(rc.events()) >= 3 })
	types := map[string]bool{}
	rc.mu.Lock()
	for _, g := range rc.got {
		if err := webhook.VerifyStandard(secret, g.header, g.body, time.Now()); err != nil {
			t.Errorf("signature of %s: %v", g.body, err)
		}
		if strings.Contains(string(g.body), code) || strings.Contains(string(g.body), "+14155552671") {
			t.Errorf("payload %s carries the code or the full number", g.body)
		}
		var m map[string]any
		json.Unmarshal(g.body, &m)
		types[m["type"].(string)] = true
		if m["applicationId"] != appID || m["data"].(map[string]any)["id"] != id {
			t.Errorf("payload %s, want the application and the verification", g.body)
		}
	}
	rc.mu.Unlock()
	for _, want := range []string{"otp.created", "otp.sent", "otp.verified"} {
		if !types[want] {
			t.Errorf("events received %v, want %s", types, want)
		}
	}

	// A delivery that fails is logged and can be sent again by hand.
	rc.failNext.Store(1)
	if st, _ := call(t, "PATCH", base+"/v1/webhooks/"+whID, testAdminToken, map[string]any{"events": []string{"otp.canceled"}}); st != 200 {
		t.Fatal(st)
	}
	if _, err := otpd.CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+14155552672", Channel: client.SMS}); err != nil {
		t.Fatal(err)
	}
	v, err = otpd.CreateVerification(t.Context(), client.CreateVerificationRequest{To: "+14155552673", Channel: client.SMS})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := otpd.Cancel(t.Context(), v.ID); err != nil {
		t.Fatal(err)
	}
	var failed map[string]any
	waitFor(t, "a failed delivery in the log", func() bool {
		_, l := call(t, "GET", base+"/v1/webhooks/"+whID+"/deliveries", testAdminToken, nil)
		for _, d := range l["data"].([]any) {
			if d := d.(map[string]any); d["eventType"] == "otp.canceled" && d["lastStatusCode"] == 503.0 {
				failed = d
				return true
			}
		}
		return false
	})
	if failed["status"] != "pending" || failed["nextAttemptAt"] == nil || failed["attempts"] != 1.0 {
		t.Errorf("failed delivery = %v, want pending with a next attempt", failed)
	}
	did := failed["id"].(string)
	if st, r := call(t, "POST", base+"/v1/webhooks/"+whID+"/deliveries/"+did+"/redeliver", testAdminToken, nil); st != 200 {
		t.Fatal(st, r)
	}
	var one map[string]any
	waitFor(t, "the redelivery", func() bool {
		_, r := call(t, "GET", base+"/v1/webhooks/"+whID+"/deliveries/"+did, testAdminToken, nil)
		one = data(r)
		return one["status"] == "delivered"
	})
	if reqs := one["requests"].([]any); len(reqs) != 2 || reqs[0].(map[string]any)["statusCode"] != 503.0 ||
		reqs[1].(map[string]any)["statusCode"] != 200.0 || reqs[1].(map[string]any)["responseExcerpt"] != "thanks" {
		t.Errorf("requests of the delivery = %v, want a 503 then a 200", one["requests"])
	}
	for _, e := range rc.events() {
		if e["type"] == "otp.created" && e["data"].(map[string]any)["id"] != id {
			t.Errorf("an otp.created of another verification arrived after the endpoint left it: %v", e)
		}
	}

	// The test endpoint sends one signed event at once.
	before := len(rc.events())
	st, res := call(t, "POST", base+"/v1/webhooks/"+whID+"/test", testAdminToken, nil)
	if st != 200 || data(res)["success"] != true || data(res)["statusCode"] != 200.0 {
		t.Fatalf("test: %d %v", st, res)
	}
	if len(rc.events()) != before+1 {
		t.Errorf("the test sent %d requests, want 1", len(rc.events())-before)
	}
}
