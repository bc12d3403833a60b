package smpp

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/linxGnu/gosmpp/data"
)

func TestEncodeTextParts(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		wantCoding byte
		wantSizes  []int // octets per part
	}{
		{"gsm single", strings.Repeat("a", 160), codingGSM7, []int{160}},
		{"gsm split", strings.Repeat("a", 307), codingGSM7, []int{153, 153, 1}},
		// "€" is two septets; the part ends one septet early rather than
		// between the escape and the euro.
		{"escape not cut", strings.Repeat("a", 152) + "€" + strings.Repeat("b", 10), codingGSM7, []int{152, 12}},
		{"escape fits exactly", strings.Repeat("a", 151) + "€" + strings.Repeat("b", 10), codingGSM7, []int{153, 10}},
		{"ucs2 single", strings.Repeat("ж", 70), codingUCS2, []int{140}},
		{"ucs2 split", strings.Repeat("ж", 135), codingUCS2, []int{134, 134, 2}},
		// "🔐" is a surrogate pair; it moves whole to the next part.
		{"surrogate not cut", strings.Repeat("ж", 66) + "🔐" + strings.Repeat("ж", 10), codingUCS2, []int{132, 24}},
		{"surrogate fits exactly", strings.Repeat("ж", 65) + "🔐" + strings.Repeat("ж", 10), codingUCS2, []int{134, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := encodeText(tt.text)
			if err != nil {
				t.Fatalf("encodeText: %v", err)
			}
			if got.coding != tt.wantCoding {
				t.Errorf("coding = %d, want %d", got.coding, tt.wantCoding)
			}
			var sizes []int
			for _, p := range got.parts {
				sizes = append(sizes, len(p))
			}
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("part sizes = %v, want %v", sizes, tt.wantSizes)
			}
			// Every part decodes on its own and the parts make the text.
			var text strings.Builder
			for i, p := range got.parts {
				s, err := decode(got.coding, p)
				if err != nil {
					t.Fatalf("part %d does not decode: %v", i+1, err)
				}
				text.WriteString(s)
			}
			if text.String() != tt.text {
				t.Errorf("parts decode to %q, want %q", text.String(), tt.text)
			}
		})
	}
}

func decode(coding byte, b []byte) (string, error) {
	if coding == codingGSM7 {
		if bytes.HasSuffix(b, []byte{gsmEscape}) {
			return "", data.ErrInvalidByte
		}
		return data.GSM7BIT.Decode(b)
	}
	if len(b)%2 != 0 {
		return "", data.ErrInvalidByte
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	if n := len(u); n > 0 && u[n-1] >= 0xD800 && u[n-1] < 0xDC00 {
		return "", data.ErrInvalidByte
	}
	return string(utf16.Decode(u)), nil
}

func TestEncodeTextTooLong(t *testing.T) {
	if _, err := encodeText(strings.Repeat("a", 153*255)); err != nil {
		t.Errorf("255 parts: %v, want no error", err)
	}
	if _, err := encodeText(strings.Repeat("a", 153*255+1)); err == nil {
		t.Error("256 parts: no error")
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in      string
		want    address
		wantErr bool
	}{
		{"", address{ton: tonUnknown, npi: npiUnknown}, false},
		{"Acme", address{ton: tonAlphanumeric, npi: npiUnknown, addr: "Acme"}, false},
		{"Acme Bank", address{ton: tonAlphanumeric, npi: npiUnknown, addr: "Acme Bank"}, false},
		{"+447700900123", address{ton: tonInternational, npi: npiISDN, addr: "447700900123"}, false},
		{"447700900123", address{ton: tonInternational, npi: npiISDN, addr: "447700900123"}, false},
		{"AcmeBank123", address{ton: tonAlphanumeric, npi: npiUnknown, addr: "AcmeBank123"}, false},
		{"AcmeBank1234", address{}, true},
		{"Acme/Bank", address{}, true},
		{"+1234567890123456", address{}, true},
	}
	for _, tt := range tests {
		got, err := parseSource(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseSource(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestStatusName(t *testing.T) {
	tests := []struct {
		status data.CommandStatusType
		want   string
	}{
		{data.ESME_RTHROTTLED, "ESME_RTHROTTLED"},
		{data.ESME_RINVDSTADR, "ESME_RINVDSTADR"},
		{0x00000450, "SMSC vendor-specific error"},
		{0x00001234, "unknown command status"},
	}
	for _, tt := range tests {
		if got := statusName(tt.status); got != tt.want {
			t.Errorf("statusName(%#x) = %q, want %q", int32(tt.status), got, tt.want)
		}
	}
}
