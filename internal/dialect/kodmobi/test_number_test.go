package kodmobi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestTestNumberSession: a session to one of the project's test numbers
// (issue 16) sends nothing, not even to the test inbox, and checks with
// the fixed code; the verify token redeems as any other.
func TestTestNumberSession(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		h.Admin("PUT", "/v1/projects/"+app.ProjectID+"/fraud/test-numbers", `{"testNumbers":[{"to":"+79991234567","code":"2468"}]}`, 200)
		browser := client{h: h, key: app.PublicKey}
		server := client{h: h, key: app.APIKey}

		created := must(t, "create", browser.post("/v2/create", `{"to":"+79991234567","type":"sms"}`), 200).Body
		id := str(created["session_id"])
		if created["sent_to"] != "sms" {
			t.Fatalf("create = %v, want sent_to sms", created)
		}
		if n := inbox(h, app, "+79991234567"); n != 0 {
			t.Errorf("%d test-inbox messages for a test number, want none", n)
		}
		wantError(t, "wrong code", browser.post("/v2/check", `{"session_id":"`+id+`","code":"1357"}`), 400, "ERROR_MESSAGE_WRONG_CODE")
		checked := must(t, "check", browser.post("/v2/check", `{"session_id":"`+id+`","code":"2468"}`), 200).Body
		v := must(t, "verify", server.post("/v2/verify", `{"verify_token":"`+str(checked["verify_token"])+`"}`), 200).Body
		if v["success"] != true || v["to"] != "+79991234567" {
			t.Errorf("verify = %v", v)
		}
	})
}

// TestSessionSendsAfterSupersede: a verification created through another
// API to the session's number supersedes the session's (one live code per
// destination); the session's next send makes it a fresh verification,
// whose code checks.
func TestSessionSendsAfterSupersede(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		browser := client{h: h, key: app.PublicKey}
		const to = "+79991234567"

		id := str(must(t, "create", browser.post("/v2/create", `{"to":"`+to+`","type":"sms"}`), 200).Body["session_id"])
		first := latestVerification(h, app)
		must(t, "a verification through the native API", h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications",
			Header: http.Header{"Authorization": {"Bearer " + app.APIKey}, "Content-Type": {"application/json"}},
			Body:   `{"to":"` + to + `","channel":"sms"}`}), 201)
		if got := h.Admin("GET", "/v1/otp/"+str(first["id"]), "", 200).Data(); got["status"] != "canceled" {
			t.Fatalf("the session's verification after another to its number: %v, want canceled", got["status"])
		}

		h.Clock.Advance(time.Minute) // the sms channel's timeout
		must(t, "send again", browser.post("/v2/send", `{"session_id":"`+id+`","type":"sms"}`), 200)
		code := h.Code(app, to)
		must(t, "check", browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+code+`"}`), 200)
	})
}
