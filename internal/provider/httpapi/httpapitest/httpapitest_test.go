package httpapitest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/provider/httpapi/httpapitest"
)

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return resp.StatusCode, string(b)
}

func TestKooKoo(t *testing.T) {
	s := httpapitest.NewServer(t, httpapitest.KooKoo("KKkey"))
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantBody   string
	}{
		{"sms", httpapitest.KooKooSMSPath + "?phone_no=%2B919812345678&api_key=KKkey&sender_id=OZONTL", 200, `{"status":"success","message":"SM800000001"}`},
		{"second sms", httpapitest.KooKooSMSPath + "?phone_no=919812345678&api_key=KKkey", 200, `{"status":"success","message":"SM800000002"}`},
		{"call", httpapitest.KooKooCallPath + "?api_key=KKkey&caller_id=914012345678&phone_no=919812345678", 200, `{"status":"queued","message":"919812345678"}`},
		{"no key", httpapitest.KooKooCallPath + "?phone_no=919812345678", 200, `{"status":"Error","message":"API key or Phone Number Missing"}`},
		{"no phone", httpapitest.KooKooSMSPath + "?api_key=KKkey", 200, `{"status":"Error","message":"API key or Phone Number Missing"}`},
		{"wrong key", httpapitest.KooKooSMSPath + "?api_key=KKother&phone_no=919812345678", 200, `{"status":"Error","message":"Authentication Error"}`},
		{"unknown path", "/api/v1/TwoFactor/faxotp?api_key=KKkey&phone_no=1", 404, "Not Found"},
	}
	for _, tt := range tests {
		status, body := get(t, s.URL+tt.path)
		if status != tt.wantStatus || body != tt.wantBody {
			t.Errorf("%s: answer = %d %s, want %d %s", tt.name, status, body, tt.wantStatus, tt.wantBody)
		}
	}
	resp, err := http.Post(s.URL+httpapitest.KooKooSMSPath+"?api_key=KKkey&phone_no=1", "text/plain", nil)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST answered %d, want 405", resp.StatusCode)
	}
}

func TestRecordsAndScript(t *testing.T) {
	s := httpapitest.NewServer(t, func(httpapitest.Request) httpapitest.Reply { return httpapitest.JSON(200, `{"from":"handler"}`) })
	s.Enqueue(httpapitest.Throttled("30"), httpapitest.Reply{Status: 503, Body: "down"})

	resp, err := http.Post(s.URL+"/send?to=%2B1+2", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "30" {
		t.Errorf("first answer = %d Retry-After %q, want 429 with 30", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if status, body := get(t, s.URL+"/x"); status != 503 || body != "down" {
		t.Errorf("second answer = %d %s, want 503 down", status, body)
	}
	if status, body := get(t, s.URL+"/x"); status != 200 || body != `{"from":"handler"}` {
		t.Errorf("third answer = %d %s, want the handler's", status, body)
	}

	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("recorded %d requests, want 3", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/send" || r.RawQuery != "to=%2B1+2" || r.Query.Get("to") != "+1 2" ||
		string(r.Body) != `{"a":1}` || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("recorded %+v, want the POST as sent", r)
	}
}

// A slow answer ends when the client gives up, so Close does not wait
// out the delay.
func TestSlowEndsWithClient(t *testing.T) {
	s := httpapitest.NewServer(t, nil)
	s.Enqueue(httpapitest.Slow(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do = %v, want a deadline error", err)
	}
	s.Close() // would block for an hour if the handler ignored the client
}
