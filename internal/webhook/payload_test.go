package webhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func samplePayload() Payload {
	return Payload{
		ID:            "evt_01J9Z",
		Type:          EventVerified,
		Timestamp:     time.Date(2026, 7, 3, 16, 22, 10, 500_000_000, time.FixedZone("CEST", 2*3600)),
		ApplicationID: "app_42",
		Data: Verification{
			ID:             "ver_7",
			To:             "+447911120958",
			Channel:        "sms",
			Status:         "verified",
			DeliveryStatus: "delivered",
			Metadata:       json.RawMessage(`{ "order": 17,  "note": "a<b" }`),
		},
	}
}

func TestEncode(t *testing.T) {
	got, err := Encode(samplePayload())
	if err != nil {
		t.Fatal(err)
	}
	// Exact bytes: receivers verify signatures over them, and the field
	// names are part of otpd's public contract.
	want := `{"id":"evt_01J9Z","type":"otp.verified","timestamp":"2026-07-03T14:22:10.5Z",` +
		`"applicationId":"app_42","data":{"id":"ver_7","to":"+44******0958","channel":"sms",` +
		`"status":"verified","deliveryStatus":"delivered","metadata":{"order":17,"note":"a\u003cb"}}}`
	if string(got) != want {
		t.Errorf("Encode =\n%s\nwant\n%s", got, want)
	}
	again, err := Encode(samplePayload())
	if err != nil || string(again) != string(got) {
		t.Errorf("second Encode = %s, %v; want the same bytes", again, err)
	}
}

func TestEncodeNeverCarriesFullDestination(t *testing.T) {
	for _, to := range []string{"+447911120958", "alice@example.com"} {
		p := samplePayload()
		p.Data.To = to
		b, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), to) {
			t.Errorf("Encode body %s contains the full destination %q", b, to)
		}
		var back Payload
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if want := MaskDestination(to); back.Data.To != want {
			t.Errorf("decoded to = %q, want %q", back.Data.To, want)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	p := samplePayload()
	p.Data.Metadata = nil
	b, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"metadata":null`) {
		t.Errorf("Encode without metadata = %s, want metadata null", b)
	}
	var got Payload
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := p
	want.Timestamp = p.Timestamp.UTC()
	want.Data.To = "+44******0958"
	want.Data.Metadata = json.RawMessage("null")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded payload mismatch (-want +got):\n%s", diff)
	}
}

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Payload)
		want   string
	}{
		{"no id", func(p *Payload) { p.ID = "" }, "id is required"},
		{"unknown type", func(p *Payload) { p.Type = "otp.exploded" }, `unknown event type "otp.exploded"`},
		{"no timestamp", func(p *Payload) { p.Timestamp = time.Time{} }, "timestamp is required"},
		{"metadata not JSON", func(p *Payload) { p.Data.Metadata = json.RawMessage(`{"a":`) }, "metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := samplePayload()
			tt.modify(&p)
			_, err := Encode(p)
			if !errors.Is(err, ErrInvalidPayload) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Encode error = %v, want ErrInvalidPayload mentioning %q", err, tt.want)
			}
		})
	}
}

func TestEventTypes(t *testing.T) {
	want := []EventType{"otp.created", "otp.sent", "otp.delivered", "otp.failed",
		"otp.verified", "otp.expired", "otp.max_attempts", "otp.canceled", "fraud.flagged", "fraud.blocked", "fraud.released"}
	if diff := cmp.Diff(want, EventTypes); diff != "" {
		t.Errorf("EventTypes mismatch (-want +got):\n%s", diff)
	}
	for _, e := range want {
		if !e.Valid() {
			t.Errorf("%q.Valid() = false, want true", e)
		}
	}
	if EventType("otp.code").Valid() {
		t.Error(`"otp.code".Valid() = true, want false`)
	}
}

// A fraud.flagged event carries its reason; other events have no reason
// member (TestEncode pins their bytes).
func TestEncodeReason(t *testing.T) {
	p := samplePayload()
	p.Type, p.Reason = EventFlagged, "beyond the send budget of country GB: more than 1 sends an hour"
	got, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := `,"reason":"beyond the send budget of country GB: more than 1 sends an hour"}`; !strings.HasSuffix(string(got), want) {
		t.Errorf("Encode = %s, want it to end with %s", got, want)
	}
}
