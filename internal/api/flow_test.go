package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerificationLifecycle(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")

	r := h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{
		"to": "+44 20 7946 0958", "channel": "sms", "purpose": "two_factor", "ttl": 120, "codeLength": 8,
		"locale": "ru", "metadata": map[string]any{"userId": "u1"},
	}), 201)
	v := r.data()
	id := v["id"].(string)
	for field, want := range map[string]any{
		"to": "+442079460958", "channel": "sms", "purpose": "two_factor", "status": "pending",
		// A test application's message is in its inbox when the create answers.
		"deliveryStatus": "sent", "attemptsRemaining": 5.0, "locale": "ru",
	} {
		if v[field] != want {
			t.Errorf("%s = %v, want %v", field, v[field], want)
		}
	}
	if md, _ := v["metadata"].(map[string]any); md["userId"] != "u1" {
		t.Errorf("metadata = %v", v["metadata"])
	}
	if got, want := v["expiresAt"], h.clock.Now().Add(120*time.Second).Format(time.RFC3339); got != want {
		t.Errorf("expiresAt = %v, want %v", got, want)
	}
	if _, ok := v["code"]; ok {
		t.Error("the create answer carries the code")
	}
	if strings.Contains(string(r.raw), "codeHash") {
		t.Error("the answer carries the code hash")
	}
	for _, hdr := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"} {
		if r.header.Get(hdr) == "" {
			t.Errorf("header %s missing", hdr)
		}
	}

	code := h.inboxCode(key, "+442079460958")
	if len(code) != 8 {
		t.Fatalf("code %q, want 8 digits", code)
	}
	inbox := h.do("GET", "/v1/test/messages?to=%2B442079460958", key, nil).list()[0].(map[string]any)
	if inbox["verificationId"] != id || !strings.Contains(inbox["body"].(string), code) {
		t.Errorf("inbox message = %v", inbox)
	}
	if got := h.do("GET", "/v1/verifications/"+id, key, nil).data()["deliveryStatus"]; got != "sent" {
		t.Errorf("deliveryStatus after delivery = %v, want sent", got)
	}
	msgs := h.mustStatus(h.do("GET", "/v1/verifications/"+id+"/messages", key, nil), 200)
	if l := msgs.list(); len(l) != 1 {
		t.Errorf("messages = %s, want one", msgs.raw)
	} else if m := l[0].(map[string]any); m["provider"] != "test_inbox" || m["status"] != "sent" || m["to"] != "+442079460958" || m["sentAt"] == nil {
		t.Errorf("message = %v, want sent through the test inbox", m)
	}
	if strings.Contains(string(msgs.raw), code) {
		t.Error("the messages answer carries the code")
	}

	wrong := wrongCode(code)
	c := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": wrong}), 200).data()
	if c["valid"] != false || c["status"] != "pending" || c["attemptsRemaining"] != 4.0 || c["verifiedAt"] != nil {
		t.Errorf("wrong code answer = %v", c)
	}
	c = h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200).data()
	if c["valid"] != true || c["status"] != "verified" || c["verifiedAt"] == nil {
		t.Errorf("right code answer = %v", c)
	}
	c = h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200).data()
	if c["valid"] != false || c["status"] != "verified" {
		t.Errorf("second check of a verified code = %v, want valid false", c)
	}
	got := h.do("GET", "/v1/verifications/"+id, key, nil).data()
	if got["status"] != "verified" || got["attempts"] != 2.0 {
		t.Errorf("after verification: %v", got)
	}
}

func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestCheckByDestination(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	h.send(key, "Person@Example.com", "email")
	code := h.inboxCode(key, "person@example.com")

	r := h.mustStatus(h.do("POST", "/v1/verifications/check", key, map[string]any{"to": "PERSON@example.com", "code": code}), 200)
	if r.data()["valid"] != true {
		t.Fatalf("check by destination = %s", r.raw)
	}
	r = h.do("POST", "/v1/verifications/check", key, map[string]any{"to": "person@example.com", "code": code})
	if r.status != 404 || r.errCode() != "NOT_FOUND" {
		t.Errorf("after verification: %d %s, want 404 NOT_FOUND (nothing pending)", r.status, r.raw)
	}
}

