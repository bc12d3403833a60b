// Package smtptest is an in-process SMTP submission server for tests,
// built on github.com/emersion/go-smtp's server so the wire protocol —
// greeting, EHLO capabilities, STARTTLS, AUTH PLAIN (RFC 4616), MAIL,
// RCPT, DATA with dot-stuffing, enhanced status codes (RFC 3463) — is a
// real server's, not a script of expected lines.
//
// It listens on 127.0.0.1 on a free port, in plain text, with STARTTLS
// (RFC 3207, required before AUTH and MAIL) or with implicit TLS
// (RFC 8314, port 465 style), using a self-signed certificate generated
// per server whose PEM a client adds to its roots. With a username set it
// advertises AUTH PLAIN and answers any other credentials with
// 535 5.7.8, as submission servers do.
//
// It records each accepted message (envelope and MAIL FROM parameters, raw data, parsed headers,
// decoded text and HTML parts) and each connection, and can be told to
// misbehave at a stage of the conversation: answer with a given reply
// (550 for a recipient, 451 on DATA), answer late, or drop the connection.
package smtptest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security is how the server protects its connections.
type Security int

const (
	// Plaintext never offers TLS. AUTH is still offered when a username
	// is set, the way a relay on localhost may.
	Plaintext Security = iota
	// STARTTLS greets in plain text and offers STARTTLS; AUTH and MAIL
	// are refused until the client has switched to TLS.
	STARTTLS
	// ImplicitTLS speaks TLS from the first byte.
	ImplicitTLS
)

// Options configures a Server.
type Options struct {
	Security Security
	// Username and Password, when Username is set, are the only
	// credentials AUTH PLAIN accepts, and MAIL is refused (530 5.7.0)
	// until a client has authenticated.
	Username string
	Password string
	// NoSMTPUTF8 leaves SMTPUTF8 (RFC 6531) out of the EHLO answer, as
	// many servers still do. Either way a RCPT TO with a non-ASCII
	// address is refused unless MAIL FROM declared SMTPUTF8.
	NoSMTPUTF8 bool
}

// Stage is a point in the SMTP conversation where a Fault applies.
type Stage int

const (
	// Connect is before the greeting (before the TLS handshake with
	// ImplicitTLS). Only Delay and Drop apply here.
	Connect Stage = iota
	// Hello is the answer to EHLO or HELO (both before and after STARTTLS).
	Hello
	// Mail is the answer to MAIL FROM.
	Mail
	// Rcpt is the answer to every RCPT TO.
	Rcpt
	// Data is the answer after the message data, the one that accepts the
	// message; the 354 that invites the data is not affected.
	Data
)

// Fault is a scripted misbehaviour at one stage. The zero Fault answers
// normally.
type Fault struct {
	// Code, when not zero, is the reply to send instead of accepting,
	// such as 451 or 550, with the enhanced status code Enhanced ("4.3.0";
	// "" for the class default X.0.0) and Text.
	Code     int
	Enhanced string
	Text     string
	// Delay holds the answer back (or the drop, or the greeting) this
	// long, or until the server is closed.
	Delay time.Duration
	// Drop closes the connection without answering.
	Drop bool
}

// Reject is a Fault that answers code with the enhanced status code and text.
func Reject(code int, enhanced, text string) Fault {
	return Fault{Code: code, Enhanced: enhanced, Text: text}
}

// Session is what the server saw of one connection.
type Session struct {
	Helo     string // the last EHLO or HELO name
	TLS      bool   // the connection was, or became, encrypted
	AuthUser string // the user that authenticated; "" if none did
	Mails    int    // MAIL FROM commands accepted
}

// Server is a running fake SMTP server.
type Server struct {
	opts    Options
	srv     *smtp.Server
	addr    *net.TCPAddr
	certPEM []byte
	caFile  string
	done    chan struct{}
	closed  sync.Once

	mu       sync.Mutex
	faults   map[Stage]Fault
	rejected map[string]bool // lower-cased recipient addresses answered with 550
	messages []Message
	sessions []*Session
	byConn   map[*smtp.Conn]*Session
}

