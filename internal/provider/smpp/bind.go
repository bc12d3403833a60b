package smpp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// transceiverConnector dials and binds a transceiver for gosmpp's session.
// It replaces gosmpp's own connector, which parses the bind_resp in full
// before it looks at its command_status: an SMSC may refuse a bind with a
// bind_resp that has no body at all (SMPP 3.4 4.1.2 sends system_id only
// on success, and node-smpp does so), which gosmpp then reports as "EOF"
// instead of the refusal. Here the header decides.
type transceiverConnector struct {
	p *Provider
}

var _ gosmpp.Connector = transceiverConnector{}

// GetBindType is part of gosmpp.Connector.
func (transceiverConnector) GetBindType() pdu.BindingType { return pdu.Transceiver }

// Connect is part of gosmpp.Connector. A refusal is a gosmpp.BindError
// with the SMSC's command_status.
func (c transceiverConnector) Connect() (*gosmpp.Connection, error) {
	nc, err := c.p.dialTCP(c.p.cfg.Addr)
	if err != nil {
		return nil, err
	}
	conn := gosmpp.NewConnection(nc)
	req := pdu.NewBindRequest(pdu.Transceiver)
	req.SystemID, req.Password, req.SystemType = c.p.cfg.SystemID, c.p.cfg.Password, c.p.cfg.SystemType
	if _, err := conn.WritePDU(req); err != nil {
		_ = conn.Close()
		return nil, err
	}
	if err := readBindResp(conn); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return conn, nil
}

// pduHeaderLen is the length of an SMPP PDU header: command_length,
// command_id, command_status and sequence_number, four octets each.
const pduHeaderLen = 16

// readBindResp reads PDUs until the answer to the bind: a
// bind_transceiver_resp, or a generic_nack from an SMSC that does not know
// the command. PDUs before it are dropped, as gosmpp does.
func readBindResp(r io.Reader) error {
	for {
		var h [pduHeaderLen]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return bindReadError(err)
		}
		length := binary.BigEndian.Uint32(h[0:4])
		id := data.CommandIDType(binary.BigEndian.Uint32(h[4:8]))
		status := data.CommandStatusType(binary.BigEndian.Uint32(h[8:12]))
		if length < pduHeaderLen || length > data.MAX_PDU_LEN {
			return fmt.Errorf("invalid PDU length %d in answer to the bind", length)
		}
		if _, err := io.CopyN(io.Discard, r, int64(length-pduHeaderLen)); err != nil {
			return bindReadError(err)
		}
		switch {
		case id != data.BIND_TRANSCEIVER_RESP && id != data.GENERIC_NACK:
			continue
		case status != data.ESME_ROK:
			return gosmpp.BindError{CommandStatus: status}
		case id == data.GENERIC_NACK:
			return errors.New("generic_nack without an error status in answer to the bind")
		}
		// Bound. The body holds only the SMSC's system_id, which otpd
		// does not use; an SMSC that leaves it out is not refused for it.
		return nil
	}
}

func bindReadError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the SMSC closed the connection before answering the bind")
	}
	return err
}
