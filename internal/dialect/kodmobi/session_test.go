package kodmobi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// inbox counts the test-inbox messages of a test application to to.
func inbox(h *dialecttest.Harness, a dialecttest.App, to string) int {
	h.T.Helper()
	app, err := h.Svc.GetApplication(otp.WithPrincipal(context.Background(), otp.Principal{}), a.ID)
	if err != nil {
		h.T.Fatal(err)
	}
	ms, err := h.Svc.TestMessages(context.Background(), app, to)
	if err != nil {
		h.T.Fatal(err)
	}
	return len(ms)
}

// TestDocumentedPaths: the paths of kod.mobi's documents (/session/*,
// /verify) work as the SDK's; create sends by default, on the project's
// first channel that reaches the destination.
func TestDocumentedPaths(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", `{"channels":["whatsapp","sms","email"]}`)
		browser := client{h: h, key: app.PublicKey}

		must(t, "settings", browser.get("/session/settings"), 200)
		if got := channelTypes(array(t, must(t, "channels", browser.get("/session/channels"), 200))); !slices.Equal(got, []string{"whatsapp", "sms", "email"}) {
			t.Errorf("channels without a session = %v, want the project's, in its order", got)
		}
		created := must(t, "create", browser.post("/session/create", `{"to":"+14155552671"}`), 200).Body
		id := str(created["session_id"])
		if created["sent_to"] != "whatsapp" {
			t.Errorf("sent_to = %v, want whatsapp, the project's first channel for a phone", created["sent_to"])
		}
		if got := channelTypes(created["channels"]); !slices.Equal(got, []string{"whatsapp", "sms"}) {
			t.Errorf("channels of a phone session = %v, want those that reach a phone", got)
		}
		if ch := channelOf(created["channels"], "whatsapp"); num(ch["timeout"]) != 60 {
			t.Errorf("whatsapp after the send: timeout %v, want 60", ch["timeout"])
		}
		must(t, "send", browser.post("/session/send", `{"session_id":"`+id+`","type":"sms"}`), 200)
		code := h.Code(app, "+14155552671")
		token := str(must(t, "check", browser.post("/session/check", `{"session_id":"`+id+`","code":"`+code+`"}`), 200).Body["verify_token"])
		v := must(t, "verify", client{h: h, key: app.APIKey}.post("/session/verify", `{"verify_token":"`+token+`"}`), 200).Body
		if v["channel"] != "sms" || v["to"] != "+14155552671" {
			t.Errorf("verify = %v", v)
		}

		// The next session of this number sends, by default, on the
		// channel that verified it last.
		h.Clock.Advance(time.Minute)
		next := must(t, "create again", browser.post("/session/create", `{"to":"+14155552671"}`), 200).Body
		if next["session_id"] == id || next["sent_to"] != "sms" {
			t.Errorf("next session = %v, want a new one sent on sms, the channel that verified last", next)
		}

		email := must(t, "create for an email", browser.post("/v2/create", `{"to":"Person@Example.com","type":"email"}`), 200).Body
		if email["sent_to"] != "email" || !slices.Equal(channelTypes(email["channels"]), []string{"email"}) {
			t.Errorf("email session = %v", email)
		}
		if inbox(h, app, "person@example.com") != 1 {
			t.Errorf("no email in the inbox")
		}
	})
}