func TestMaxAttemptsThenCorrectCodeFails(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	id := h.send(key, "+14155552671", "sms")
	code := h.inboxCode(key, "+14155552671")
	for i := range 5 {
		c := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": wrongCode(code)}), 200).data()
		if c["attemptsRemaining"] != float64(4-i) {
			t.Errorf("attempt %d: attemptsRemaining = %v", i+1, c["attemptsRemaining"])
		}
	}
	c := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200).data()
	if c["valid"] != false || c["status"] != "max_attempts" {
		t.Errorf("correct code after max attempts = %v", c)
	}
}

func TestConcurrentCorrectChecksSucceedOnce(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	id := h.send(key, "+14155552671", "sms")
	code := h.inboxCode(key, "+14155552671")
	var mu sync.Mutex
	valid := 0
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			r := h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code})
			if r.data()["valid"] == true {
				mu.Lock()
				valid++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if valid != 1 {
		t.Errorf("%d checks were valid, want exactly 1", valid)
	}
}

func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	body := `{"to":"+14155552671","channel":"sms"}`
	first := h.mustStatus(h.do("POST", "/v1/verifications", key, body, "Idempotency-Key", "k-1"), 201)
	again := h.mustStatus(h.do("POST", "/v1/verifications", key, body, "Idempotency-Key", "k-1"), 201)
	if first.data()["id"] != again.data()["id"] {
		t.Errorf("retry created %v, want the first %v", again.data()["id"], first.data()["id"])
	}
	if again.header.Get("Idempotent-Replayed") != "true" {
		t.Error("replayed answer lacks Idempotent-Replayed: true")
	}
	h.deliver()
	if n := len(h.do("GET", "/v1/test/messages", key, nil).list()); n != 1 {
		t.Errorf("%d messages sent, want 1", n)
	}
	other := h.do("POST", "/v1/verifications", key, `{"to":"+14155552672","channel":"sms"}`, "Idempotency-Key", "k-1")
	if other.status != 409 || other.errCode() != "CONFLICT" {
		t.Errorf("same key, other body: %d %s, want 409 CONFLICT", other.status, other.raw)
	}
	// Keys belong to one application: another app may use the same key.
	_, key2 := h.createApp("test")
	third := h.mustStatus(h.do("POST", "/v1/verifications", key2, body, "Idempotency-Key", "k-1"), 201)
	if third.data()["id"] == first.data()["id"] {
		t.Error("another application's idempotency key replayed the first application's verification")
	}
	// After the window the key is forgotten.
	h.clock.Advance(25 * time.Hour)
	late := h.mustStatus(h.do("POST", "/v1/verifications", key, body, "Idempotency-Key", "k-1"), 201)
	if late.data()["id"] == first.data()["id"] {
		t.Error("a key older than 24 h still replayed")
	}
}

func TestResendCooldownMaximumAndChannel(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	id := h.send(key, "+14155552671", "sms")
	code := h.inboxCode(key, "+14155552671")

	r := h.do("POST", "/v1/verifications/"+id+"/resend", key, nil)
	if r.status != 429 || r.errCode() != "RATE_LIMITED" || r.header.Get("Retry-After") != "30" {
		t.Fatalf("resend during cooldown: %d %s Retry-After=%q", r.status, r.raw, r.header.Get("Retry-After"))
	}
	h.clock.Advance(31 * time.Second)
	r = h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/resend", key, map[string]any{"channel": "voice"}), 200)
	if r.data()["channel"] != "voice" || r.data()["resends"] != 1.0 {
		t.Errorf("resend answer = %v", r.data())
	}
	if again := h.inboxCode(key, "+14155552671"); again != code {
		t.Errorf("resend sent code %q, want the same code %q", again, code)
	}
	r = h.do("POST", "/v1/verifications/"+id+"/resend", key, map[string]any{"channel": "email"})
	if r.status != 400 || r.errField() != "channel" {
		t.Errorf("resend by email to a phone: %d %s", r.status, r.raw)
	}
	for range 2 {
		h.clock.Advance(31 * time.Second)
		h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/resend", key, nil), 200)
	}
	h.clock.Advance(31 * time.Second)
	r = h.do("POST", "/v1/verifications/"+id+"/resend", key, nil)
	if r.status != 429 {
		t.Errorf("fourth resend: %d %s, want 429 (maximum 3)", r.status, r.raw)
	}
}

