package httpjson

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/otp"
)

// TestReadBodyAfterCheckBody: a body checkBody held is what ReadBody
// returns, once, and its limit still refuses a longer one.
func TestReadBodyAfterCheckBody(t *testing.T) {
	const body = `{"to":"+14155552671"}`
	r := httptest.NewRequest("POST", "/v1/verifications", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if err := checkBody(r, 1<<20); err != nil {
		t.Fatal(err)
	}
	got, err := ReadBody(httptest.NewRecorder(), r, 1<<10)
	if err != nil || string(got) != body {
		t.Fatalf("ReadBody = %q, %v, want %q", got, err, body)
	}
	if rest, err := io.ReadAll(r.Body); err != nil || len(rest) != 0 {
		t.Errorf("after ReadBody the body still reads %q, %v", rest, err)
	}

	r = httptest.NewRequest("POST", "/v1/verifications", strings.NewReader(body))
	if err := checkBody(r, 1<<20); err != nil {
		t.Fatal(err)
	}
	_, err = ReadBody(httptest.NewRecorder(), r, 8)
	if e := otp.ErrorOf(err); e == nil || e.Key != "body_too_large" {
		t.Errorf("a held body over the limit: %v, want body_too_large", err)
	}
}
