package smsctest

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/linxGnu/gosmpp/pdu"
)

// ReceiptFormat is how a receipt deliver_sm carries its information; SMSCs
// differ.
type ReceiptFormat int

// Receipt formats.
const (
	// ReceiptText puts the SMPP 3.4 Appendix B text in short_message and
	// adds no TLV.
	ReceiptText ReceiptFormat = iota
	// ReceiptTLV sets the receipted_message_id, message_state and
	// network_error_code TLVs and leaves short_message empty.
	ReceiptTLV
	// ReceiptBoth sends the text and the TLVs.
	ReceiptBoth
)

// Receipt is a delivery receipt to send.
type Receipt struct {
	MessageID string // the id the SMSC gave the message part
	// Stat is the final state as the receipt text spells it: DELIVRD,
	// UNDELIV, REJECTD, EXPIRED, DELETED, ACCEPTD, UNKNOWN or ENROUTE.
	Stat   string
	Err    string // the three-digit network error, "000" if empty
	Format ReceiptFormat
	Done   time.Time // the done date; now if zero
	// Seconds writes the dates of the receipt text with seconds
	// ("YYMMDDhhmmss"), as some SMSCs do, instead of Appendix B's
	// minutes ("YYMMDDhhmm").
	Seconds bool
}

// messageStates are the message_state TLV values (SMPP 3.4 5.2.28).
var messageStates = map[string]byte{
	"ENROUTE": 1, "DELIVRD": 2, "EXPIRED": 3, "DELETED": 4,
	"UNDELIV": 5, "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8,
}

// SendReceipt sends r on the latest bound connection. Its addresses are
// those of the message it reports, reversed, when the server recorded it.
func (s *Server) SendReceipt(r Receipt) error {
	s.mu.Lock()
	c := s.last
	s.mu.Unlock()
	if c == nil {
		return errors.New("smsctest: no bound connection to send the receipt on")
	}
	return s.sendReceipt(c, r)
}

func (s *Server) sendReceipt(c *conn, r Receipt) error {
	state, ok := messageStates[r.Stat]
	if !ok {
		return fmt.Errorf("smsctest: unknown receipt stat %q", r.Stat)
	}
	if r.Err == "" {
		r.Err = "000"
	}
	if r.Done.IsZero() {
		r.Done = time.Now().UTC()
	}
	d := pdu.NewDeliverSM().(*pdu.DeliverSM)
	d.EsmClass = 0x04 // SMSC delivery receipt

	var text string
	s.mu.Lock()
	if i, ok := s.byID[r.MessageID]; ok {
		sub := s.submits[i]
		d.SourceAddr = pdu.NewAddressWithTonNpi(sub.DestTON, sub.DestNPI)
		_ = d.SourceAddr.SetAddress(sub.DestAddr)
		d.DestAddr = pdu.NewAddressWithTonNpi(sub.SourceTON, sub.SourceNPI)
		_ = d.DestAddr.SetAddress(sub.SourceAddr)
		text = sub.Text
	}
	s.mu.Unlock()

	if r.Format != ReceiptTLV {
		dlvrd := "000"
		if r.Stat == "DELIVRD" {
			dlvrd = "001"
		}
		if len([]rune(text)) > 20 {
			text = string([]rune(text)[:20])
		}
		layout := "0601021504"
		if r.Seconds {
			layout = "060102150405"
		}
		date := r.Done.Format(layout)
		body := fmt.Sprintf("id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:%s text:%s",
			r.MessageID, dlvrd, date, date, r.Stat, r.Err, text)
		msg, err := pdu.NewBinaryShortMessageWithEncoding([]byte(body), nil)
		if err != nil {
			return fmt.Errorf("smsctest: receipt text: %w", err)
		}
		d.Message = msg
	}
	if r.Format != ReceiptText {
		d.RegisterOptionalParam(pdu.Field{Tag: pdu.TagReceiptedMessageID, Data: append([]byte(r.MessageID), 0)})
		d.RegisterOptionalParam(pdu.Field{Tag: pdu.TagMessageStateOption, Data: []byte{state}})
		code, _ := strconv.Atoi(r.Err)
		// network_error_code: network type 3 (GSM), then the error code.
		d.RegisterOptionalParam(pdu.Field{Tag: pdu.TagNetworkErrorCode, Data: []byte{3, byte(code >> 8), byte(code)}})
	}
	if err := c.write(d); err != nil {
		return fmt.Errorf("smsctest: send receipt: %w", err)
	}
	s.count(func(st *Stats) { st.ReceiptsSent++ })
	return nil
}
