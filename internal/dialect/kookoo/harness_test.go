package kookoo_test

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/api"
	"github.com/otpd/otpd/internal/dialect/kookoo"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// The requests of seed 003 (003_kookoo_collection.json), as written there.
const (
	seedCallOTP   = "https://kookoo.in/api/v1/TwoFactor/callotp?api_key=KKXXXXXXXXXXXXX&caller_id=9140XXXXXXX&phone_no=96XXXXXXX"
	seedSMSOTP    = "https://kookoo.in/api/v1/TwoFactor/smsotp?phone_no=+919XXXXXX&api_key=KKXXXXXXXXXXXXX&sender_id=OZONTL"
	seedVerifyOTP = "https://kookoo.in/api/v1/TwoFactor/verifyotp?phone_no=+919XXXXXX&otp=240326&api_key=KKXXXXXXXXXXXXX"
)

// Real numbers for the seed's placeholders.
const (
	smsNumber  = "+919812345678" // phone_no=+919XXXXXX
	callNumber = "+919612345678" // phone_no=96XXXXXXX
	callerID   = "914030123456"  // caller_id=9140XXXXXXX, a Hyderabad number
)

// Endpoint paths.
const (
	pathSMS    = "/api/v1/TwoFactor/smsotp"
	pathCall   = "/api/v1/TwoFactor/callotp"
	pathVerify = "/api/v1/TwoFactor/verifyotp"
)

// fromSeed turns a seed request into a path and query otpd is asked, the
// placeholders filled with key, the code and real numbers. The "+" of
// phone_no=+919... stays unencoded, as the seed writes it: it arrives as
// a space.
func fromSeed(seed, key, code string) string {
	return strings.NewReplacer(
		"https://kookoo.in", "",
		"KKXXXXXXXXXXXXX", key,
		"+919XXXXXX", smsNumber,
		"96XXXXXXX", strings.TrimPrefix(callNumber, "+91"),
		"9140XXXXXXX", callerID,
		"otp=240326", "otp="+code,
	).Replace(seed)
}

// newHarness starts otpd with the KooKoo dialect on engine.
func newHarness(t *testing.T, engine string) *dialecttest.Harness {
	return newHarnessWith(t, dialecttest.Options{Engine: engine}, nil)
}

// newHarnessWith starts otpd with the KooKoo dialect, logging to logger.
func newHarnessWith(t testing.TB, o dialecttest.Options, logger *slog.Logger) *dialecttest.Harness {
	t.Helper()
	o.Dialects = func(svc *otp.Service) []api.Dialect { return []api.Dialect{kookoo.New(svc, logger)} }
	return dialecttest.New(t, o)
}

// get sends GET path (with its query).
func get(h *dialecttest.Harness, path string) dialecttest.Response {
	h.T.Helper()
	return h.Do(dialecttest.Request{Method: "GET", Path: path})
}

// post sends the parameters as an application/x-www-form-urlencoded body.
func post(h *dialecttest.Harness, path string, form url.Values) dialecttest.Response {
	h.T.Helper()
	return h.Do(dialecttest.Request{Method: "POST", Path: path, Form: form})
}

// query is "?" and the encoded parameters, given as name, value pairs.
func query(kv ...string) string { return "?" + values(kv...).Encode() }

func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// wantAnswer fails the test unless r is HTTP 200 with exactly
// {"status":status,"message":message}.
func wantAnswer(t *testing.T, r dialecttest.Response, status, message string) {
	t.Helper()
	want := `{"status":` + mustJSON(status) + `,"message":` + mustJSON(message) + `}`
	if r.Status != 200 || strings.TrimSpace(string(r.Raw)) != want {
		t.Errorf("answer %d %s, want 200 %s", r.Status, r.Raw, want)
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// verificationOf returns the console's view of the verification an smsotp
// answer names (SM and the id's hex digits).
func verificationOf(h *dialecttest.Harness, smsAnswer dialecttest.Response) map[string]any {
	h.T.Helper()
	msg, _ := smsAnswer.Body["message"].(string)
	hex, ok := strings.CutPrefix(msg, "SM")
	if !ok {
		h.T.Fatalf("smsotp message %q does not start with SM", msg)
	}
	return h.Admin("GET", "/v1/otp/ver_"+hex, "", 200).Data()
}

// latestVerification returns the console's view of the application's
// newest verification.
func latestVerification(h *dialecttest.Harness, app dialecttest.App) map[string]any {
	h.T.Helper()
	list := h.Admin("GET", "/v1/otp?limit=1&appId="+app.ID, "", 200).Body["data"].([]any)
	if len(list) == 0 {
		h.T.Fatalf("application %s has no verification", app.ID)
	}
	return list[0].(map[string]any)
}
