package kodmobi_test

import (
	"sync"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestConcurrentCheckAndVerify: 16 concurrent correct checks of one
// session yield exactly one verify token (the others find the session
// ended), and 16 concurrent redemptions of that token exactly one success.
func TestConcurrentCheckAndVerify(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		browser := client{h: h, key: app.PublicKey}
		id := str(must(t, "create", browser.post("/v2/create", `{"to":"+14155552671"}`), 200).Body["session_id"])
		code := h.Code(app, "+14155552671")

		const n = 16
		checks := make([]dialecttest.Response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { checks[i] = browser.post("/v2/check", `{"session_id":"`+id+`","code":"`+code+`"}`) })
		}
		wg.Wait()
		var tokens []string
		for _, r := range checks {
			switch r.Status {
			case 200:
				tokens = append(tokens, str(r.Body["verify_token"]))
			case 404:
				wantError(t, "a losing check", r, 404, "ERROR_SESSION_EXPIRED")
			default:
				t.Errorf("check: %d %s", r.Status, r.Raw)
			}
		}
		if len(tokens) != 1 {
			t.Fatalf("%d verify tokens from %d concurrent correct checks, want exactly 1", len(tokens), n)
		}

		server := client{h: h, key: app.APIKey}
		verifies := make([]dialecttest.Response, n)
		for i := range n {
			wg.Go(func() { verifies[i] = server.post("/v2/verify", `{"verify_token":"`+tokens[0]+`"}`) })
		}
		wg.Wait()
		wins := 0
		for _, r := range verifies {
			switch r.Status {
			case 200:
				wins++
			case 400:
				wantError(t, "a losing verify", r, 400, "ERROR_VERIFY_TOKEN_INVALID")
			default:
				t.Errorf("verify: %d %s", r.Status, r.Raw)
			}
		}
		if wins != 1 {
			t.Errorf("%d successes from %d concurrent verifies of one token, want exactly 1", wins, n)
		}
	})
}
