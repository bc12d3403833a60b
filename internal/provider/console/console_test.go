package console_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/console"
)

func TestSend(t *testing.T) {
	var buf bytes.Buffer
	s := console.New(slog.New(slog.NewJSONHandler(&buf, nil)))
	m := otp.OutgoingMessage{
		ID: "dlv_1", AppID: "app_1", VerificationID: "ver_1", To: "+442079460958",
		Channel: otp.SMS, Code: "482913", Body: "Your Acme verification code is 482913.",
	}
	res, err := s.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := (otp.SendResult{Provider: "console", ProviderMessageID: "dlv_1"}); res != want {
		t.Errorf("Send = %+v, want %+v", res, want)
	}

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("Send wrote %d log lines, want 1:\n%s", len(lines), buf.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	delete(got, "time")
	want := map[string]any{
		"level": "INFO", "msg": "console message", "id": "dlv_1", "verification": "ver_1", "app": "app_1",
		"channel": "sms", "to": "+442079460958", "body": "Your Acme verification code is 482913.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log line (-want +got):\n%s", diff)
	}
}

func TestWarningSaysCodesAreLogged(t *testing.T) {
	for _, word := range []string{"code", "log", "production"} {
		if !strings.Contains(console.Warning, word) {
			t.Errorf("Warning %q does not mention %q", console.Warning, word)
		}
	}
}
