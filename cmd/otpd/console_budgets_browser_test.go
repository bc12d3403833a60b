package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/sqlite"
)

// TestConsoleSendBudgets drives a project's "Send budgets" tab. The
// operator sees the budgets the detector learnt, is shown the server's
// error on a bad country by its rule, then adds a prefix rule, switches
// to monitor mode, sets the daily sends and finds it all stored after a
// reload and through the API; a bad detector setting is shown by its
// field and a good one saved. A developer sees the daily sends read-only,
// and when the operator changed them meanwhile, the API's refusal shows
// by the field.
func TestConsoleSendBudgets(t *testing.T) {
	chrome := chromiumPath(t)
	dir := t.TempDir()
	env := map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": dir, "OTPD_ADMIN_TOKEN": testAdminToken}
	base, _, stop := startServe(t, env)
	if st, res := call(t, "POST", base+"/v1/developers", testAdminToken, map[string]any{"email": "dev@example.com", "password": "correct horse battery", "name": "Dev"}); st != 201 {
		t.Fatal(st, res)
	}
	_, login := call(t, "POST", base+"/v1/auth/login", "", map[string]any{"email": "dev@example.com", "password": "correct horse battery"})
	session, _ := login["data"].(map[string]any)["token"].(string)
	_, p := call(t, "POST", base+"/v1/projects", session, map[string]any{"name": "Shop"})
	projectID := p["data"].(map[string]any)["id"].(string)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// Learnt budgets are the detector's alone (the API keeps them whatever
	// a client sends): written here as its hourly pass writes them, with
	// the server stopped so that no cached project hides them.
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "otpd.db"))
	if err != nil {
		t.Fatal(err)
	}
	learntAt := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	err = db.UpdateProjectFraud(t.Context(), projectID, func(f *otp.FraudSettings) error {
		f.Budgets.Learnt = []otp.BudgetRule{{Country: "GB", PerHour: 120, PerDay: 900}, {Prefix: "+4477", PerHour: 40, PerDay: 600}}
		f.Budgets.LearntAt = learntAt
		return nil
	}, learntAt)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	base, _, _ = startServe(t, env)
	budgets := base + "/v1/projects/" + projectID + "/fraud/budgets"
	detector := base + "/v1/projects/" + projectID + "/fraud/detector"

	b := newBrowser(t, chrome)
	b.do(chromedp.Navigate(base+"/console/"), chromedp.WaitVisible(chromedp.CSS("#console-token")))
	b.do(chromedp.SendKeys(chromedp.CSS("#console-token"), testAdminToken))
	b.clickButton("Sign in")
	b.waitText("main h1", "Projects")
	b.do(chromedp.Navigate(base + "/console/#/projects/" + projectID))
	b.waitText("main .subnav", "Send budgets")
	b.do(chromedp.Click(chromedp.Search(`//nav[@aria-label="Project sections"]/a[normalize-space()="Send budgets"]`), chromedp.NodeVisible))
	b.waitText("main", "Save send budgets")

	if n := b.eval(`String([...document.querySelectorAll("main form input, main form select")].filter((c) => c.labels.length === 0).length)`); n != "0" {
		t.Errorf("%s unlabelled controls, want none", n)
	}
	// The learnt budgets, read-only: a table, no inputs.
	got := b.eval(`JSON.stringify([...document.querySelectorAll('section[aria-labelledby] table tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)))`)
	if want := `[["GB","120","900"],["+4477","40","600"]]`; got != want {
		t.Errorf("learnt budgets table = %s, want %s", got, want)
	}
	if got := b.eval(`document.querySelector('main time').getAttribute('datetime')`); got != "2026-12-01T09:00:00Z" {
		t.Errorf("learnt at = %q, want 2026-12-01T09:00:00Z", got)
	}
	got = b.eval(`JSON.stringify([document.querySelector('[data-field="mode"] select').value,
		document.querySelector('[data-field="dailySends"] input').readOnly,
		document.querySelector('[data-field="ipPerHour"] input').value,
		document.querySelectorAll('[data-field^="rules["]').length])`)
	if want := `["enforce",false,"10",0]`; got != want {
		t.Errorf("the operator's page of a new project = %s, want %s", got, want)
	}

	// A rule with a country of three letters: the server's error shows by it.
	b.clickButton("Add rule")
	b.do(chromedp.SendKeys(chromedp.CSS(`[data-field="rules[0].country"] input`), "gbr"),
		chromedp.SendKeys(chromedp.CSS(`[data-field="rules[0].perHour"] input`), "30"),
		chromedp.SendKeys(chromedp.CSS(`[data-field="rules[0].perDay"] input`), "200"))
	b.clickButton("Save send budgets")
	b.waitText(`[data-field="rules[0].country"] .field-error`, "ISO 3166 code of two capital letters")

	// A prefix instead, monitor mode, and the operator's daily sends.
	b.retype(`[data-field="rules[0].country"] input`, "+4474")
	b.do(chromedp.SetValue(chromedp.CSS(`[data-field="mode"] select`), "monitor"))
	b.retype(`[data-field="dailySends"] input`, "5000")
	b.clickButton("Save send budgets")
	b.waitText("#status", "Send budgets saved (1 rule, monitor).")

	b.do(chromedp.Reload())
	b.waitText("main", "Save send budgets")
	got = b.eval(`JSON.stringify([document.querySelector('[data-field="mode"] select').value,
		document.querySelector('[data-field="rules[0].prefix"] input').value,
		document.querySelector('[data-field="rules[0].perHour"] input').value,
		document.querySelector('[data-field="rules[0].perDay"] input').value,
		document.querySelector('[data-field="dailySends"] input').value])`)
	if want := `["monitor","+4474","30","200","5000"]`; got != want {
		t.Errorf("after a reload = %s, want %s", got, want)
	}
	st, res := call(t, "GET", budgets, testAdminToken, nil)
	stored, _ := json.Marshal(res["data"])
	if want := `{"dailySends":5000,"guessesPerHour":15,"ipPerHour":10,"learnt":[{"country":"GB","perDay":900,"perHour":120},{"perDay":600,"perHour":40,"prefix":"+4477"}],"learntAt":"2026-12-01T09:00:00Z","mode":"monitor","rules":[{"perDay":200,"perHour":30,"prefix":"+4474"}]}`; st != 200 || string(stored) != want {
		t.Errorf("stored budgets: %d %s, want %s", st, stored, want)
	}

	// The detector: a ratio above 1 is refused by its field, then saved.
	b.retype(`[data-field="detector.conversionRatio"] input`, "2")
	b.clickButton("Save detector settings")
	b.waitText(`[data-field="detector.conversionRatio"] .field-error`, "between 0 and 1")
	b.retype(`[data-field="detector.conversionRatio"] input`, "0.1")
	b.retype(`[data-field="detector.coolingMinutes"] input`, "120")
	b.clickButton("Save detector settings")
	b.waitText("#status", "Pumping detector settings saved.")
	st, res = call(t, "GET", detector, testAdminToken, nil)
	stored, _ = json.Marshal(res["data"])
	if want := `{"conversionRatio":0.1,"coolingMinutes":120,"enabled":true,"minSends":50,"volumeFactor":3}`; st != 200 || string(stored) != want {
		t.Errorf("stored detector settings: %d %s, want %s", st, stored, want)
	}
	b.shot("project-budgets")
	b.assertNoConsoleErrors()

	// The developer: the daily sends are read-only, with who sets them.
	b.do(chromedp.Click(chromedp.CSS("#sign-out")))
	b.do(chromedp.WaitVisible(chromedp.CSS("#signin-email")))
	b.do(chromedp.SendKeys(chromedp.CSS("#signin-email"), "dev@example.com"), chromedp.SendKeys(chromedp.CSS("#signin-password"), "correct horse battery"))
	b.clickButton("Sign in with your account")
	b.waitText("main h1", "Projects")
	b.do(chromedp.Navigate(base + "/console/#/projects/" + projectID + "/budgets"))
	b.waitText("main", "Save send budgets")
	got = b.eval(`JSON.stringify([document.querySelector('[data-field="dailySends"] input').readOnly,
		document.querySelector('[data-field="dailySends"] input').value])`)
	if want := `[true,"5000"]`; got != want {
		t.Errorf("the developer's daily sends = %s, want %s", got, want)
	}
	b.wantText(`[data-field="dailySends"]`, "Set by the operator")

	// The operator changes them meanwhile: the developer's save, which
	// sends back the value it read, is refused by that field.
	if st, res := call(t, "PUT", budgets, testAdminToken, map[string]any{"mode": "monitor", "rules": []any{map[string]any{"prefix": "+4474", "perHour": 30, "perDay": 200}}, "dailySends": 7000}); st != 200 {
		t.Fatal(st, res)
	}
	b.retype(`[data-field="ipPerHour"] input`, "20")
	b.clickButton("Save send budgets")
	b.waitText(`[data-field="dailySends"] .field-error`, "Only the operator may change dailySends")
	if _, res := call(t, "GET", budgets, testAdminToken, nil); res["data"].(map[string]any)["ipPerHour"] != 10.0 {
		t.Errorf("ipPerHour after the refused save = %v, want 10", res["data"].(map[string]any)["ipPerHour"])
	}
	// Read again, the page saves the developer's change.
	b.do(chromedp.Reload())
	b.waitText("main", "Save send budgets")
	b.retype(`[data-field="ipPerHour"] input`, "20")
	b.clickButton("Save send budgets")
	b.waitText("#status", "Send budgets saved")
	if _, res := call(t, "GET", budgets, testAdminToken, nil); res["data"].(map[string]any)["ipPerHour"] != 20.0 || res["data"].(map[string]any)["dailySends"] != 7000.0 {
		t.Errorf("budgets after the developer's save = %v, want ipPerHour 20, dailySends 7000", res["data"])
	}
}
