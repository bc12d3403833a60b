package smtptest_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/otpd/otpd/internal/provider/smtp/smtptest"
)

// The fake is exercised with the standard library's net/smtp client, so
// that its behaviour is checked independently of the provider it serves.

func tlsConfig(t *testing.T, srv *smtptest.Server) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CACertPEM()) {
		t.Fatal("CACertPEM holds no certificate")
	}
	return &tls.Config{RootCAs: pool, ServerName: srv.Host()}
}

func dial(t *testing.T, srv *smtptest.Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		t.Fatalf("Hello: %v", err)
	}
	return c
}

// code is the reply code of an SMTP error, 0 if err is not one.
func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

const multipartMessage = "From: <a@example.com>\r\n" +
	"To: <b@example.net>\r\n" +
	"Subject: =?UTF-8?B?0JrQvtC0?= 1\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=XX\r\n" +
	"\r\n" +
	"--XX\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"=D0=9A=D0=BE=D0=B4 1\r\nline two=\r\n continued\r\n" +
	"--XX\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+0JrQvtC0PC9w\r\nPg==\r\n" +
	"--XX--\r\n"

func send(c *smtp.Client, from, to, data string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(data)); err != nil {
		return err
	}
	return w.Close()
}

func TestSTARTTLSAndAuth(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{Security: smtptest.STARTTLS, Username: "u", Password: "p"})
	c := dial(t, srv)

	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH offered before STARTTLS")
	}
	if err := c.Mail("a@example.com"); code(err) != 530 {
		t.Errorf("MAIL before STARTTLS: %v, want 530", err)
	}
	if err := c.StartTLS(tlsConfig(t, srv)); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if ok, mechs := c.Extension("AUTH"); !ok || mechs != "PLAIN" {
		t.Errorf("AUTH after STARTTLS = %v %q, want PLAIN", ok, mechs)
	}
	if err := c.Mail("a@example.com"); code(err) != 530 {
		t.Errorf("MAIL before AUTH: %v, want 530", err)
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "wrong", srv.Host())); code(err) != 535 {
		t.Errorf("AUTH with a wrong password: %v, want 535", err)
	}

	// net/smtp's Auth quits after a failure; a new connection logs in.
	c = dial(t, srv)
	if err := c.StartTLS(tlsConfig(t, srv)); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if err := c.Auth(smtp.PlainAuth("", "u", "p", srv.Host())); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	if err := send(c, "a@example.com", "b@example.net", multipartMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Errorf("Quit: %v", err)
	}

	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.ParseError != nil {
		t.Fatalf("ParseError: %v", got.ParseError)
	}
	type fields struct {
		From, Subject, Text, HTML, AuthUser string
		To                                  []string
		TLS                                 bool
	}
	want := fields{From: "a@example.com", To: []string{"b@example.net"}, Subject: "Код 1",
		Text: "Код 1\nline two continued", HTML: "<p>Код</p>", AuthUser: "u", TLS: true}
	if diff := cmp.Diff(want, fields{got.From, got.Subject, got.Text, got.HTML, got.AuthUser, got.To, got.TLS}); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if !bytes.Equal(got.Data, []byte(multipartMessage)) {
		t.Errorf("Data = %q, want the message as sent", got.Data)
	}
	wantSessions := []smtptest.Session{
		{Helo: "client.test", TLS: true},
		{Helo: "client.test", TLS: true, AuthUser: "u", Mails: 1},
	}
	if diff := cmp.Diff(wantSessions, srv.Sessions()); diff != "" {
		t.Errorf("sessions (-want +got):\n%s", diff)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{Security: smtptest.ImplicitTLS})
	conn, err := tls.Dial("tcp", srv.Addr(), tlsConfig(t, srv))
	if err != nil {
		t.Fatalf("tls.Dial: %v", err)
	}
	c, err := smtp.NewClient(conn, srv.Host())
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered inside TLS")
	}
	if err := send(c, "a@example.com", "b@example.net", "Subject: hi\r\n\r\nhello\r\n"); err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].Text != "hello" || msgs[0].Subject != "hi" {
		t.Errorf("messages = %+v, want one over TLS with text hello", msgs)
	}

	file, err := os.ReadFile(srv.CAFile())
	if err != nil || !bytes.Equal(file, srv.CACertPEM()) {
		t.Errorf("CAFile holds %q (%v), want CACertPEM", file, err)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*smtptest.Server)
		wantCode int
		wantText string
	}{
		{"rejected recipient", func(s *smtptest.Server) { s.RejectRecipient("B@example.net") }, 550,
			"5.1.1 <b@example.net>: Recipient address rejected: User unknown in virtual mailbox table"},
		{"data deferred", func(s *smtptest.Server) { s.SetFault(smtptest.Data, smtptest.Reject(451, "4.3.0", "Try later")) }, 451,
			"4.3.0 Try later"},
		{"sender refused", func(s *smtptest.Server) { s.SetFault(smtptest.Mail, smtptest.Reject(553, "5.7.1", "Not yours")) }, 553,
			"5.7.1 Not yours"},
		{"class default enhanced code", func(s *smtptest.Server) { s.SetFault(smtptest.Rcpt, smtptest.Reject(450, "", "Busy")) }, 450,
			"4.0.0 Busy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, smtptest.Options{})
			tt.setup(srv)
			c := dial(t, srv)
			err := send(c, "a@example.com", "b@example.net", "Subject: x\r\n\r\nx\r\n")
			var te *textproto.Error
			if !errors.As(err, &te) || te.Code != tt.wantCode || te.Msg != tt.wantText {
				t.Errorf("send error = %v, want %d %s", err, tt.wantCode, tt.wantText)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server kept %d messages, want 0", n)
			}
		})
	}
}

func TestFaultCleared(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{})
	srv.SetFault(smtptest.Data, smtptest.Reject(451, "4.3.0", "Try later"))
	srv.SetFault(smtptest.Data, smtptest.Fault{})
	if err := send(dial(t, srv), "a@example.com", "b@example.net", "Subject: x\r\n\r\nx\r\n"); err != nil {
		t.Fatalf("send after clearing the fault: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server kept %d messages, want 1", n)
	}
}

func TestDrop(t *testing.T) {
	t.Run("connect", func(t *testing.T) {
		srv := smtptest.NewServer(t, smtptest.Options{})
		srv.SetFault(smtptest.Connect, smtptest.Fault{Drop: true})
		if c, err := smtp.Dial(srv.Addr()); err == nil {
			c.Close()
			t.Error("Dial succeeded, want the connection dropped before the greeting")
		}
	})
	t.Run("mail", func(t *testing.T) {
		srv := smtptest.NewServer(t, smtptest.Options{})
		srv.SetFault(smtptest.Mail, smtptest.Fault{Drop: true})
		err := dial(t, srv).Mail("a@example.com")
		if err == nil || code(err) != 0 {
			t.Errorf("MAIL error = %v, want a broken connection without a reply", err)
		}
	})
}

func TestPlaintextHasNoCertificate(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{Username: "u", Password: "p"})
	if srv.CACertPEM() != nil || srv.CAFile() != "" {
		t.Error("a Plaintext server has a certificate")
	}
	c := dial(t, srv)
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("a Plaintext server offers STARTTLS")
	}
	// net/smtp sends PLAIN in the clear only to localhost.
	if err := c.Auth(smtp.PlainAuth("", "u", "p", "127.0.0.1")); err != nil {
		t.Errorf("AUTH over plain text: %v", err)
	}
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") {
		t.Errorf("Addr = %q, want 127.0.0.1:port", srv.Addr())
	}
}
