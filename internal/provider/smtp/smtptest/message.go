package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is one message the server accepted with a 250 reply to DATA.
type Message struct {
	From     string   // envelope sender, MAIL FROM, without angle brackets
	SMTPUTF8 bool     // MAIL FROM carried the SMTPUTF8 parameter (RFC 6531)
	BodyType string   // MAIL FROM's BODY= parameter ("7BIT", "8BITMIME"); "" without one
	To       []string // envelope recipients, RCPT TO, in order
	Data     []byte   // the message exactly as received, CRLF line ends
	TLS      bool     // the message came over an encrypted connection
	AuthUser string   // the user that authenticated the connection; "" if none

	// Header holds the parsed top-level header fields, still encoded.
	Header mail.Header
	// Subject is the Subject header decoded from RFC 2047 encoded words.
	Subject string
	// Text and HTML are the decoded contents of the first text/plain and
	// text/html parts (the body itself for a single-part message), with
	// the CRLF line breaks of MIME's canonical form turned into "\n". The
	// line break that ends a single-part body is dropped: SMTP data always
	// ends with one, so it is not part of the text.
	Text string
	HTML string
	// ParseError says why the message could not be parsed as MIME; the
	// fields above it are still filled.
	ParseError error
}

// parse fills the parsed fields of m from m.Data.
func (m *Message) parse() {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		m.ParseError = fmt.Errorf("read message: %w", err)
		return
	}
	m.Header = msg.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		m.ParseError = fmt.Errorf("decode Subject: %w", err)
		return
	}
	m.Subject = subject
	if err := m.walk(msg.Header, msg.Body, true); err != nil {
		m.ParseError = err
	}
}

// walk collects the text parts of one entity, descending into multiparts.
func (m *Message) walk(h map[string][]string, body io.Reader, top bool) error {
	get := func(key string) string {
		if v := h[key]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	ctype := get("Content-Type")
	if ctype == "" {
		ctype = "text/plain; charset=us-ascii" // RFC 2045 default
	}
	mediaType, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %w", ctype, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart leaves the transfer encoding to decode below,
			// so quoted-printable and base64 parts are treated alike.
			part, err := r.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read %s part: %w", mediaType, err)
			}
			if err := m.walk(part.Header, part, false); err != nil {
				return err
			}
		}
	}
	content, err := decodeTransfer(get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	content = strings.ReplaceAll(content, "\r\n", "\n")
	if top {
		content = strings.TrimSuffix(content, "\n")
	}
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = content
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = content
	}
	return nil
}

// decodeTransfer undoes a Content-Transfer-Encoding.
func decodeTransfer(encoding string, body io.Reader) (string, error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "7bit", "8bit", "binary":
		r = body
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		// The decoder skips the CRLFs that wrap base64 at 76 columns.
		r = base64.NewDecoder(base64.StdEncoding, body)
	default:
		return "", fmt.Errorf("unknown Content-Transfer-Encoding %q", encoding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("decode %s body: %w", encoding, err)
	}
	return string(b), nil
}
