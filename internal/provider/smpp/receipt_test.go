package smpp_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/smpp"
	"github.com/otpd/otpd/internal/provider/smpp/smsctest"
)

// sink collects receipts.
type sink struct {
	got chan otp.Receipt
	err error // returned by RecordReceipt
}

func newSink() *sink { return &sink{got: make(chan otp.Receipt, 100)} }

func (s *sink) RecordReceipt(_ context.Context, r otp.Receipt) error {
	s.got <- r
	return s.err
}

// next waits for the next receipt.
func (s *sink) next(t *testing.T) otp.Receipt {
	t.Helper()
	select {
	case r := <-s.got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no receipt reached the sink")
		return otp.Receipt{}
	}
}

// none checks that no receipt reached the sink.
func (s *sink) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-s.got:
		t.Errorf("unexpected receipt %+v", r)
	default:
	}
}

func TestReceipts(t *testing.T) {
	done := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	// A done date to the minute (SMPP 3.4 Appendix B) may be up to 59 s
	// before the delivery, and before the send: no time is reported, and
	// otp takes the receipt's arrival. With seconds it is used.
	tests := []struct {
		name    string
		receipt smsctest.Receipt
		want    otp.Receipt // ProviderMessageID filled in by the test
	}{
		{"text delivered", smsctest.Receipt{Stat: "DELIVRD", Format: smsctest.ReceiptText, Done: done},
			otp.Receipt{Status: otp.DeliveryDelivered}},
		{"text delivered with seconds", smsctest.Receipt{Stat: "DELIVRD", Format: smsctest.ReceiptText, Done: done, Seconds: true},
			otp.Receipt{Status: otp.DeliveryDelivered, At: done}},
		{"tlv delivered", smsctest.Receipt{Stat: "DELIVRD", Format: smsctest.ReceiptTLV, Done: done},
			otp.Receipt{Status: otp.DeliveryDelivered}},
		{"both delivered", smsctest.Receipt{Stat: "DELIVRD", Format: smsctest.ReceiptBoth, Done: done},
			otp.Receipt{Status: otp.DeliveryDelivered}},
		{"both delivered with seconds", smsctest.Receipt{Stat: "DELIVRD", Format: smsctest.ReceiptBoth, Done: done, Seconds: true},
			otp.Receipt{Status: otp.DeliveryDelivered, At: done}},
		{"text undeliverable", smsctest.Receipt{Stat: "UNDELIV", Err: "012", Format: smsctest.ReceiptText, Done: done},
			otp.Receipt{Status: otp.DeliveryFailed, Error: "stat:UNDELIV err:012"}},
		{"text undeliverable with seconds", smsctest.Receipt{Stat: "UNDELIV", Err: "012", Format: smsctest.ReceiptText, Done: done, Seconds: true},
			otp.Receipt{Status: otp.DeliveryFailed, Error: "stat:UNDELIV err:012", At: done}},
		{"tlv undeliverable", smsctest.Receipt{Stat: "UNDELIV", Err: "012", Format: smsctest.ReceiptTLV, Done: done},
			otp.Receipt{Status: otp.DeliveryFailed, Error: "stat:UNDELIV err:012"}},
		{"rejected", smsctest.Receipt{Stat: "REJECTD", Format: smsctest.ReceiptText, Done: done},
			otp.Receipt{Status: otp.DeliveryFailed, Error: "stat:REJECTD err:000"}},
		{"expired", smsctest.Receipt{Stat: "EXPIRED", Format: smsctest.ReceiptTLV, Done: done},
			otp.Receipt{Status: otp.DeliveryFailed, Error: "stat:EXPIRED err:000"}},
		{"deleted", smsctest.Receipt{Stat: "DELETED", Format: smsctest.ReceiptBoth, Done: done},
			otp.Receipt{Status: otp.DeliveryFailed, Error: "stat:DELETED err:000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smsctest.Start(t, smsctest.Config{})
			rs := newSink()
			p := newProvider(t, srv, func(c *smpp.Config) { c.Receipts = rs })
			res, err := p.Send(t.Context(), sms("Your code is 482913"))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			r := tt.receipt
			r.MessageID = res.ProviderMessageID
			if err := srv.SendReceipt(r); err != nil {
				t.Fatalf("SendReceipt: %v", err)
			}
			want := tt.want
			want.Provider, want.ProviderMessageID = "smpp-test", res.ProviderMessageID
			if diff := cmp.Diff(want, rs.next(t)); diff != "" {
				t.Errorf("receipt (-want +got):\n%s", diff)
			}
			waitStats(t, srv, func(s smsctest.Stats) bool { return s.DeliverSMResps == 1 })
			if n := srv.Stats().DeliverSMRespErrors; n != 0 {
				t.Errorf("%d deliver_sm_resp with an error status, want 0", n)
			}
		})
	}
}