// TestCreateReturnsTheLiveSession: creating again for a destination while
// its session lives returns it and sends nothing new while the channel's
// timeout runs; after the timeout it sends the same code again; once the
// session has expired a new one opens.
func TestCreateReturnsTheLiveSession(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", `{"sessionTtl":120}`)
		browser := client{h: h, key: app.PublicKey}
		const to = "+14155552673"

		first := must(t, "create", browser.post("/v2/create", `{"to":"`+to+`","type":"sms"}`), 200).Body
		id := str(first["session_id"])
		if first["sent_to"] != "sms" || inbox(h, app, to) != 1 {
			t.Fatalf("create = %v, want one code sent on sms", first)
		}
		expires := str(first["session_expired_at"])
		if want := h.Clock.Now().Add(2 * time.Minute).Format(time.RFC3339); expires != want {
			t.Errorf("session_expired_at = %s, want %s (the project's sessionTtl)", expires, want)
		}
		code := h.Code(app, to)

		h.Clock.Advance(30 * time.Second)
		again := must(t, "create again", browser.post("/v2/create", `{"to":"`+to+`","type":"sms"}`), 200).Body
		if again["session_id"] != id || again["sent_to"] != nil || str(again["session_expired_at"]) != expires {
			t.Errorf("create during the timeout = %v, want session %s as it was, nothing sent", again, id)
		}
		if ch := channelOf(again["channels"], "sms"); num(ch["timeout"]) != 30 {
			t.Errorf("sms timeout = %v, want 30", ch["timeout"])
		}
		if n := inbox(h, app, to); n != 1 {
			t.Errorf("%d messages after create during the timeout, want 1", n)
		}

		h.Clock.Advance(30 * time.Second)
		resent := must(t, "create after the timeout", browser.post("/v2/create", `{"to":"`+to+`","type":"sms"}`), 200).Body
		if resent["session_id"] != id || resent["sent_to"] != "sms" || inbox(h, app, to) != 2 || h.Code(app, to) != code {
			t.Errorf("create after the timeout = %v, want the same session sending its code again", resent)
		}

		h.Clock.Advance(time.Minute)
		wantError(t, "send after expiry", browser.post("/v2/send", `{"session_id":"`+id+`","type":"voice"}`), 404, "ERROR_SESSION_EXPIRED")
		wantError(t, "check after expiry", browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+code+`"}`), 404, "ERROR_SESSION_EXPIRED")
		wantError(t, "channels after expiry", browser.get("/v2/channels?session_id="+id), 404, "ERROR_SESSION_EXPIRED")
		fresh := must(t, "create after expiry", browser.post("/v2/create", `{"to":"`+to+`","send":false}`), 200).Body
		if fresh["session_id"] == id {
			t.Errorf("create after expiry returned the expired session")
		}
		// The expired session's verification expired with it.
		h.Svc.SweepExpired(context.Background(), 100)
		if v := latestVerification(h, app); v["status"] != "expired" {
			t.Errorf("the expired session's verification is %v, want expired", v["status"])
		}
	})
}

// TestCodeAlphabet: a project's codes may be letters, without look-alikes,
// or letters and digits; every API checks them without regard to case.
func TestCodeAlphabet(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		for _, tc := range []struct {
			policy, chars string
			digits        bool
		}{
			{`{"codeDigits":false,"codeLetters":true,"codeLength":10}`, "ABCDEFGHJKMNPQRSTUVWXYZ", false},
			{`{"codeLetters":true,"codeLength":10}`, "0123456789ABCDEFGHJKMNPQRSTUVWXYZ", true},
		} {
			app := h.CreateApp("test", tc.policy)
			browser := client{h: h, key: app.PublicKey}
			code := must(t, "settings", browser.get("/v2/settings"), 200).Body["code"].(map[string]any)
			if code["digits"] != tc.digits || code["letters"] != true || num(code["length"]) != 10 {
				t.Errorf("settings.code = %v for %s", code, tc.policy)
			}
			id := str(must(t, "create", browser.post("/v2/create", `{"to":"+14155552671"}`), 200).Body["session_id"])
			got := h.Code(app, "+14155552671")
			for _, r := range got {
				if !strings.ContainsRune(tc.chars, r) {
					t.Fatalf("code %q has %q, outside %s", got, r, tc.chars)
				}
			}
			must(t, "check in lower case", browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+strings.ToLower(got)+`"}`), 200)

			// The native API checks the same way.
			auth := http.Header{"Authorization": {"Bearer " + app.APIKey}}
			r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications", Header: auth, Body: `{"to":"+14155552672","channel":"sms"}`})
			native := h.Code(app, "+14155552672")
			r = h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications/" + str(r.Data()["id"]) + "/check", Header: auth,
				Body: `{"code":"` + strings.ToLower(native) + `"}`})
			if r.Status != 200 || r.Data()["valid"] != true {
				t.Errorf("native check of %q in lower case: %d %s", native, r.Status, r.Raw)
			}
		}
	})
}