func TestCancel(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	id := h.send(key, "+14155552671", "sms")
	code := h.inboxCode(key, "+14155552671")
	r := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/cancel", key, nil), 200)
	if r.data()["status"] != "canceled" {
		t.Errorf("status = %v", r.data()["status"])
	}
	c := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", key, map[string]any{"code": code}), 200).data()
	if c["valid"] != false || c["status"] != "canceled" {
		t.Errorf("check after cancel = %v", c)
	}
	if r := h.do("POST", "/v1/verifications/"+id+"/cancel", key, nil); r.status != 409 {
		t.Errorf("second cancel: %d, want 409", r.status)
	}
}

func TestExpiry(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	swept := h.send(key, "+14155552671", "sms")
	checked := h.send(key, "+14155552672", "sms")
	code := h.inboxCode(key, "+14155552672")
	h.clock.Advance(5*time.Minute + time.Second)

	c := h.mustStatus(h.do("POST", "/v1/verifications/"+checked+"/check", key, map[string]any{"code": code}), 200).data()
	if c["valid"] != false || c["status"] != "expired" {
		t.Errorf("check after expiry = %v", c)
	}
	n, err := h.svc.SweepExpired(t.Context(), 100)
	if err != nil || n != 1 {
		t.Fatalf("sweep marked %d (err %v), want 1", n, err)
	}
	if got := h.do("GET", "/v1/verifications/"+swept, key, nil).data()["status"]; got != "expired" {
		t.Errorf("swept status = %v", got)
	}
}

func TestTenantIsolation(t *testing.T) {
	h := newHarness(t)
	_, keyA := h.createApp("test")
	_, keyB := h.createApp("test")
	id := h.send(keyA, "+14155552671", "sms")
	code := h.inboxCode(keyA, "+14155552671")

	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/verifications/" + id, ""},
		{"POST", "/v1/verifications/" + id + "/check", `{"code":"` + code + `"}`},
		{"POST", "/v1/verifications/" + id + "/resend", ""},
		{"POST", "/v1/verifications/" + id + "/cancel", ""},
		{"GET", "/v1/verifications/" + id + "/messages", ""},
		{"POST", "/v1/verifications/check", `{"to":"+14155552671","code":"` + code + `"}`},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := h.do(c.method, c.path, keyB, body)
		if r.status != 404 || r.errCode() != "NOT_FOUND" {
			t.Errorf("%s %s with another app's key: %d %s, want 404", c.method, c.path, r.status, r.raw)
		}
	}
	if l := h.do("GET", "/v1/verifications", keyB, nil).list(); len(l) != 0 {
		t.Errorf("another app lists %d verifications", len(l))
	}
	if l := h.do("GET", "/v1/test/messages", keyB, nil).list(); len(l) != 0 {
		t.Errorf("another app's inbox has %d messages", len(l))
	}
	// B's checks did not count against A's attempts; A still verifies.
	c := h.mustStatus(h.do("POST", "/v1/verifications/"+id+"/check", keyA, map[string]any{"code": code}), 200).data()
	if c["valid"] != true {
		t.Errorf("owner's check after the other app's attempts = %v", c)
	}
}

func TestLiveApplicationHasNoTestInbox(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("live")
	h.send(key, "+14155552671", "sms")
	h.deliver()
	r := h.do("GET", "/v1/test/messages", key, nil)
	if r.status != 403 || r.errCode() != "FORBIDDEN" {
		t.Errorf("live inbox: %d %s", r.status, r.raw)
	}
	if len(h.sender.msgs) != 1 || h.sender.msgs[0].To != "+14155552671" {
		t.Errorf("live message went to %v, want the sender", h.sender.msgs)
	}
}

func TestDestinationRateLimit(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	for i := range 10 {
		if r := h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"}); r.status != 201 {
			t.Fatalf("send %d: %d %s", i+1, r.status, r.raw)
		}
	}
	r := h.do("POST", "/v1/verifications", key, map[string]any{"to": "+1 415 555 2671", "channel": "sms"})
	if r.status != 429 || r.errCode() != "RATE_LIMITED" || r.header.Get("Retry-After") == "" {
		t.Fatalf("11th send in a minute: %d %s", r.status, r.raw)
	}
	// Another destination and another application are not affected.
	h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552672", "channel": "sms"}), 201)
	_, key2 := h.createApp("test")
	h.mustStatus(h.do("POST", "/v1/verifications", key2, map[string]any{"to": "+14155552671", "channel": "sms"}), 201)
	h.clock.Advance(time.Minute)
	h.mustStatus(h.do("POST", "/v1/verifications", key, map[string]any{"to": "+14155552671", "channel": "sms"}), 201)
}

