package smpp

import (
	"errors"
	"strings"

	"github.com/linxGnu/gosmpp/pdu"
)

// Type of number and numbering plan indicator values (SMPP 3.4 5.2.5, 5.2.6).
const (
	tonUnknown       byte = 0
	tonInternational byte = 1
	tonAlphanumeric  byte = 5
	npiUnknown       byte = 0
	npiISDN          byte = 1 // E.164
)

// address is a source or destination address with its TON and NPI.
type address struct {
	ton, npi byte
	addr     string
}

func (a address) pdu() pdu.Address {
	p := pdu.NewAddressWithTonNpi(a.ton, a.npi)
	_ = p.SetAddress(a.addr) // lengths are checked when the address is made
	return p
}

// maxAlphanumeric is the longest alphanumeric sender id handsets display
// (11 GSM characters, TS 23.040 9.1.2.5).
const maxAlphanumeric = 11

// parseSource classifies a sender: digits, with or without a leading "+",
// are an international number (TON 1, NPI 1); anything else is an
// alphanumeric sender id (TON 5, NPI 0). The empty sender leaves the choice
// to the SMSC, which most fill in from the account.
func parseSource(s string) (address, error) {
	if s == "" {
		return address{ton: tonUnknown, npi: npiUnknown}, nil
	}
	if d := strings.TrimPrefix(s, "+"); d != "" && isDigits(d) {
		if len(d) > 15 {
			return address{}, errors.New("a numeric sender must have at most 15 digits")
		}
		return address{ton: tonInternational, npi: npiISDN, addr: d}, nil
	}
	if len([]rune(s)) > maxAlphanumeric {
		return address{}, errors.New("an alphanumeric sender id must have at most 11 characters")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" -._&", r)) {
			return address{}, errors.New("an alphanumeric sender id may hold only letters, digits, space and - . _ &")
		}
	}
	return address{ton: tonAlphanumeric, npi: npiUnknown, addr: s}, nil
}

// parseDestination turns an E.164 number ("+447700900123") into the
// international address SMSCs expect: the digits without the "+".
func parseDestination(to string) (address, bool) {
	d, ok := strings.CutPrefix(to, "+")
	if !ok || len(d) < 2 || len(d) > 15 || d[0] == '0' || !isDigits(d) {
		return address{}, false
	}
	return address{ton: tonInternational, npi: npiISDN, addr: d}, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
