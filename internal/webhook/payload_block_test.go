package webhook

import (
	"errors"
	"testing"
	"time"
)

func TestEncodeBlock(t *testing.T) {
	since := time.Date(2026, 12, 7, 14, 0, 0, 0, time.FixedZone("X", 3600))
	got, err := EncodeBlock(BlockPayload{ID: "evt_1", Type: EventFraudBlocked, Timestamp: since, ApplicationID: "app_42",
		Data: Block{Prefix: "+88216", Reason: "+88216: 412 sends in the last hour, 0.2% verified", Auto: true, Since: since, Until: since.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"evt_1","type":"fraud.blocked","timestamp":"2026-12-07T13:00:00Z","applicationId":"app_42",` +
		`"data":{"prefix":"+88216","reason":"+88216: 412 sends in the last hour, 0.2% verified","auto":true,` +
		`"since":"2026-12-07T13:00:00Z","until":"2026-12-07T14:00:00Z"}}`
	if string(got) != want {
		t.Errorf("EncodeBlock =\n%s\nwant\n%s", got, want)
	}
	if _, err := EncodeBlock(BlockPayload{ID: "evt_1", Type: EventVerified, Timestamp: since}); !errors.Is(err, ErrInvalidPayload) {
		t.Errorf("EncodeBlock of otp.verified = %v, want ErrInvalidPayload", err)
	}
}
