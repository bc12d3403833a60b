// Package smtp delivers email codes through an SMTP submission server (a
// relay such as Postfix, or a provider's smarthost) using
// github.com/wneessen/go-mail.
//
// A send is one connection: EHLO, STARTTLS or implicit TLS, AUTH when a
// username is configured, one MAIL / RCPT / DATA transaction, QUIT. go-mail
// builds the MIME message and runs the connection, TLS and AUTH steps; the
// transaction itself is driven on go-mail's smtp.Client rather than
// through Client.Send, because only the raw replies tell which command was
// refused and with what text, and go-mail's SendError spells out the
// recipient's address, which must not reach an error message.
//
// The Message-ID is derived from OutgoingMessage.ID, so a retried
// delivery carries the same Message-ID and a receiver (or an operator
// reading mail logs) can recognise the duplicate. It is also the
// SendResult's ProviderMessageID: go-mail does expose the final 250 reply,
// but queue ids in it are server-specific ("queued as 4Xyz" for Postfix,
// "id=1abc" for Exim, nothing at all for some) and only name the message
// on that one server, whereas bounces and every hop's logs carry the
// Message-ID.
package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/otpd/otpd/internal/otp"
)

// TLS modes, the values of Config.TLS.
const (
	// TLSStartTLS connects in plain text and requires the server to offer
	// STARTTLS before anything else is said (RFC 3207); port 587.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (RFC 8314); port 465.
	TLSImplicit = "tls"
	// TLSNone never encrypts. It is allowed only for a loopback host or
	// with allow_insecure, since password and codes would cross the
	// network in the clear.
	TLSNone = "none"
)

// Defaults for the settings an operator may leave out.
const (
	DefaultPort         = 587 // submission with STARTTLS
	DefaultImplicitPort = 465 // submissions, implicit TLS
	DefaultTimeout      = 10 * time.Second
)

// Config is one SMTP provider instance as the operator configures it.
type Config struct {
	// Name is the instance name the operator gave the provider, e.g.
	// "smtp-eu"; it defaults to "smtp".
	Name string `yaml:"-"`

	Host string `yaml:"host"` // host name or IP address of the server, without port
	// Port defaults to DefaultPort (587), or DefaultImplicitPort (465)
	// with tls: tls.
	Port int `yaml:"port"`

	// Username and Password, when Username is set, log in with SMTP AUTH;
	// go-mail picks the mechanism from those the server offers (see
	// authMechanisms).
	Username string `yaml:"username"`
	Password string `yaml:"password"`

	// TLS is one of starttls (the default), tls or none.
	TLS string `yaml:"tls"`
	// AllowInsecure permits tls: none for a host that is not loopback.
	AllowInsecure bool `yaml:"allow_insecure"`
	// CAFile is a PEM file of extra root CAs trusted besides the system's,
	// for relays with a private CA. Certificates are always verified.
	CAFile string `yaml:"ca_file"`

	From     string `yaml:"from"`      // sender address, e.g. otp@example.com; required
	FromName string `yaml:"from_name"` // display name of the sender, e.g. "Acme"
	ReplyTo  string `yaml:"reply_to"`  // address replies go to, when not From
	// HELO is the name otpd gives in EHLO; default the domain of From.
	// A server may check it against DNS, and the machine's own host name
	// (a container id, say) rarely resolves, while the sender's domain
	// is one the operator controls.
	HELO string `yaml:"helo"`
	// Timeout, a Go duration such as "10s" (default DefaultTimeout),
	// bounds the TCP connect (with the handshake, for tls: tls), and
	// then, counted again from there, the rest of the conversation up to
	// QUIT: go-mail sets one deadline on the connection once it is open.
	// A sooner ctx deadline takes its place.
	Timeout time.Duration `yaml:"timeout"`
}

// Validate reports the first setting that is missing or malformed, naming
// its yaml key.
func (c Config) Validate() error {
	switch {
	case c.Host == "":
		return errors.New("host is required")
	case !validHost(c.Host):
		return errors.New("host must be a host name or IP address, without scheme, port or brackets")
	case c.Port < 0 || c.Port > 65535:
		return errors.New("port must be between 1 and 65535")
	case c.TLS != "" && c.TLS != TLSStartTLS && c.TLS != TLSImplicit && c.TLS != TLSNone:
		return fmt.Errorf("tls must be one of %s, %s or %s", TLSStartTLS, TLSImplicit, TLSNone)
	case c.TLS == TLSNone && !c.AllowInsecure && !isLoopback(c.Host):
		return errors.New("tls: none sends the password and every code in plain text; " +
			"it is allowed only for a loopback host (localhost, 127.0.0.1, ::1) or with allow_insecure: true")
	case c.Username == "" && c.Password != "":
		return errors.New("username is required with password")
	case c.Username != "" && c.Password == "":
		return errors.New("password is required with username")
	case c.From == "":
		return errors.New("from is required")
	case !validAddress(c.From):
		return errors.New("from must be a plain ASCII email address such as otp@example.com " +
			"(the display name goes in from_name)")
	case strings.ContainsAny(c.FromName, "\r\n"):
		return errors.New("from_name must be a single line")
	case c.ReplyTo != "" && !validAddress(c.ReplyTo):
		return errors.New("reply_to must be a plain ASCII email address such as support@example.com")
	case c.HELO != "" && !validHost(c.HELO):
		return errors.New("helo must be a host name")
	case c.Timeout < 0 || (c.Timeout > 0 && c.Timeout < time.Millisecond):
		return errors.New("timeout must be a positive duration such as 10s")
	}
	return nil
}

