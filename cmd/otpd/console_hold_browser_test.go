package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleShowsOperatorHold: an application the operator holds
// disabled says so to its owner, in the list and on its page, and the
// owner's own Enable does not lift the hold. Then the developer signs
// out everywhere.
func TestConsoleShowsOperatorHold(t *testing.T) {
	chrome := chromiumPath(t)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	if st, res := call(t, "POST", base+"/v1/developers", testAdminToken, map[string]any{"email": "dev@example.com", "password": "correct horse battery", "name": "Dev"}); st != 201 {
		t.Fatal(st, res)
	}
	_, login := call(t, "POST", base+"/v1/auth/login", "", map[string]any{"email": "dev@example.com", "password": "correct horse battery"})
	session, _ := login["data"].(map[string]any)["token"].(string)
	_, p := call(t, "POST", base+"/v1/projects", session, map[string]any{"name": "Shop"})
	projectID := p["data"].(map[string]any)["id"].(string)
	st, a := call(t, "POST", base+"/v1/applications", session, map[string]any{"name": "web", "projectId": projectID, "environment": "test"})
	if st != 201 {
		t.Fatal(st, a)
	}
	appID := a["data"].(map[string]any)["id"].(string)
	if st, res := call(t, "POST", base+"/v1/applications/"+appID+"/operator-disable", testAdminToken, nil); st != 200 {
		t.Fatal(st, res)
	}

	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#signin-email")))
	b.do(chromedp.SendKeys(chromedp.CSS("#signin-email"), "dev@example.com"), chromedp.SendKeys(chromedp.CSS("#signin-password"), "correct horse battery"))
	b.clickButton("Sign in with your account")
	b.waitText("main h1", "Projects")
	b.nav("applications", "Applications")
	b.waitText("main table", "held by operator")
	b.do(chromedp.Click(chromedp.Search(`//main//table//a[normalize-space()="web"]`)))
	b.waitText("main h1", "web")
	b.wantText("main .lede", "held by operator")
	b.wantText("main", "Disabled by the operator")

	// The owner's switch works as before and leaves the hold in place.
	b.clickButton("Disable")
	b.do(chromedp.WaitVisible(chromedp.CSS("dialog[open]")),
		chromedp.Click(chromedp.Search(`//dialog//button[normalize-space()="Disable"]`), chromedp.NodeVisible))
	b.waitText("#status", "Application disabled.")
	b.clickButton("Enable")
	b.waitText("#status", "Application enabled.")
	b.wantText("main .lede", "held by operator")

	// Signing out everywhere ends this session and the others.
	_, login = call(t, "POST", base+"/v1/auth/login", "", map[string]any{"email": "dev@example.com", "password": "correct horse battery"})
	other, _ := login["data"].(map[string]any)["token"].(string)
	tok := b.eval(`sessionStorage.getItem("otpd.console.token")`)
	b.clickButton("Sign out everywhere")
	b.do(chromedp.WaitVisible(chromedp.CSS("#signin-email")))
	for _, s := range []string{tok, other, session} {
		if st, _ := call(t, "GET", base+"/v1/projects", s, nil); st != 401 {
			t.Errorf("a session after signing out everywhere: %d, want 401", st)
		}
	}
	b.assertNoConsoleErrors()
}
