package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleGeoPermissions edits a project's geo permissions from its
// "Geo permissions" page as a person would: the server's error on a bad
// prefix shows by the prefix rules; then an SMS allow-list of GB with a
// denied prefix, voice rules of its own, and premium-rate numbers allowed
// save, read back the same after a reload, and the project's sends obey
// them.
func TestConsoleGeoPermissions(t *testing.T) {
	chrome := chromiumPath(t)
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(), "OTPD_ADMIN_TOKEN": testAdminToken})
	st, p := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "Shop"})
	if st != 201 {
		t.Fatal(st, p)
	}
	projectID := data(p)["id"].(string)
	st, a := call(t, "POST", base+"/v1/applications", testAdminToken, map[string]any{"name": "web", "projectId": projectID, "environment": "test"})
	if st != 201 {
		t.Fatal(st, a)
	}
	apiKey := data(a)["apiKey"].(string)

	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#console-token")))
	b.do(chromedp.SendKeys(chromedp.CSS("#console-token"), testAdminToken))
	b.clickButton("Sign in")
	b.waitText("main h1", "Projects")
	b.do(chromedp.Navigate(base + "/console/#/projects/" + projectID))
	b.waitText("main .subnav", "Geo permissions")
	b.do(chromedp.Click(chromedp.Search(`//nav[@aria-label="Project sections"]/a[normalize-space()="Geo permissions"]`), chromedp.NodeVisible))
	b.waitText("main form", "Number types")

	// Every control is labelled; a new project sends everywhere, to the
	// default number types, and its channels follow the default rules.
	if n := b.eval(`String([...document.querySelectorAll("main form input, main form select, main form textarea")].filter((c) => c.labels.length === 0).length)`); n != "0" {
		t.Errorf("%s unlabelled controls, want none", n)
	}
	got := b.eval(`JSON.stringify([document.querySelector('[data-field="geo.default.mode"] select').value,
		[...document.querySelectorAll('[data-field="numberTypes.allowed"] input:checked')].map((c) => c.value),
		document.querySelector('[data-field="geo.sms"] input').checked,
		document.querySelector('[data-field="geo.sms.mode"]').closest(".form-grid").hidden])`)
	if want := `["all",["mobile","fixed_line","fixed_line_or_mobile","voip"],false,true]`; got != want {
		t.Errorf("a new project's page = %s, want %s", got, want)
	}

	// SMS gets rules of its own: only GB, but not +4474; the server
	// refuses a prefix of two digits by its field.
	b.do(chromedp.Click(chromedp.CSS(`[data-field="geo.sms"] input`)))
	b.do(chromedp.SetValue(chromedp.CSS(`[data-field="geo.sms.mode"] select`), "allow"),
		chromedp.SendKeys(chromedp.CSS(`[data-field="geo.sms.countries"] input`), "gb"),
		chromedp.SendKeys(chromedp.CSS(`[data-field="geo.sms.prefixes"] textarea`), "+44 deny"))
	b.clickButton("Save geo permissions")
	b.waitText(`[data-field="geo.sms.prefixes"] .field-error`, "a prefix is + and 3 to 7 digits")
	b.retype(`[data-field="geo.sms.prefixes"] textarea`, "+4474 deny")

	// Voice: every country but RU. Premium rate allowed.
	b.do(chromedp.Click(chromedp.CSS(`[data-field="geo.voice"] input`)))
	b.do(chromedp.SetValue(chromedp.CSS(`[data-field="geo.voice.mode"] select`), "deny"),
		chromedp.SendKeys(chromedp.CSS(`[data-field="geo.voice.countries"] input`), "RU"),
		chromedp.Click(chromedp.CSS(`[data-field="numberTypes.allowed"] input[value="premium_rate"]`)))
	b.clickButton("Save geo permissions")
	b.waitText("#status", "Geo permissions saved.")

	b.do(chromedp.Reload())
	b.waitText("main form", "Number types")
	got = b.eval(`JSON.stringify([...["sms", "voice", "whatsapp"].map((k) => [
			document.querySelector('[data-field="geo.' + k + '"] input').checked,
			document.querySelector('[data-field="geo.' + k + '.mode"] select').value,
			document.querySelector('[data-field="geo.' + k + '.countries"] input').value,
			document.querySelector('[data-field="geo.' + k + '.prefixes"] textarea').value]),
		document.querySelector('[data-field="numberTypes.allowed"] input[value="premium_rate"]').checked])`)
	if want := `[[true,"allow","GB","+4474 deny"],[true,"deny","RU",""],[false,"all","",""],true]`; got != want {
		t.Errorf("after a reload = %s, want %s", got, want)
	}
	b.shot("project-geo")
	b.assertNoConsoleErrors()

	// The sends obey what the page saved.
	for _, tc := range []struct {
		to, channel string
		status      int
		code        string
	}{
		{"+447812345678", "sms", 201, ""},
		{"+447400123456", "sms", 403, "GEO_NOT_ALLOWED"},
		{"+14155552671", "sms", 403, "GEO_NOT_ALLOWED"},
		{"+14155552671", "voice", 201, ""},
		{"+79991234567", "voice", 403, "GEO_NOT_ALLOWED"},
		{"+449012345678", "voice", 201, ""},
	} {
		st, body := call(t, "POST", base+"/v1/verifications", apiKey, map[string]any{"to": tc.to, "channel": tc.channel})
		e, _ := body["error"].(map[string]any)
		if st != tc.status || (tc.code != "" && fmt.Sprint(e["code"]) != tc.code) {
			t.Errorf("%s to %s: %d %v, want %d %s", tc.channel, tc.to, st, body, tc.status, tc.code)
		}
	}
}
