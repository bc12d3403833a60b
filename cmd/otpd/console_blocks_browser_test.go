package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleBlockedPrefixes drives a project's blocked prefixes page:
// a block shows with its reason, one click on Release lifts it (the API
// no longer lists it), a bad prefix typed by hand is shown next to its
// field, and a good one is blocked and listed.
func TestConsoleBlockedPrefixes(t *testing.T) {
	chrome := chromiumPath(t)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	_, p := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "Shop"})
	projectID := p["data"].(map[string]any)["id"].(string)
	blocks := base + "/v1/projects/" + projectID + "/fraud/blocks"
	if st, res := call(t, "POST", blocks, testAdminToken, map[string]any{"prefix": "+99890", "minutes": 60, "reason": "+99890: 412 sends in the last hour, 0.2% verified"}); st != 201 {
		t.Fatal(st, res)
	}

	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#console-token")))
	b.do(chromedp.SendKeys(chromedp.CSS("#console-token"), testAdminToken))
	b.clickButton("Sign in")
	b.waitText("main h1", "Projects")
	b.do(chromedp.Click(chromedp.Search(`//main//table//a[normalize-space()="Shop"]`)))
	b.waitText("main h1", "Shop")
	b.do(chromedp.Click(chromedp.CSS(`nav.subnav a[href$="/blocks"]`)))
	b.waitText("main table", "+99890")
	b.wantText("main table", "0.2% verified")
	b.shot("blocked-prefixes")

	b.do(chromedp.Click(chromedp.CSS(`button[aria-label="Release +99890"]`), chromedp.NodeVisible))
	b.waitText("main", "No prefix is blocked")
	b.waitText("#status", "+99890 are allowed again")
	if st, res := call(t, "GET", blocks, testAdminToken, nil); st != 200 || len(res["data"].([]any)) != 0 {
		t.Errorf("blocks after the release: %d %v, want none", st, res)
	}

	b.do(chromedp.SendKeys(chromedp.CSS(`form input[name="prefix"]`), "88216"))
	b.clickButton("Block prefix")
	b.waitText(`[data-field="prefix"] .field-error`, "3 to 7 digits")
	b.retype(`form input[name="prefix"]`, "+88216")
	b.retype(`form input[name="reason"]`, "seen by support")
	b.clickButton("Block prefix")
	b.waitText("main table", "+88216")
	b.wantText("main table", "seen by support")
	st, res := call(t, "GET", blocks, testAdminToken, nil)
	if list, _ := res["data"].([]any); st != 200 || len(list) != 1 || fmt.Sprint(list[0].(map[string]any)["prefix"]) != "+88216" {
		t.Errorf("blocks after blocking by hand: %d %v, want +88216", st, res)
	}
	b.assertNoConsoleErrors()
}
