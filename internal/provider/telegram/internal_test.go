package telegram

import (
	"encoding/hex"
	"testing"
	"time"
)

func TestGatewayTTL(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		expiresAt time.Time
		want      int
	}{
		{"no expiry", time.Time{}, 0},
		{"five minutes", now.Add(5 * time.Minute), 300},
		{"rounded up", now.Add(299*time.Second + time.Millisecond), 300},
		{"below the minimum", now.Add(10 * time.Second), 30},
		{"already expired", now.Add(-time.Minute), 30},
		{"above the maximum", now.Add(2 * time.Hour), 3600},
		{"exactly the maximum", now.Add(time.Hour), 3600},
	}
	for _, tt := range tests {
		if got := gatewayTTL(tt.expiresAt, now); got != tt.want {
			t.Errorf("%s: gatewayTTL = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestReportSignatureVector checks the signature scheme against a value
// computed apart from Go (Python's hmac and hashlib), with the token from
// Telegram's tutorial.
func TestReportSignatureVector(t *testing.T) {
	const (
		token = "AAEFAAAAQKI_mDsJppSEQRr3kLOz9SatBxq48BgQLSHLRv"
		want  = "c93bf73d11a4f29d1f1306468f1556d9d8cc494ff86c03e8ac01a9198306aedf"
	)
	got := hex.EncodeToString(ReportSignature(token, "1700000000", []byte(`{"request_id":"x"}`)))
	if got != want {
		t.Errorf("ReportSignature = %s, want %s", got, want)
	}
}

func TestRedactNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bad Request: chat not found", "Bad Request: chat not found"},
		{"Too Many Requests: retry after 5", "Too Many Requests: retry after 5"},
		{"user +44 7700 900123 is deactivated", "user [number] is deactivated"},
		{"chat 5551234567 not found", "chat [number] not found"},
	}
	for _, tt := range tests {
		if got := redactNumbers(tt.in); got != tt.want {
			t.Errorf("redactNumbers(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
