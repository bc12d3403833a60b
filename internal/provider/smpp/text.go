package smpp

import (
	"errors"
	"unicode/utf16"

	"github.com/linxGnu/gosmpp/data"
)

// SMPP data_coding values of the two alphabets otpd sends in.
const (
	codingGSM7 byte = 0x00 // GSM 03.38 default alphabet, one septet per octet
	codingUCS2 byte = 0x08 // UCS-2 (UTF-16BE in practice)
)

// Sizes of a message part (3GPP TS 23.040): a part carries 140 octets of
// user data, less 6 for the concatenation header when there are several.
const (
	gsmSingle  = 160 // septets in a message of one part
	gsmPart    = 153 // septets in each part of a concatenated message
	ucs2Single = 70  // UTF-16 code units in a message of one part
	ucs2Part   = 67  // UTF-16 code units in each part of a concatenated message
	maxParts   = 255 // the 8-bit concatenation header counts parts in one octet
)

// gsmEscape starts a two-septet character of the GSM extension table (€, [, ] …).
const gsmEscape = 0x1B

var errTooLong = errors.New("message is longer than 255 parts")

// encodedText is a message body ready for submit_sm: its data_coding and the
// short_message of each part, without the concatenation header.
type encodedText struct {
	coding byte
	parts  [][]byte
}

// encodeText picks the GSM 7-bit alphabet when every character of s is in it
// or in its extension table, because a GSM part carries 160 characters where
// UCS-2 carries 70, and splits the result into parts.
func encodeText(s string) (encodedText, error) {
	if septets, err := data.GSM7BIT.Encode(s); err == nil {
		return checkParts(encodedText{coding: codingGSM7, parts: splitSeptets(septets)})
	}
	units := utf16.Encode([]rune(s))
	var parts [][]byte
	for _, p := range splitUnits(units) {
		b := make([]byte, 0, 2*len(p))
		for _, u := range p {
			b = append(b, byte(u>>8), byte(u))
		}
		parts = append(parts, b)
	}
	return checkParts(encodedText{coding: codingUCS2, parts: parts})
}

func checkParts(t encodedText) (encodedText, error) {
	if len(t.parts) > maxParts {
		return encodedText{}, errTooLong
	}
	return t, nil
}

// splitSeptets cuts unpacked septets into parts, never between the escape
// septet and the character it introduces (TS 23.040 9.2.3.24.1).
func splitSeptets(s []byte) [][]byte {
	if len(s) <= gsmSingle {
		return [][]byte{s}
	}
	var parts [][]byte
	for len(s) > 0 {
		n := min(gsmPart, len(s))
		// 0x1B is never a character of its own nor the second septet of
		// an escape, so a part ending in it would cut a character in two.
		if n < len(s) && s[n-1] == gsmEscape {
			n--
		}
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return parts
}

// splitUnits cuts UTF-16 code units into parts, never between the two
// halves of a surrogate pair, so each part decodes on its own.
func splitUnits(u []uint16) [][]uint16 {
	if len(u) <= ucs2Single {
		return [][]uint16{u}
	}
	var parts [][]uint16
	for len(u) > 0 {
		n := min(ucs2Part, len(u))
		if n < len(u) && u[n-1] >= 0xD800 && u[n-1] < 0xDC00 {
			n--
		}
		parts = append(parts, u[:n])
		u = u[n:]
	}
	return parts
}