func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	return !strings.ContainsAny(h, ":/[]@ \t\r\n") && !strings.HasPrefix(h, ".") && len(h) <= 253
}

// isLoopback is decided on the name alone: resolving it here would make
// the safety of a plaintext connection depend on DNS.
func isLoopback(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// validAddress accepts a bare addr-spec in ASCII: the envelope sender and
// the Message-ID's domain come from it, and an internationalised address
// would need SMTPUTF8 from every relay on the way.
func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r < 0x21 {
			return false
		}
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}

// Provider sends email through one SMTP server.
type Provider struct {
	cfg     Config
	domain  string // of From, for Message-IDs
	helo    string // the name given in EHLO
	tlsConf *tls.Config
}

var (
	_ otp.Sender  = (*Provider)(nil)
	_ otp.Checker = (*Provider)(nil)
)

// New checks c, fills in its defaults and loads ca_file.
func New(c Config) (*Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Name == "" {
		c.Name = "smtp"
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = DefaultPort
		if c.TLS == TLSImplicit {
			c.Port = DefaultImplicitPort
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	roots, err := rootCAs(c.CAFile)
	if err != nil {
		return nil, err
	}
	domain := strings.ToLower(c.From[strings.LastIndexByte(c.From, '@')+1:])
	helo := c.HELO
	if helo == "" {
		helo = domain
	}
	return &Provider{
		cfg:    c,
		domain: domain,
		helo:   helo,
		tlsConf: &tls.Config{
			ServerName: c.Host,
			RootCAs:    roots,
			MinVersion: tls.VersionTLS12,
		},
	}, nil
}

// rootCAs is the system pool plus the certificates in caFile.
func rootCAs(caFile string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caFile == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s holds no PEM certificate", caFile)
	}
	return pool, nil
}

// Channels is email, the one channel SMTP carries.
func (p *Provider) Channels() []otp.Channel { return []otp.Channel{otp.Email} }

// Send delivers m as one email. Refusals are *otp.ProviderError,
// classified as classify says: permanent only when the recipient is at
// fault, refused when the server will not take this message from us.
func (p *Provider) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.Channel != otp.Email {
		// Refused, not permanent: a provider that has it may deliver.
		return otp.SendResult{}, &otp.ProviderError{Provider: p.cfg.Name,
			Message: fmt.Sprintf("channel %q is not configured for this provider", m.Channel), Refused: true}
	}
	parsed, err := mail.ParseAddress(m.To)
	if err != nil || strings.ContainsAny(parsed.Address, "\r\n") {
		return otp.SendResult{}, &otp.ProviderError{Provider: p.cfg.Name,
			Message: "the recipient is not a valid email address", Permanent: true}
	}
	to, err := wireRecipient(parsed.Address)
	if err != nil {
		return otp.SendResult{}, &otp.ProviderError{Provider: p.cfg.Name,
			Message: "the recipient is not a valid email address: " + err.Error(), Permanent: true}
	}
	if m.Body == "" && m.HTML == "" {
		// A template problem, not the recipient's: not permanent.
		return otp.SendResult{}, &otp.ProviderError{Provider: p.cfg.Name, Message: "the message has no body", Refused: true}
	}
	msg := p.message(m, to.addr)

	c, err := p.dial(ctx)
	if err != nil {
		return otp.SendResult{}, err
	}
	defer c.close()
	if err := c.transaction(msg, to); err != nil {
		return otp.SendResult{}, err
	}
	return otp.SendResult{Provider: p.cfg.Name, ProviderMessageID: msg.GetMessageID()}, nil
}

// Check connects, says EHLO, switches to TLS, logs in when a username is
// configured and says QUIT: it proves the server reachable and the
// credentials good without sending anything.
func (p *Provider) Check(ctx context.Context) error {
	c, err := p.dial(ctx)
	if err != nil {
		return err
	}
	defer c.close()
	if err := c.client.Quit(); err != nil {
		return c.fail(phaseQuit, err)
	}
	return nil
}

// authMechanisms is the order of preference among the mechanisms a server
// offers. It is go-mail's own auto-discovery order without NTLM (which
// needs a Windows domain otpd has no setting for, and which Exchange
// offers alongside LOGIN) and XOAUTH2 (a token, not a password). go-mail
// refuses PLAIN and LOGIN over an unencrypted connection to anything but
// localhost, whatever is listed here.
var authMechanisms = []gomail.SMTPAuthType{
	gomail.SMTPAuthSCRAMSHA256PLUS, gomail.SMTPAuthSCRAMSHA256,
	gomail.SMTPAuthSCRAMSHA1PLUS, gomail.SMTPAuthSCRAMSHA1,
	gomail.SMTPAuthCramMD5, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin,
}

// deadline is when an operation started now must end: the configured
// timeout, or ctx's deadline if that is sooner.
func (p *Provider) deadline(ctx context.Context) time.Time {
	d := time.Now().Add(p.cfg.Timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	return d
}

// netConn is the TCP connection under one go-mail client, kept so that a
// cancelled ctx can cut it: go-mail only watches ctx while dialling.
type netConn struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

func (n *netConn) set(c net.Conn) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		_ = c.Close()
		return false
	}
	n.conn = c
	return true
}

func (n *netConn) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	if n.conn != nil {
		_ = n.conn.Close()
	}
}
