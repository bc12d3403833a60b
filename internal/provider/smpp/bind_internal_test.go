package smpp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
)

// rawPDU is a PDU as the SMSC writes it: a header and body octets.
func rawPDU(id data.CommandIDType, status data.CommandStatusType, body string) []byte {
	b := make([]byte, 16, 16+len(body))
	binary.BigEndian.PutUint32(b[0:4], uint32(16+len(body)))
	binary.BigEndian.PutUint32(b[4:8], uint32(id))
	binary.BigEndian.PutUint32(b[8:12], uint32(status))
	binary.BigEndian.PutUint32(b[12:16], 1)
	return append(b, body...)
}

func TestReadBindResp(t *testing.T) {
	tests := []struct {
		name       string
		stream     [][]byte
		wantStatus data.CommandStatusType // of the gosmpp.BindError; 0 for none
		wantErr    bool
	}{
		{"bound", [][]byte{rawPDU(data.BIND_TRANSCEIVER_RESP, data.ESME_ROK, "SMSC\x00")}, 0, false},
		{"bound without system_id", [][]byte{rawPDU(data.BIND_TRANSCEIVER_RESP, data.ESME_ROK, "")}, 0, false},
		{"refused with system_id", [][]byte{rawPDU(data.BIND_TRANSCEIVER_RESP, data.ESME_RINVPASWD, "SMSC\x00")}, data.ESME_RINVPASWD, true},
		{"refused without a body", [][]byte{rawPDU(data.BIND_TRANSCEIVER_RESP, data.ESME_RBINDFAIL, "")}, data.ESME_RBINDFAIL, true},
		{"generic_nack", [][]byte{rawPDU(data.GENERIC_NACK, data.ESME_RINVCMDID, "")}, data.ESME_RINVCMDID, true},
		{"after another pdu", [][]byte{rawPDU(data.ENQUIRE_LINK, data.ESME_ROK, ""),
			rawPDU(data.BIND_TRANSCEIVER_RESP, data.ESME_RBINDFAIL, "")}, data.ESME_RBINDFAIL, true},
		{"connection closed", nil, 0, true},
		{"cut in the body", [][]byte{rawPDU(data.BIND_TRANSCEIVER_RESP, data.ESME_ROK, "SMSC\x00")[:18]}, 0, true},
		{"invalid length", [][]byte{{0, 0, 0, 8, 0x80, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1}}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readBindResp(bytes.NewReader(bytes.Join(tt.stream, nil)))
			if (err != nil) != tt.wantErr {
				t.Fatalf("readBindResp = %v, want error %v", err, tt.wantErr)
			}
			var be gosmpp.BindError
			switch {
			case tt.wantStatus != 0 && (!errors.As(err, &be) || be.CommandStatus != tt.wantStatus):
				t.Errorf("readBindResp = %v, want a BindError with %s", err, tt.wantStatus)
			case tt.wantStatus == 0 && errors.As(err, &be):
				t.Errorf("readBindResp = %v, want no BindError", err)
			}
		})
	}
}
