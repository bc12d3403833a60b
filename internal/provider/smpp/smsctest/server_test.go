package smsctest_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/otpd/otpd/internal/provider/smpp/smsctest"
)

// client is a bare SMPP peer: it writes PDUs and reads the answers.
type client struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dial(t *testing.T, srv *smsctest.Server) *client {
	t.Helper()
	nc, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, nc: nc, r: bufio.NewReader(nc)}
}

func (c *client) roundTrip(p pdu.PDU) pdu.PDU {
	c.t.Helper()
	buf := pdu.NewBuffer(nil)
	p.Marshal(buf)
	if _, err := c.nc.Write(buf.Bytes()); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	resp, err := pdu.Parse(c.r)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if resp.GetSequenceNumber() != p.GetSequenceNumber() {
		c.t.Fatalf("answer has sequence number %d, want %d", resp.GetSequenceNumber(), p.GetSequenceNumber())
	}
	return resp
}

func (c *client) bind(password string) data.CommandStatusType {
	b := pdu.NewBindRequest(pdu.Transceiver)
	b.SystemID, b.Password = smsctest.DefaultSystemID, password
	return c.roundTrip(b).GetHeader().CommandStatus
}

func submitSM(text string, udh pdu.UDH) *pdu.SubmitSM {
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	sm.SourceAddr, _ = pdu.NewAddressWithTonNpiAddr(5, 0, "Acme")
	sm.DestAddr, _ = pdu.NewAddressWithTonNpiAddr(1, 1, "447700900123")
	sm.Message, _ = pdu.NewShortMessage(text)
	if udh != nil {
		sm.EsmClass |= 0x40
		sm.Message.SetUDH(udh)
	}
	return sm
}

func TestBindChecksCredentials(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	c := dial(t, srv)
	if got := c.bind("wrong"); got != data.ESME_RINVPASWD {
		t.Errorf("bind with a wrong password = %v, want ESME_RINVPASWD", got)
	}
	if _, err := pdu.Parse(c.r); err == nil {
		t.Error("the connection stayed open after a refused bind")
	}

	c = dial(t, srv)
	if got := c.roundTrip(submitSM("hi", nil)).GetHeader().CommandStatus; got != data.ESME_RINVBNDSTS {
		t.Errorf("submit_sm before bind = %v, want ESME_RINVBNDSTS", got)
	}
	if got := c.bind(smsctest.DefaultPassword); got != data.ESME_ROK {
		t.Errorf("bind = %v, want ESME_ROK", got)
	}
	if got := c.bind(smsctest.DefaultPassword); got != data.ESME_RALYBND {
		t.Errorf("second bind = %v, want ESME_RALYBND", got)
	}
	if st := srv.Stats(); st.Binds != 1 || st.BindFailures != 1 {
		t.Errorf("counters %+v, want 1 bind and 1 failure", st)
	}
}

func TestRefuseBinds(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	srv.RefuseBinds(smsctest.StatusBindFail)
	c := dial(t, srv)
	b := pdu.NewBindRequest(pdu.Transceiver)
	b.SystemID, b.Password = smsctest.DefaultSystemID, smsctest.DefaultPassword
	buf := pdu.NewBuffer(nil)
	b.Marshal(buf)
	if _, err := c.nc.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	// The whole answer is a header: no system_id, then the connection ends.
	got, err := io.ReadAll(c.r)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 0, 0, 16, 0x80, 0, 0, 9, 0, 0, 0, 0x0D, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(want[12:], uint32(b.GetSequenceNumber()))
	if !bytes.Equal(got, want) {
		t.Errorf("answer to the bind = % x, want % x", got, want)
	}
	if st := srv.Stats(); st.Binds != 0 || st.BindFailures != 1 {
		t.Errorf("counters %+v, want no bind and 1 failure", st)
	}

	srv.RefuseBinds(smsctest.StatusOK)
	if got := dial(t, srv).bind(smsctest.DefaultPassword); got != data.ESME_ROK {
		t.Errorf("bind after RefuseBinds(StatusOK) = %v, want ESME_ROK", got)
	}
}