// NewServer starts a server configured by opts and closes it when the test
// ends. With TLS it also writes the certificate to a file in tb.TempDir()
// (see CAFile).
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := &Server{
		opts:     opts,
		done:     make(chan struct{}),
		faults:   make(map[Stage]Fault),
		rejected: make(map[string]bool),
		byConn:   make(map[*smtp.Conn]*Session),
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "smtptest.localhost"
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.EnableSMTPUTF8 = !opts.NoSMTPUTF8
	// go-smtp logs handler errors to stderr; a client that hangs up is
	// routine here and not worth the noise.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	var l net.Listener = &listener{Listener: ln, s: s}

	if opts.Security != Plaintext {
		cert, certPEM, err := selfSigned()
		if err != nil {
			ln.Close()
			tb.Fatalf("smtptest: %v", err)
		}
		s.certPEM = certPEM
		s.caFile = filepath.Join(tb.TempDir(), "smtptest-ca.pem")
		if err := os.WriteFile(s.caFile, certPEM, 0o600); err != nil {
			ln.Close()
			tb.Fatalf("smtptest: write CA file: %v", err)
		}
		conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if opts.Security == ImplicitTLS {
			l = tls.NewListener(l, conf)
		} else {
			s.srv.TLSConfig = conf // go-smtp then offers STARTTLS
		}
	} else {
		// Without TLS go-smtp would hide AUTH; a plaintext relay on
		// localhost may well offer it.
		s.srv.AllowInsecureAuth = true
	}

	go func() { _ = s.srv.Serve(l) }()
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server, cutting open connections and pending delays.
// NewServer arranges it at the end of the test.
func (s *Server) Close() {
	s.closed.Do(func() {
		close(s.done)
		_ = s.srv.Close()
	})
}

// Host is the address the server listens on: "127.0.0.1".
func (s *Server) Host() string { return s.addr.IP.String() }

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// Addr is Host and Port joined as "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())) }

// CACertPEM is the server's self-signed certificate, which is also its CA,
// in PEM; nil for a Plaintext server.
func (s *Server) CACertPEM() []byte { return s.certPEM }

// CAFile is the path of a file holding CACertPEM, for a client's ca_file;
// "" for a Plaintext server.
func (s *Server) CAFile() string { return s.caFile }

// SetFault makes the server misbehave as f at stage from now on, for every
// connection; the zero Fault restores normal answers.
func (s *Server) SetFault(stage Stage, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Fault{}) {
		delete(s.faults, stage)
		return
	}
	s.faults[stage] = f
}

// RejectRecipient makes RCPT TO for addr (compared case-insensitively)
// answer as Postfix does for an unknown user:
// 550 5.1.1 <addr>: Recipient address rejected: User unknown in virtual mailbox table.
func (s *Server) RejectRecipient(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[strings.ToLower(addr)] = true
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	copy(out, s.messages)
	return out
}

// Sessions returns what the server saw of each connection that got as far
// as EHLO or HELO, oldest first.
func (s *Server) Sessions() []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Session, len(s.sessions))
	for i, se := range s.sessions {
		out[i] = *se
	}
	return out
}

func (s *Server) fault(stage Stage) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults[stage]
}

// errDropped is what a session hook returns after dropping the
// connection; go-smtp's answer to it goes nowhere.
var errDropped = errors.New("smtptest: connection dropped")

// misbehave applies the Fault for stage to the connection c: it waits,
// drops the connection or returns the reply to send, or nil to go on.
func (s *Server) misbehave(stage Stage, c *smtp.Conn) error {
	f := s.fault(stage)
	if f.Delay > 0 {
		s.sleep(f.Delay)
	}
	if f.Drop {
		// Close the network connection rather than the smtp.Conn, so
		// go-smtp's own state stays consistent and it just sees EOF.
		_ = c.Conn().Close()
		return errDropped
	}
	if f.Code != 0 {
		return reply(f.Code, f.Enhanced, f.Text)
	}
	return nil
}

func (s *Server) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}

