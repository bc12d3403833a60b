package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// phase is the step of the conversation a failure happened in; the same
// reply code means different things in different steps.
type phase int

const (
	phaseConnect phase = iota // TCP, greeting, EHLO, STARTTLS or TLS, AUTH
	phaseMail                 // MAIL FROM
	phaseRcpt                 // RCPT TO
	phaseData                 // the DATA command
	phaseContent              // the message data and the reply accepting it
	phaseQuit                 // QUIT, for Check
)

func (ph phase) String() string {
	switch ph {
	case phaseMail:
		return "MAIL FROM"
	case phaseRcpt:
		return "RCPT TO"
	case phaseData:
		return "DATA"
	case phaseContent:
		return "message data"
	case phaseQuit:
		return "QUIT"
	}
	return "connect"
}

// maxMessage bounds ProviderError.Message, which goes into message records.
const maxMessage = 200

// fail turns err from phase into an *otp.ProviderError. A server reply
// gives Code ("550 5.1.1") and Message (the reply's text), classified by
// classify. Anything else is described in Message: a TLS failure (the
// server offers no STARTTLS though tls: starttls requires it, its
// certificate does not verify, the handshake fails) is refused, since
// this server will not do until someone changes it or otpd's settings;
// a refused connection, a timeout, a dropped connection or a cancellation
// is transient.
func (c *conn) fail(ph phase, err error) *otp.ProviderError {
	pe := &otp.ProviderError{Provider: c.p.cfg.Name}
	if ctxErr := c.ctx.Err(); ctxErr != nil {
		// Checked first: cancelling cuts the connection, and the error
		// go-mail then reports is only a symptom.
		pe.Message = clean(fmt.Sprintf("%s: cancelled: %v", ph, ctxErr))
		return pe
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		enhanced, text := splitReply(reply.Code, reply.Msg)
		pe.Code = strconv.Itoa(reply.Code)
		if enhanced != "" {
			pe.Code += " " + enhanced
		}
		pe.Message = clean(text)
		if pe.Message == "" {
			pe.Message = ph.String() + " refused"
		}
		class := classify(ph, reply.Code, enhanced)
		pe.Permanent, pe.Refused = class == permanent, class == refused
		return pe
	}
	if isTimeout(err) {
		pe.Message = clean(fmt.Sprintf("%s: no answer within %s: %v", ph, c.timeout.Round(time.Millisecond), err))
		return pe
	}
	pe.Message = clean(fmt.Sprintf("%s: %v", ph, err))
	pe.Refused = isTLSFailure(err)
	return pe
}

// isTLSFailure reports whether err is the failure to set up TLS with
// a server that answers: no STARTTLS offered where it is required, a
// certificate that does not verify, a handshake the two sides cannot
// agree on or that the server aborts with an alert. A timeout or a cut
// connection during the handshake is not one.
func isTLSFailure(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
		alert     tls.AlertError
	)
	switch {
	case errors.As(err, &verify), errors.As(err, &unknownCA), errors.As(err, &hostname),
		errors.As(err, &invalid), errors.As(err, &record), errors.As(err, &alert):
		return true
	}
	// go-mail's refusal to go on without STARTTLS is a plain error with
	// no type to match; TestStartTLSRequired notices if its words change.
	return strings.Contains(err.Error(), "does not support STARTTLS")
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errorClass says what a refusal means for the delivery pipeline.
type errorClass int

const (
	// transient: retry, with this provider or the next one: a 4xx reply,
	// a connection that fails or times out.
	transient errorClass = iota
	// refused: this server will not take this message from us, however
	// often asked (our login, our sender, our relaying rights, our
	// content or its size, TLS); another provider may well deliver, so
	// the router moves on at once.
	refused
	// permanent: the recipient cannot receive mail; no provider can help.
	permanent
)

func (c errorClass) String() string {
	switch c {
	case refused:
		return "refused"
	case permanent:
		return "permanent"
	}
	return "transient"
}

// classify decides on a reply code, and the RFC 3463 enhanced code when
// the server gave one, in the phase it answered.
//
// A 4xx is transient. A 5xx says the same command will fail again
// (RFC 5321 4.2.1): it is permanent when it blames the recipient, and
// refused otherwise.
//
// Only a 5xx to RCPT TO, or to the end of DATA with an addressing or
// mailbox status (servers that check recipients late), blames the
// recipient. On RCPT an enhanced code refines the basic one: X.1.x
// (addressing: no such user, bad domain, bad syntax; but X.1.7 and X.1.8
// are the sender's address), X.2.x (mailbox disabled or full) and X.4.x
// (the recipient's domain cannot be routed) are the recipient's; X.7.x
// ("5.7.1 Relaying denied", "5.7.0 Authentication required") is about
// our account and X.3.x about the server, so they are refused. Without an enhanced code the basic codes RFC
// 5321 gives for recipients decide: 550, 551, 553, 501 (bad address
// syntax) and 556 (domain accepts no mail, RFC 7504). Every other 5xx is
// about us or the message: 530 and 535 (authentication required or
// failed), X.7.x policy, 552 and X.3.4 (too big), a refused sender, a
// greeting or EHLO that turns us away, a STARTTLS the server refuses.
func classify(ph phase, code int, enhanced string) errorClass {
	if code/100 != 5 {
		return transient
	}
	subject, detail := -1, -1
	if enhanced != "" {
		parts := strings.SplitN(enhanced, ".", 3)
		subject, _ = strconv.Atoi(parts[1])
		detail, _ = strconv.Atoi(parts[2])
	}
	if subject == 1 && (detail == 7 || detail == 8) {
		return refused // X.1.7, X.1.8: the sender's address, ours
	}
	switch ph {
	case phaseRcpt:
		if code == 501 {
			return permanent
		}
		switch subject {
		case 1, 2, 4:
			return permanent
		case -1, 0: // none, or X.0.0 "other or undefined": the basic code decides
			switch code {
			case 550, 551, 553, 556:
				return permanent
			}
		}
	case phaseContent:
		if subject == 1 || subject == 2 {
			return permanent
		}
	}
	return refused
}

// enhancedCode is an RFC 3463 status code at the start of a reply line.
var enhancedCode = regexp.MustCompile(`^([245])\.([0-9]{1,3})\.([0-9]{1,3})(?:\s+|$)`)

// splitReply takes the enhanced status code off the front of each line of
// a reply (multi-line replies repeat it) and returns it with the text,
// lines joined by spaces. An enhanced code whose class differs from the
// reply code's is not one (RFC 3463 section 2) and stays in the text.
func splitReply(code int, msg string) (enhanced, text string) {
	var lines []string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if m := enhancedCode.FindStringSubmatch(line); m != nil && int(m[1][0]-'0') == code/100 {
			if enhanced == "" {
				enhanced = m[1] + "." + m[2] + "." + m[3]
			}
			line = strings.TrimSpace(line[len(m[0]):])
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	return enhanced, strings.Join(lines, " ")
}

// emailAddress matches what servers quote back in replies, such as
// "<user@example.com>: Recipient address rejected".
var emailAddress = regexp.MustCompile(`[^\s<>()\[\],;:"@]+@[^\s<>()\[\],;:"@]+`)

// clean makes s safe and short enough for a message record: addresses
// redacted, control characters gone, at most maxMessage characters.
func clean(s string) string {
	s = emailAddress.ReplaceAllString(s, "[address]")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxMessage {
		s = string(r[:maxMessage])
	}
	return s
}
