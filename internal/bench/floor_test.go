package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRunFloor(t *testing.T) {
	var out strings.Builder
	cfg := Config{Concurrency: 4, Requests: 300, Duration: 10 * time.Second, BaseURL: "http://192.0.2.1:1", APIKey: "ignored"}
	if err := RunFloor(context.Background(), cfg, &out); err != nil {
		t.Fatalf("RunFloor: %v\n%s", err, out.String())
	}
	report := phases(t, out.String())
	wantFields(t, report, "create", map[string]string{"requests": "300", "errors": "0"})
	wantFields(t, report, "check", map[string]string{"requests": "300", "errors": "0"})
	wantFields(t, report, "verified", map[string]string{"valid": "300", "invalid": "0", "accepted_again": "0"})
	if !strings.Contains(out.String(), "url=http://127.0.0.1:") {
		t.Errorf("the floor was not served on loopback:\n%s", out.String())
	}
}

// The floor keeps the contract the benchmark checks, so that its figures
// are those of a server that does the same job, minus the storage.
func TestFloorKeepsTheContract(t *testing.T) {
	f := NewFloor("admin")
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	post := func(path, auth, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+auth)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("/v1/projects", "wrong", `{"name":"p"}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong admin token: %d, want 401", res.StatusCode)
	}
	if res := post("/v1/verifications", "admin", `{"to":"+447900000001","channel":"sms"}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("admin token as API key: %d, want 401", res.StatusCode)
	}
	if res := post("/v1/verifications", f.apiKey, `{"to":"+447900000001","channel":"sms","extra":1}`); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown field: %d, want 400", res.StatusCode)
	}
	if res := post("/v1/verifications/ver_nope/check", f.apiKey, `{"code":"123456"}`); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown verification: %d, want 404", res.StatusCode)
	}
}

func TestFloorAcceptsACodeOnce(t *testing.T) {
	f := NewFloor("admin")
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	c := newClient(srv.URL, 1)
	defer c.close()
	ctx := context.Background()
	auth := "Bearer " + f.apiKey
	vs := []verification{{to: "+447900000002"}}
	var a createAnswer
	if err := c.console(ctx, auth, "/v1/verifications", map[string]string{"to": vs[0].to, "channel": "sms"}, &a); err != nil {
		t.Fatal(err)
	}
	vs[0].id = a.Data.ID
	checks, _, err := fetchCodes(ctx, c, auth, vs, 1, time.Second)
	if err != nil || len(checks) != 1 {
		t.Fatalf("fetchCodes: %v, %d checks", err, len(checks))
	}
	st, accepted := check(ctx, c, auth, Config{Concurrency: 1, Duration: time.Second}, checks)
	if st.succeeded != 1 || !accepted[0] {
		t.Fatalf("the correct code was not accepted: %+v", st)
	}
	sent, again, err := replay(ctx, c, auth, checks, accepted)
	if err != nil || sent != 1 || again != 0 {
		t.Errorf("replay: sent %d, accepted again %d, err %v; want 1, 0, nil", sent, again, err)
	}
}