func TestSubmitRecordsAndAnswers(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	c := dial(t, srv)
	c.bind(smsctest.DefaultPassword)

	// Parts arrive out of order; Messages puts them back in order.
	parts := []struct {
		text string
		seq  byte
	}{{"world", 2}, {"hello ", 1}}
	var ids []string
	for _, p := range parts {
		resp := c.roundTrip(submitSM(p.text, pdu.UDH{pdu.NewIEConcatMessage(2, p.seq, 7)})).(*pdu.SubmitSMResp)
		ids = append(ids, resp.MessageID)
	}
	srv.Throttle(1)
	if got := c.roundTrip(submitSM("no", nil)).GetHeader().CommandStatus; got != data.ESME_RTHROTTLED {
		t.Errorf("throttled submit_sm = %v, want ESME_RTHROTTLED", got)
	}
	if got := c.roundTrip(pdu.NewEnquireLink()).GetHeader().CommandID; got != data.ENQUIRE_LINK_RESP {
		t.Errorf("enquire_link answered with %v", got)
	}

	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1 (the throttled one is not accepted)", len(msgs))
	}
	want := smsctest.Message{Text: "hello world", Parts: []smsctest.Submit{
		{MessageID: ids[1], SourceAddr: "Acme", SourceTON: 5, DestAddr: "447700900123", DestTON: 1, DestNPI: 1,
			ESMClass: 0x40, Text: "hello ", Ref: 7, Total: 2, Seq: 1},
		{MessageID: ids[0], SourceAddr: "Acme", SourceTON: 5, DestAddr: "447700900123", DestTON: 1, DestNPI: 1,
			ESMClass: 0x40, Text: "world", Ref: 7, Total: 2, Seq: 2},
	}}
	if diff := cmp.Diff(want, msgs[0]); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if st := srv.Stats(); st.Submits != 3 || st.Accepted != 2 || st.EnquireLinks != 1 || st.MaxOutstanding != 1 {
		t.Errorf("counters %+v, want 3 submits, 2 accepted, 1 enquire_link, at most 1 outstanding", st)
	}
}

func TestReceiptOnDemand(t *testing.T) {
	srv := smsctest.Start(t, smsctest.Config{})
	if err := srv.SendReceipt(smsctest.Receipt{MessageID: "1", Stat: "DELIVRD"}); err == nil {
		t.Error("SendReceipt without a bound client succeeded")
	}
	c := dial(t, srv)
	c.bind(smsctest.DefaultPassword)
	id := c.roundTrip(submitSM("hi", nil)).(*pdu.SubmitSMResp).MessageID
	if err := srv.SendReceipt(smsctest.Receipt{MessageID: id, Stat: "DELIVRD", Format: smsctest.ReceiptBoth}); err != nil {
		t.Fatalf("SendReceipt: %v", err)
	}
	p, err := pdu.Parse(c.r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	d, ok := p.(*pdu.DeliverSM)
	if !ok {
		t.Fatalf("got %T, want *pdu.DeliverSM", p)
	}
	if d.EsmClass != 0x04 || d.SourceAddr.Address() != "447700900123" || d.DestAddr.Address() != "Acme" {
		t.Errorf("deliver_sm esm_class %#x from %q to %q, want 0x04 from the recipient to the sender",
			d.EsmClass, d.SourceAddr.Address(), d.DestAddr.Address())
	}
	if f := d.OptionalParameters[pdu.TagReceiptedMessageID]; f.String() != id {
		t.Errorf("receipted_message_id = %q, want %q", f.String(), id)
	}
	if f := d.OptionalParameters[pdu.TagMessageStateOption]; len(f.Data) != 1 || f.Data[0] != 2 {
		t.Errorf("message_state = %v, want [2] (DELIVERED)", f.Data)
	}
	if err := srv.SendReceipt(smsctest.Receipt{MessageID: id, Stat: "BOGUS"}); err == nil {
		t.Error("SendReceipt with an unknown stat succeeded")
	}
}