func TestAPIKeyRateLimit(t *testing.T) {
	h := newHarness(t, harnessOptions{apiKeyLimit: 3})
	_, key := h.createApp("test")
	for i := range 3 {
		r := h.mustStatus(h.do("GET", "/v1/verifications", key, nil), 200)
		if got, want := r.header.Get("X-RateLimit-Remaining"), fmt.Sprint(2-i); got != want {
			t.Errorf("request %d: remaining %s, want %s", i+1, got, want)
		}
		if r.header.Get("X-RateLimit-Limit") != "3" {
			t.Errorf("limit header %q", r.header.Get("X-RateLimit-Limit"))
		}
	}
	r := h.do("GET", "/v1/verifications", key, nil)
	if r.status != 429 || r.header.Get("Retry-After") == "" || r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("4th request: %d %v", r.status, r.header)
	}
	// The console has its own budget of the same size; createApp used 2.
	h.mustStatus(h.do("GET", "/v1/projects", adminToken, nil), 200)
	r = h.do("GET", "/v1/projects", adminToken, nil)
	if r.status != 429 || r.errCode() != "RATE_LIMITED" || r.header.Get("Retry-After") == "" {
		t.Errorf("4th console request: %d %s", r.status, r.raw)
	}
}

func TestListFiltersAndPagination(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	var ids []string
	for i := range 7 {
		ids = append(ids, h.send(key, fmt.Sprintf("+1415555267%d", i), "sms"))
		h.clock.Advance(time.Second)
	}
	emailID := h.send(key, "a@example.com", "email")
	h.mustStatus(h.do("POST", "/v1/verifications/"+ids[0]+"/cancel", key, nil), 200)

	var seen []string
	cursor := ""
	for page := 0; page < 10; page++ {
		r := h.mustStatus(h.do("GET", "/v1/verifications?channel=sms&limit=3&cursor="+cursor, key, nil), 200)
		for _, it := range r.list() {
			seen = append(seen, it.(map[string]any)["id"].(string))
		}
		p := r.body["pagination"].(map[string]any)
		if p["hasMore"] != true {
			break
		}
		cursor = p["nextCursor"].(string)
	}
	if len(seen) != 7 {
		t.Fatalf("paged through %d sms verifications, want 7: %v", len(seen), seen)
	}
	for i := range seen {
		if seen[i] != ids[6-i] {
			t.Errorf("item %d = %s, want %s (newest first)", i, seen[i], ids[6-i])
		}
	}
	if l := h.do("GET", "/v1/verifications?status=canceled", key, nil).list(); len(l) != 1 || l[0].(map[string]any)["id"] != ids[0] {
		t.Errorf("status filter: %v", l)
	}
	if l := h.do("GET", "/v1/verifications?to=A%40example.com", key, nil).list(); len(l) != 1 || l[0].(map[string]any)["id"] != emailID {
		t.Errorf("to filter: %v", l)
	}
	from := h.clock.Now().Add(-3 * time.Second).Format(time.RFC3339)
	if l := h.do("GET", "/v1/verifications?channel=sms&createdFrom="+from, key, nil).list(); len(l) != 3 {
		t.Errorf("createdFrom filter gave %d, want 3", len(l))
	}
}

func TestTestInboxRetention(t *testing.T) {
	h := newHarness(t)
	_, key := h.createApp("test")
	h.send(key, "+14155552671", "sms")
	h.deliver()
	h.clock.Advance(25 * time.Hour)
	h.send(key, "+14155552672", "sms")
	h.deliver()
	if _, err := h.svc.SweepExpired(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	l := h.mustStatus(h.do("GET", "/v1/test/messages", key, nil), 200).list()
	if len(l) != 1 || l[0].(map[string]any)["to"] != "+14155552672" {
		t.Errorf("inbox after the sweep = %v, want only the message of the last hour", l)
	}
}
