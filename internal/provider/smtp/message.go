package smtp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"regexp"

	gomail "github.com/wneessen/go-mail"
	"golang.org/x/text/language"

	"github.com/otpd/otpd/internal/otp"
)

// message builds the email for m: From, To, Reply-To, a UTF-8 Subject
// (RFC 2047 encoded by go-mail), the text part and, when m.HTML is set, an
// HTML alternative, both quoted-printable.
func (p *Provider) message(m otp.OutgoingMessage, to string) *gomail.Msg {
	// No User-Agent naming go-mail's version: it tells a stranger more
	// about the sender than a recipient needs.
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&mail.Address{Name: p.cfg.FromName, Address: p.cfg.From})
	msg.ToMailAddress(&mail.Address{Address: to})
	if p.cfg.ReplyTo != "" {
		msg.ReplyToMailAddress(&mail.Address{Address: p.cfg.ReplyTo})
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(MessageID(m.ID, p.domain))
	msg.SetDate()
	// RFC 3834: mark the message as sent by a machine, so that
	// vacation responders and the like do not answer it.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	if tag, err := language.Parse(m.Locale); err == nil && m.Locale != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, tag.String())
	}
	if m.Body != "" {
		msg.SetBodyString(gomail.TypeTextPlain, m.Body)
		if m.HTML != "" {
			msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
		}
	} else {
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}
	return msg
}

// dotAtom is RFC 5322's dot-atom-text, what a Message-ID's left part may be
// without quoting.
var dotAtom = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")

// MessageID is the Message-ID, without angle brackets, of the delivery
// with the given OutgoingMessage.ID sent from an address at domain: the ID
// itself when it can stand in a Message-ID, otherwise a hash of it, so the
// same delivery always gets the same Message-ID. An empty ID, which a
// caller should never pass, gets a random one.
func MessageID(id, domain string) string {
	left := id
	switch {
	case id == "":
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		left = hex.EncodeToString(b)
	case len(id) > 128 || !dotAtom.MatchString(id):
		sum := sha256.Sum256([]byte(id))
		left = "h" + hex.EncodeToString(sum[:16])
	}
	return left + "@" + domain
}