func TestReceiptsIntermediateIgnored(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	rs := newSink()
	p := newProvider(t, srv, func(c *smpp.Config) { c.Receipts = rs })
	res, err := p.Send(t.Context(), sms("Your code is 482913"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	for _, stat := range []string{"ENROUTE", "ACCEPTD", "UNKNOWN"} {
		if err := srv.SendReceipt(smsctest.Receipt{MessageID: res.ProviderMessageID, Stat: stat, Format: smsctest.ReceiptBoth}); err != nil {
			t.Fatalf("SendReceipt: %v", err)
		}
	}
	// Every deliver_sm is answered, recorded or not.
	waitStats(t, srv, func(s smsctest.Stats) bool { return s.DeliverSMResps == 3 })
	rs.none(t)
}

func TestReceiptsLongMessage(t *testing.T) {
	body := strings.Repeat("Your Acme code is 482913. ", 16) // three parts
	t.Run("delivered once every part is", func(t *testing.T) {
		srv := smsctest.Start(t, smsctest.Config{AutoReceipt: &smsctest.Receipt{Stat: "DELIVRD"}})
		rs := newSink()
		p := newProvider(t, srv, func(c *smpp.Config) { c.Receipts = rs })
		res, err := p.Send(t.Context(), sms(body))
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		got := rs.next(t)
		if got.ProviderMessageID != res.ProviderMessageID || got.Status != otp.DeliveryDelivered {
			t.Errorf("receipt %+v, want delivered for %s", got, res.ProviderMessageID)
		}
		waitStats(t, srv, func(s smsctest.Stats) bool { return s.DeliverSMResps == 3 })
		rs.none(t)
	})
	t.Run("delivered at the last part's done date", func(t *testing.T) {
		srv := smsctest.Start(t, smsctest.Config{})
		rs := newSink()
		p := newProvider(t, srv, func(c *smpp.Config) { c.Receipts = rs })
		res, err := p.Send(t.Context(), sms(body))
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		parts := srv.Messages()[0].Parts
		first := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
		for i, part := range parts {
			r := smsctest.Receipt{MessageID: part.MessageID, Stat: "DELIVRD", Done: first.Add(time.Duration(2-i) * time.Second), Seconds: true}
			if err := srv.SendReceipt(r); err != nil {
				t.Fatal(err)
			}
		}
		want := otp.Receipt{Provider: "smpp-test", ProviderMessageID: res.ProviderMessageID, Status: otp.DeliveryDelivered, At: first.Add(2 * time.Second)}
		if diff := cmp.Diff(want, rs.next(t)); diff != "" {
			t.Errorf("receipt (-want +got):\n%s", diff)
		}
	})
	t.Run("no time when a part's done date has no seconds", func(t *testing.T) {
		srv := smsctest.Start(t, smsctest.Config{})
		rs := newSink()
		p := newProvider(t, srv, func(c *smpp.Config) { c.Receipts = rs })
		res, err := p.Send(t.Context(), sms(body))
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		done := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
		for i, part := range srv.Messages()[0].Parts {
			r := smsctest.Receipt{MessageID: part.MessageID, Stat: "DELIVRD", Done: done, Seconds: i != 1}
			if err := srv.SendReceipt(r); err != nil {
				t.Fatal(err)
			}
		}
		want := otp.Receipt{Provider: "smpp-test", ProviderMessageID: res.ProviderMessageID, Status: otp.DeliveryDelivered}
		if diff := cmp.Diff(want, rs.next(t)); diff != "" {
			t.Errorf("receipt (-want +got):\n%s", diff)
		}
	})
	t.Run("failed when a part fails", func(t *testing.T) {
		srv := smsctest.Start(t, smsctest.Config{})
		rs := newSink()
		p := newProvider(t, srv, func(c *smpp.Config) { c.Receipts = rs })
		res, err := p.Send(t.Context(), sms(body))
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		parts := srv.Messages()[0].Parts
		if err := srv.SendReceipt(smsctest.Receipt{MessageID: parts[0].MessageID, Stat: "DELIVRD"}); err != nil {
			t.Fatal(err)
		}
		if err := srv.SendReceipt(smsctest.Receipt{MessageID: parts[2].MessageID, Stat: "UNDELIV", Err: "001"}); err != nil {
			t.Fatal(err)
		}
		got := rs.next(t)
		if got.ProviderMessageID != res.ProviderMessageID || got.Status != otp.DeliveryFailed || got.Error != "stat:UNDELIV err:001" {
			t.Errorf("receipt %+v, want failed for %s", got, res.ProviderMessageID)
		}
		waitStats(t, srv, func(s smsctest.Stats) bool { return s.DeliverSMResps == 2 })
		rs.none(t)
	})
}

func TestReceiptSinkFailure(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{AutoReceipt: &smsctest.Receipt{Stat: "DELIVRD"}})
	rs := newSink()
	rs.err = errors.New("database is down")
	p := newProvider(t, srv, func(c *smpp.Config) { c.Receipts = rs })
	if _, err := p.Send(t.Context(), sms("Your code is 482913")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	rs.next(t)
	// ESME_RX_T_APPN asks the SMSC to deliver the receipt again later.
	waitStats(t, srv, func(s smsctest.Stats) bool { return s.DeliverSMRespErrors == 1 })
}

func TestReceiptsWithoutSink(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{AutoReceipt: &smsctest.Receipt{Stat: "DELIVRD"}})
	p := newProvider(t, srv, nil)
	if _, err := p.Send(t.Context(), sms("Your code is 482913")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	waitStats(t, srv, func(s smsctest.Stats) bool { return s.DeliverSMResps == 1 })
	if n := srv.Stats().DeliverSMRespErrors; n != 0 {
		t.Errorf("%d deliver_sm_resp with an error status, want 0", n)
	}
}