// reply builds go-smtp's error value for a reply line.
func reply(code int, enhanced, text string) *smtp.SMTPError {
	e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: text}
	var a, b, c int
	if _, err := fmt.Sscanf(enhanced, "%d.%d.%d", &a, &b, &c); err == nil {
		e.EnhancedCode = smtp.EnhancedCode{a, b, c}
	}
	if e.Message == "" {
		e.Message = "Error"
	}
	return e
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	if err := s.misbehave(Hello, c); err != nil {
		return nil, err
	}
	_, isTLS := c.TLSConnectionState()
	s.mu.Lock()
	defer s.mu.Unlock()
	// go-smtp starts a new Session after STARTTLS; it is still the same
	// connection.
	rec, ok := s.byConn[c]
	if !ok {
		rec = &Session{}
		s.byConn[c] = rec
		s.sessions = append(s.sessions, rec)
	}
	rec.Helo = c.Hostname()
	rec.TLS = rec.TLS || isTLS
	return &session{s: s, c: c, rec: rec, tls: isTLS}, nil
}

// session is one go-smtp Session: one connection between EHLOs.
type session struct {
	s    *Server
	c    *smtp.Conn
	rec  *Session
	tls  bool
	user string
	from string
	opts smtp.MailOptions
	to   []string
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.AuthSession = (*session)(nil)
)

func (se *session) AuthMechanisms() []string {
	if se.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	if se.s.opts.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if (identity != "" && identity != username) ||
			username != se.s.opts.Username || password != se.s.opts.Password {
			return smtp.ErrAuthFailed // 535 5.7.8 Authentication failed
		}
		se.user = username
		se.s.mu.Lock()
		se.rec.AuthUser = username
		se.s.mu.Unlock()
		return nil
	}), nil
}

func (se *session) Mail(from string, opts *smtp.MailOptions) error {
	if se.s.opts.Security == STARTTLS && !se.tls {
		return reply(530, "5.7.0", "Must issue a STARTTLS command first")
	}
	if se.s.opts.Username != "" && se.user == "" {
		return reply(530, "5.7.0", "Authentication required")
	}
	if err := se.s.misbehave(Mail, se.c); err != nil {
		return err
	}
	se.from = from
	if opts != nil {
		se.opts = *opts
	}
	se.s.mu.Lock()
	se.rec.Mails++
	se.s.mu.Unlock()
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := se.s.misbehave(Rcpt, se.c); err != nil {
		return err
	}
	if !se.opts.UTF8 && !isASCII(to) {
		// Postfix's answer (smtpd_check.c) to a Unicode address in a
		// transaction that did not declare SMTPUTF8.
		return reply(553, "5.6.7", "Must declare SMTPUTF8 to send unicode address")
	}
	se.s.mu.Lock()
	rejected := se.s.rejected[strings.ToLower(to)]
	se.s.mu.Unlock()
	if rejected {
		return reply(550, "5.1.1", "<"+to+">: Recipient address rejected: User unknown in virtual mailbox table")
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := se.s.misbehave(Data, se.c); err != nil {
		return err
	}
	m := Message{
		From:     se.from,
		SMTPUTF8: se.opts.UTF8,
		BodyType: string(se.opts.Body),
		To:       append([]string(nil), se.to...),
		Data:     raw,
		TLS:      se.tls,
		AuthUser: se.user,
	}
	m.parse()
	se.s.mu.Lock()
	se.s.messages = append(se.s.messages, m)
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset() {
	se.from = ""
	se.opts = smtp.MailOptions{}
	se.to = nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (se *session) Logout() error { return nil }

// listener applies Connect faults to each accepted connection.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		f := l.s.fault(Connect)
		if f.Drop && f.Delay == 0 {
			_ = c.Close()
			continue
		}
		if f.Delay > 0 || f.Drop {
			return &slowConn{Conn: c, s: l.s, delay: f.Delay, drop: f.Drop}, nil
		}
		return c, nil
	}
}

// slowConn holds back the server's first write — the greeting, or the
// TLS ServerHello — without blocking Accept for other connections.
type slowConn struct {
	net.Conn
	s     *Server
	delay time.Duration
	drop  bool
	once  sync.Once
}

func (c *slowConn) Write(p []byte) (int, error) {
	c.once.Do(func() {
		c.s.sleep(c.delay)
		if c.drop {
			_ = c.Conn.Close()
		}
	})
	return c.Conn.Write(p)
}

func (c *slowConn) Read(p []byte) (int, error) {
	// With ImplicitTLS the server reads the ClientHello before it writes
	// anything; a drop must not wait for that.
	if c.drop {
		c.once.Do(func() {
			c.s.sleep(c.delay)
			_ = c.Conn.Close()
		})
	}
	return c.Conn.Read(p)
}
