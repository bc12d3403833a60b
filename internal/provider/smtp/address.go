package smtp

import (
	"errors"
	"strings"

	"golang.org/x/net/idna"
)

// recipient is a recipient's address as it goes on the wire, in RCPT TO
// and in the To header.
type recipient struct {
	addr string
	// utf8 is set when the address can only travel with SMTPUTF8 (RFC
	// 6531): its local part is not ASCII.
	utf8 bool
}

// wireRecipient prepares addr, an addr-spec, for sending. A domain in
// Unicode (an internationalised domain name) is written in IDNA A-labels
// ("пример.рф" becomes "xn--e1afmkfd.xn--p1ai"), which every server and
// every relay after it understands, so it needs no SMTPUTF8. A local part
// in Unicode has no ASCII form: it is kept as it is and the message is
// sent with SMTPUTF8, which the server must offer. So SMTPUTF8 is asked
// for only when it is needed, and a server without it still gets every
// address it can carry.
func wireRecipient(addr string) (recipient, error) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return recipient{}, errors.New("no domain")
	}
	local, domain := addr[:at], addr[at+1:]
	if !isASCII(domain) {
		a, err := idna.Lookup.ToASCII(domain)
		if err != nil {
			return recipient{}, errors.New("the domain is not a valid internationalised domain name")
		}
		domain = a
	}
	return recipient{addr: local + "@" + domain, utf8: !isASCII(local)}, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
