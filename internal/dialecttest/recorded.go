package dialecttest

import (
	"net/url"
	"slices"
)

// RequireRecorded fails the test unless the verified verification id of
// application a, made through a dialect, shows in the console like any
// other: the verification itself (GET /v1/otp/{id}), its events in the
// log, the analytics summary's requests and verifications, and the users
// list with its destination to (as otpd normalises it).
func (h *Harness) RequireRecorded(a App, id, to string) {
	h.T.Helper()
	h.ConsumeEvents()
	v := h.Admin("GET", "/v1/otp/"+id, "", 200).Data()
	if v["status"] != "verified" || v["to"] != to {
		h.T.Errorf("console shows %s as %v to %v, want verified to %s", id, v["status"], v["to"], to)
	}
	logs := h.Admin("GET", "/v1/logs?appId="+a.ID+"&verificationId="+url.QueryEscape(id), "", 200)
	var types []string
	for _, e := range logs.Body["data"].([]any) {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	for _, want := range []string{"otp.created", "otp.verified"} {
		if !slices.Contains(types, want) {
			h.T.Errorf("log of %s has %v, want %s among them", id, types, want)
		}
	}
	day := h.Clock.Now().UTC().Format("2006-01-02")
	sum := h.Admin("GET", "/v1/analytics/summary?appId="+a.ID+"&from="+day+"&to="+day, "", 200).Data()
	if sum["otpRequests"].(float64) < 1 || sum["otpVerified"].(float64) < 1 {
		h.T.Errorf("analytics of %s: %v requests, %v verified; want at least 1 each", a.ID, sum["otpRequests"], sum["otpVerified"])
	}
	users := h.Admin("GET", "/v1/users?appId="+a.ID, "", 200)
	found := false
	for _, u := range users.Body["data"].([]any) {
		found = found || u.(map[string]any)["phoneNumber"] == to
	}
	if !found {
		h.T.Errorf("users of %s: %s, want %s among them", a.ID, users.Raw, to)
	}
}
