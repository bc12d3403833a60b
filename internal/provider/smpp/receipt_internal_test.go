package smpp

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/otpd/otpd/internal/otp"
)

func deliverSM(text string, tlvs ...pdu.Field) *pdu.DeliverSM {
	d := pdu.NewDeliverSM().(*pdu.DeliverSM)
	d.EsmClass = esmTypeReceipt
	d.Message, _ = pdu.NewBinaryShortMessageWithEncoding([]byte(text), nil)
	for _, f := range tlvs {
		d.RegisterOptionalParam(f)
	}
	return d
}

func TestParseReceipt(t *testing.T) {
	done := time.Date(2026, 3, 14, 15, 9, 0, 0, time.UTC)
	tests := []struct {
		name   string
		d      *pdu.DeliverSM
		want   dlr
		wantOK bool
	}{
		{"standard text: minutes give no time",
			deliverSM("id:0A1B2C sub:001 dlvrd:001 submit date:2603141508 done date:2603141509 stat:DELIVRD err:000 text:Your code"),
			dlr{id: "0A1B2C", stat: "DELIVRD", err: "000"}, true},
		{"seconds in the dates",
			deliverSM("id:7 sub:001 dlvrd:000 submit date:260314150800 done date:260314150930 stat:UNDELIV err:012 text:"),
			dlr{id: "7", stat: "UNDELIV", err: "012", at: done.Add(30 * time.Second)}, true},
		{"capitalised keys",
			deliverSM("Id:42 Sub:001 Dlvrd:001 Submit date:2603141508 Done date:260314150900 Stat:delivrd Err:000 Text:x"),
			dlr{id: "42", stat: "DELIVRD", err: "000", at: done}, true},
		{"text quoting field names",
			deliverSM("id:42 sub:001 dlvrd:000 submit date:2603141508 done date:260314150900 stat:UNDELIV err:001 text:id:9 stat:DELIVRD"),
			dlr{id: "42", stat: "UNDELIV", err: "001", at: done}, true},
		{"unreadable done date",
			deliverSM("id:42 done date:26031415093X stat:DELIVRD"),
			dlr{id: "42", stat: "DELIVRD"}, true},
		{"tlvs win over text",
			deliverSM("id:1 stat:ENROUTE",
				pdu.Field{Tag: tagReceiptedMessageID, Data: []byte("ABC\x00")},
				pdu.Field{Tag: tagMessageState, Data: []byte{2}}),
			dlr{id: "ABC", stat: "DELIVRD"}, true},
		{"tlvs only with network error",
			deliverSM("",
				pdu.Field{Tag: tagReceiptedMessageID, Data: []byte("ABC\x00")},
				pdu.Field{Tag: tagMessageState, Data: []byte{5}},
				pdu.Field{Tag: tagNetworkErrorCode, Data: []byte{3, 0, 34}}),
			dlr{id: "ABC", stat: "UNDELIV", err: "034"}, true},
		{"text in message_payload",
			deliverSM("", pdu.Field{Tag: tagMessagePayload, Data: []byte("id:55 stat:EXPIRED err:000")}),
			dlr{id: "55", stat: "EXPIRED", err: "000"}, true},
		{"no id", deliverSM("stat:DELIVRD"), dlr{stat: "DELIVRD"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseReceipt(tt.d)
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(dlr{})); diff != "" {
				t.Errorf("parseReceipt (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPartTracker(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	tr := newPartTracker()
	tr.now = func() time.Time { return now }
	g := newPartGroup(2)
	tr.add(g, 0, "A")
	tr.add(g, 1, "B")

	observe := func(id, stat string) (otp.Receipt, bool) {
		r, group, ok := tr.observe("smpp", dlr{id: id, stat: stat})
		if ok && group != nil {
			tr.reported(group)
		}
		return r, ok
	}
	if r, ok := observe("A", "DELIVRD"); ok {
		t.Errorf("first of two parts delivered: got receipt %+v, want none yet", r)
	}
	if r, ok := observe("B", "ENROUTE"); ok {
		t.Errorf("intermediate state: got receipt %+v, want none", r)
	}
	r, ok := observe("B", "DELIVRD")
	if want := (otp.Receipt{Provider: "smpp", ProviderMessageID: "A", Status: otp.DeliveryDelivered}); !ok || r != want {
		t.Errorf("all parts delivered: got %+v, %v; want %+v", r, ok, want)
	}
	if r, ok := observe("B", "UNDELIV"); ok {
		t.Errorf("after the message was reported: got receipt %+v, want none", r)
	}
	r, ok = observe("Z", "UNDELIV")
	if want := (otp.Receipt{Provider: "smpp", ProviderMessageID: "Z", Status: otp.DeliveryFailed, Error: "stat:UNDELIV"}); !ok || r != want {
		t.Errorf("unknown id: got %+v, %v; want it passed through as %+v", r, ok, want)
	}

	// Parts are forgotten after partsTTL: their receipts then pass through.
	g2 := newPartGroup(2)
	tr.add(g2, 0, "C")
	tr.add(g2, 1, "D")
	now = now.Add(partsTTL + time.Minute)
	tr.add(newPartGroup(1), 0, "E") // expiry happens on add
	r, ok = observe("D", "DELIVRD")
	if want := (otp.Receipt{Provider: "smpp", ProviderMessageID: "D", Status: otp.DeliveryDelivered}); !ok || r != want {
		t.Errorf("expired part: got %+v, %v; want %+v", r, ok, want)
	}
}
