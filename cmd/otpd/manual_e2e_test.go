package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/webhook"
)

// manualConfig has a console provider and two Twilio accounts, one whose
// status callbacks reach otpd and one whose do not.
const manualConfig = `
providers:
  dev:
    type: console
  twilio-cb:
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token: token
    from: "+15005550006"
    status_callback_url: https://otpd.example/v1/callbacks/twilio-cb
  twilio-plain:
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token: token
    from: "+15005550006"
routing:
  channels:
    sms: [twilio-plain, dev]
    email: [dev]
`

// TestProviderCatalog: serve describes the file's providers to the domain
// by name, with their type, their channels and whether their receipts
// reach otpd.
func TestProviderCatalog(t *testing.T) {
	fc, err := loadConfigFile(writeConfig(t, manualConfig), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	d, err := newDeliverySetup(fc, providerEnv{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	want := []otp.ProviderInfo{
		{Name: "dev", Type: "console", Channels: otp.Channels},
		{Name: "twilio-cb", Type: "twilio", Channels: []otp.Channel{otp.SMS, otp.Voice}, Receipts: true},
		{Name: "twilio-plain", Type: "twilio", Channels: []otp.Channel{otp.SMS, otp.Voice}},
	}
	if len(d.catalog) != len(want) {
		t.Fatalf("catalog = %+v, want %+v", d.catalog, want)
	}
	for i, p := range d.catalog {
		w := want[i]
		if p.Name != w.Name || p.Type != w.Type || p.Receipts != w.Receipts || !slices.Equal(p.Channels, w.Channels) {
			t.Errorf("catalog[%d] = %+v, want %+v", i, p, w)
		}
	}
	console, err := newDeliverySetup(nil, providerEnv{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if len(console.catalog) != 1 || console.catalog[0].Name != "console" || console.catalog[0].Receipts {
		t.Errorf("catalog without a configuration file = %+v, want the console", console.catalog)
	}
}

// TestManualFlowEndToEnd runs otpd with the configuration file: kod.mobi's
// GET /manual/channels lists its providers, and a send pinned to the
// console provider, which reports no receipts, calls its callback_url
// back, signed, through the server's own webhook loop.
func TestManualFlowEndToEnd(t *testing.T) {
	type received struct {
		header http.Header
		body   []byte
	}
	got := make(chan received, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{r.Header.Clone(), body}
	}))
	defer receiver.Close()
	base, _, _ := startServe(t, map[string]string{"OTPD_ADDR": "127.0.0.1:0", "OTPD_DATA_DIR": t.TempDir(),
		"OTPD_ADMIN_TOKEN": testAdminToken, "OTPD_CONFIG": writeConfig(t, manualConfig), "OTPD_WEBHOOK_ALLOW_PRIVATE": "1"})
	st, p := call(t, "POST", base+"/v1/projects", testAdminToken, map[string]any{"name": "manual", "policy": map[string]any{"channels": []string{"sms", "email"}}})
	if st != 201 {
		t.Fatal(st, p)
	}
	st, a := call(t, "POST", base+"/v1/applications", testAdminToken, map[string]any{"name": "Acme", "projectId": data(p)["id"], "environment": "live"})
	if st != 201 {
		t.Fatal(st, a)
	}
	key, secret := data(a)["apiKey"].(string), data(a)["webhookSecret"].(string)
	kod := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, bytes.NewReader([]byte(body)))
		req.Header.Set("x-api-key", key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, raw
	}

	st, raw := kod("GET", "/manual/channels", "")
	var channels []struct {
		Type      string `json:"type"`
		Providers []struct {
			ID       int64  `json:"id"`
			Name     string `json:"name"`
			Type     string `json:"type"`
			IsSystem bool   `json:"is_system"`
		} `json:"providers"`
	}
	if err := json.Unmarshal(raw, &channels); st != 200 || err != nil || len(channels) != 2 || channels[0].Type != "sms" {
		t.Fatalf("GET /manual/channels: %d %s", st, raw)
	}
	var names []string
	for _, pr := range channels[0].Providers {
		names = append(names, pr.Name)
		if pr.ID != otp.ProviderID(pr.Name) || !pr.IsSystem {
			t.Errorf("provider %+v, want id %d and is_system", pr, otp.ProviderID(pr.Name))
		}
	}
	if !slices.Equal(names, []string{"dev", "twilio-cb", "twilio-plain"}) {
		t.Errorf("sms providers = %v, want every provider that delivers sms, by name", names)
	}

	dev := strconv.FormatInt(otp.ProviderID("dev"), 10)
	st, raw = kod("POST", "/manual/send", `{"to":"+14155552671","channel":"sms","code":"8642","provider_id":`+dev+`,"callback_url":"`+receiver.URL+`/cb"}`)
	var sent struct {
		MessageID int64 `json:"message_id"`
	}
	if err := json.Unmarshal(raw, &sent); st != 200 || err != nil || sent.MessageID != 1 {
		t.Fatalf("POST /manual/send: %d %s", st, raw)
	}
	select {
	case r := <-got:
		if err := webhook.VerifyStandard(secret, r.header, r.body, time.Now()); err != nil {
			t.Errorf("callback signature: %v", err)
		}
		var cb map[string]any
		json.Unmarshal(r.body, &cb)
		if cb["message_id"] != 1.0 || cb["status"] != "delivered" || cb["provider_id"] != float64(otp.ProviderID("dev")) || cb["error"] != nil {
			t.Errorf("callback = %s", r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no callback within 10 s")
	}
}
