package smtp_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/otpd/otpd/internal/otp"
	"github.com/otpd/otpd/internal/provider/smtp"
	"github.com/otpd/otpd/internal/provider/smtp/smtptest"
)

const (
	user     = "otpd@example.com"
	password = "s3cret"
)

// config points a provider at srv with the matching TLS mode.
func config(srv *smtptest.Server) smtp.Config {
	c := smtp.Config{
		Host:     srv.Host(),
		Port:     srv.Port(),
		From:     "otp@example.com",
		FromName: "Acme Вход",
		HELO:     "otpd.test",
		Timeout:  5 * time.Second,
	}
	return c
}

func newProvider(t *testing.T, c smtp.Config) *smtp.Provider {
	t.Helper()
	p, err := smtp.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// plainServer is a Plaintext fake and a provider using it with tls: none,
// allowed because the fake is on 127.0.0.1.
func plainServer(t *testing.T) (*smtptest.Server, *smtp.Provider) {
	srv := smtptest.NewServer(t, smtptest.Options{})
	c := config(srv)
	c.TLS = smtp.TLSNone
	return srv, newProvider(t, c)
}

// tlsServer is a fake with the given security and credentials, and a
// provider using it with the matching tls mode, ca_file and credentials.
func tlsServer(t *testing.T, sec smtptest.Security, pass string) (*smtptest.Server, *smtp.Provider) {
	srv := smtptest.NewServer(t, smtptest.Options{Security: sec, Username: user, Password: password})
	c := config(srv)
	c.TLS = smtp.TLSStartTLS
	if sec == smtptest.ImplicitTLS {
		c.TLS = smtp.TLSImplicit
	}
	c.CAFile = srv.CAFile()
	c.Username, c.Password = user, pass
	return srv, newProvider(t, c)
}

func emailMessage() otp.OutgoingMessage {
	return otp.OutgoingMessage{
		ID:      "dlv_01HZX3",
		AppID:   "app_1",
		To:      "ivan@example.net",
		Channel: otp.Email,
		Locale:  "ru",
		Code:    "482913",
		Subject: "Ваш код подтверждения Acme: 482913",
		Body:    "Здравствуйте!\nВаш код подтверждения: 482913.\nОн действует 10 минут.",
		HTML:    "<p>Здравствуйте!</p><p>Ваш код подтверждения: <b>482913</b>.</p>",
	}
}

func providerError(t *testing.T, err error) *otp.ProviderError {
	t.Helper()
	var pe *otp.ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not an *otp.ProviderError", err, err)
	}
	return pe
}

func TestSendTextAndHTML(t *testing.T) {
	srv, p := plainServer(t)
	m := emailMessage()

	res, err := p.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if want := (otp.SendResult{Provider: "smtp", ProviderMessageID: "<dlv_01HZX3@example.com>"}); res != want {
		t.Errorf("Send = %+v, want %+v", res, want)
	}

	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.ParseError != nil {
		t.Fatalf("message does not parse: %v\n%s", got.ParseError, got.Data)
	}
	type parts struct {
		From, Subject, Text, HTML string
		To                        []string
	}
	want := parts{From: "otp@example.com", To: []string{"ivan@example.net"}, Subject: m.Subject, Text: m.Body, HTML: m.HTML}
	if diff := cmp.Diff(want, parts{got.From, got.Subject, got.Text, got.HTML, got.To}); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}

	headers := map[string]string{
		"Message-Id":               "<dlv_01HZX3@example.com>",
		"Auto-Submitted":           "auto-generated",
		"X-Auto-Response-Suppress": "All",
		"Content-Language":         "ru",
		"To":                       "<ivan@example.net>",
		"Mime-Version":             "1.0",
	}
	for key, want := range headers {
		if got := got.Header.Get(key); got != want {
			t.Errorf("header %s = %q, want %q", key, got, want)
		}
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("Content-Type = %q, want multipart/alternative", ct)
	}
	if _, err := got.Header.Date(); err != nil {
		t.Errorf("Date header: %v", err)
	}
	from, err := got.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Acme Вход" || from[0].Address != "otp@example.com" {
		t.Errorf("From = %v (%v), want Acme Вход <otp@example.com>", from, err)
	}
	// The subject is not Cyrillic on the wire: it travels as RFC 2047
	// encoded words, and so does the display name.
	rawSubject := got.Header.Get("Subject")
	if !strings.HasPrefix(rawSubject, "=?UTF-8?") || strings.ContainsFunc(rawSubject, func(r rune) bool { return r > 0x7e }) {
		t.Errorf("raw Subject %q is not RFC 2047 encoded", rawSubject)
	}
	for _, b := range got.Data {
		if b > 0x7e {
			t.Fatalf("message data has a non-ASCII byte %#x; parts should be quoted-printable", b)
		}
	}
}

func TestSendTextOnly(t *testing.T) {
	srv, p := plainServer(t)
	m := emailMessage()
	m.HTML = ""
	m.Locale = "en-GB"
	m.Subject = "Your Acme code"
	m.Body = "Your Acme verification code is 482913."

	if _, err := p.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if got.Text != m.Body || got.HTML != "" || got.Subject != m.Subject {
		t.Errorf("text %q, html %q, subject %q; want %q, \"\", %q", got.Text, got.HTML, got.Subject, m.Body, m.Subject)
	}
	if cl := got.Header.Get("Content-Language"); cl != "en-GB" {
		t.Errorf("Content-Language = %q, want en-GB", cl)
	}
}

func TestSendReplyTo(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{})
	c := config(srv)
	c.TLS = smtp.TLSNone
	c.ReplyTo = "support@example.com"
	c.Name = "smtp-eu"
	p := newProvider(t, c)

	res, err := p.Send(t.Context(), emailMessage())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Provider != "smtp-eu" {
		t.Errorf("Provider = %q, want smtp-eu", res.Provider)
	}
	if got := srv.Messages()[0].Header.Get("Reply-To"); got != "<support@example.com>" {
		t.Errorf("Reply-To = %q, want <support@example.com>", got)
	}
}

func TestSendOverTLSWithAuth(t *testing.T) {
	for _, sec := range []smtptest.Security{smtptest.STARTTLS, smtptest.ImplicitTLS} {
		t.Run(strconv.Itoa(int(sec)), func(t *testing.T) {
			srv, p := tlsServer(t, sec, password)
			m := emailMessage()
			if _, err := p.Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			if !msgs[0].TLS || msgs[0].AuthUser != user {
				t.Errorf("message TLS %v, user %q; want true, %q", msgs[0].TLS, msgs[0].AuthUser, user)
			}
			if msgs[0].Text != m.Body || msgs[0].HTML != m.HTML {
				t.Errorf("parts %q / %q, want %q / %q", msgs[0].Text, msgs[0].HTML, m.Body, m.HTML)
			}
		})
	}
}

func TestSendUntrustedCertificate(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{Security: smtptest.STARTTLS})
	c := config(srv) // no ca_file: the fake's certificate is self-signed
	p := newProvider(t, c)

	_, err := p.Send(t.Context(), emailMessage())
	pe := providerError(t, err)
	if pe.Permanent || !pe.Refused {
		t.Errorf("TLS failure: Permanent %v, Refused %v; want false, true (%v)", pe.Permanent, pe.Refused, pe)
	}
	if !strings.Contains(pe.Message, "certificate") {
		t.Errorf("Message = %q, want it to mention the certificate", pe.Message)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestStartTLSRequired(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{}) // offers no STARTTLS
	c := config(srv)                                 // tls defaults to starttls
	p := newProvider(t, c)

	_, err := p.Send(t.Context(), emailMessage())
	pe := providerError(t, err)
	if pe.Permanent || !pe.Refused || !strings.Contains(pe.Message, "STARTTLS") {
		t.Errorf("error = %+v, want a refusal about STARTTLS", pe)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages over plain text, want 0", n)
	}
}

func TestImplicitTLSToPlainServer(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{}) // greets in plain text
	c := config(srv)
	c.TLS = smtp.TLSImplicit
	p := newProvider(t, c)

	_, err := p.Send(t.Context(), emailMessage())
	pe := providerError(t, err)
	if pe.Permanent || !pe.Refused {
		t.Errorf("failed handshake: Permanent %v, Refused %v; want false, true (%v)", pe.Permanent, pe.Refused, pe)
	}
}

func TestHELO(t *testing.T) {
	tests := []struct {
		name, helo, from, want string
	}{
		{"configured", "mail-out.example.org", "otp@example.com", "mail-out.example.org"},
		{"the domain of from", "", "otp@Login.Example.com", "login.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := plainServer(t)
			c := config(srv)
			c.TLS, c.HELO, c.From = smtp.TLSNone, tt.helo, tt.from
			p := newProvider(t, c)
			if _, err := p.Send(t.Context(), emailMessage()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sessions := srv.Sessions()
			if len(sessions) != 1 || sessions[0].Helo != tt.want {
				t.Errorf("sessions %+v, want one with EHLO %q", sessions, tt.want)
			}
		})
	}
}

// TestSMTPUTF8: SMTPUTF8 is asked for only when the recipient's local part
// is not ASCII; a Unicode domain goes as IDNA A-labels without it.
func TestSMTPUTF8(t *testing.T) {
	tests := []struct {
		name       string
		to         string
		noSMTPUTF8 bool   // the server does not offer SMTPUTF8
		wantRcpt   string // RCPT TO, and the To header's address; "" when refused
		wantUTF8   bool
	}{
		{"ascii", "ivan@example.net", false, "ivan@example.net", false},
		{"ascii, server without smtputf8", "ivan@example.net", true, "ivan@example.net", false},
		{"unicode domain as a-labels", "ivan@пример.рф", false, "ivan@xn--e1afmkfd.xn--p1ai", false},
		{"unicode domain, server without smtputf8", "ivan@Пример.РФ", true, "ivan@xn--e1afmkfd.xn--p1ai", false},
		{"unicode local part", "иван@example.net", false, "иван@example.net", true},
		{"unicode local part and domain", "иван@пример.рф", false, "иван@xn--e1afmkfd.xn--p1ai", true},
		{"unicode local part, server without smtputf8", "иван@example.net", true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, smtptest.Options{NoSMTPUTF8: tt.noSMTPUTF8})
			c := config(srv)
			c.TLS = smtp.TLSNone
			p := newProvider(t, c)
			m := emailMessage()
			m.To = tt.to

			_, err := p.Send(t.Context(), m)
			if tt.wantRcpt == "" {
				pe := providerError(t, err)
				if pe.Permanent || !pe.Refused || !strings.Contains(pe.Message, "SMTPUTF8") {
					t.Errorf("error = %+v, want a refusal naming SMTPUTF8", pe)
				}
				if strings.Contains(err.Error(), "иван") {
					t.Errorf("error %q reveals the recipient", err)
				}
				if sessions := srv.Sessions(); len(sessions) != 1 || sessions[0].Mails != 0 {
					t.Errorf("sessions %+v, want one without MAIL FROM", sessions)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			got := msgs[0]
			if got.SMTPUTF8 != tt.wantUTF8 {
				t.Errorf("MAIL FROM SMTPUTF8 = %v, want %v", got.SMTPUTF8, tt.wantUTF8)
			}
			if got.From != "otp@example.com" || got.BodyType != "8BITMIME" {
				t.Errorf("MAIL FROM:<%s> BODY=%s, want otp@example.com and 8BITMIME", got.From, got.BodyType)
			}
			if diff := cmp.Diff([]string{tt.wantRcpt}, got.To); diff != "" {
				t.Errorf("RCPT TO (-want +got):\n%s", diff)
			}
			if h := got.Header.Get("To"); h != "<"+tt.wantRcpt+">" {
				t.Errorf("To header = %q, want <%s>", h, tt.wantRcpt)
			}
		})
	}
}

func TestWrongPassword(t *testing.T) {
	srv, p := tlsServer(t, smtptest.STARTTLS, "wrong")

	_, err := p.Send(t.Context(), emailMessage())
	pe := providerError(t, err)
	want := &otp.ProviderError{Provider: "smtp", Code: "535 5.7.8", Message: "Authentication failed", Refused: true}
	if diff := cmp.Diff(want, pe); diff != "" {
		t.Errorf("Send error (-want +got):\n%s", diff)
	}
	if errors.Is(err, otp.ErrPermanent) {
		t.Error("a rejected login is permanent; it should fail over")
	}

	err = p.Check(t.Context())
	if diff := cmp.Diff(want, providerError(t, err)); diff != "" {
		t.Errorf("Check error (-want +got):\n%s", diff)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestSendRefusals(t *testing.T) {
	const (
		transient = iota
		refused
		permanent
	)
	tests := []struct {
		name    string
		stage   smtptest.Stage
		fault   smtptest.Fault
		code    string
		message string
		class   int
	}{
		// The recipient: no provider can help.
		{"recipient unknown", smtptest.Rcpt, smtptest.Reject(550, "5.1.1", "User unknown"), "550 5.1.1", "User unknown", permanent},
		{"mailbox unavailable", smtptest.Rcpt, smtptest.Reject(550, "", "Mailbox unavailable"), "550 5.0.0", "Mailbox unavailable", permanent},
		{"user not local", smtptest.Rcpt, smtptest.Reject(551, "", "User not local"), "551 5.0.0", "User not local", permanent},
		{"mailbox disabled", smtptest.Rcpt, smtptest.Reject(550, "5.2.1", "Mailbox disabled"), "550 5.2.1", "Mailbox disabled", permanent},
		{"mailbox name not allowed, X.0.0", smtptest.Rcpt, smtptest.Reject(553, "", "Mailbox name not allowed"), "553 5.0.0", "Mailbox name not allowed", permanent},
		{"bad address syntax", smtptest.Rcpt, smtptest.Reject(501, "5.5.2", "Bad recipient address syntax"), "501 5.5.2", "Bad recipient address syntax", permanent},
		{"recipient rejected after data", smtptest.Data, smtptest.Reject(550, "5.1.1", "Recipient not found"), "550 5.1.1", "Recipient not found", permanent},
		// Us or the message: another provider may deliver.
		{"relaying denied", smtptest.Rcpt, smtptest.Reject(554, "5.7.1", "Relay access denied"), "554 5.7.1", "Relay access denied", refused},
		{"relaying denied as 550", smtptest.Rcpt, smtptest.Reject(550, "5.7.1", "Relaying denied"), "550 5.7.1", "Relaying denied", refused},
		{"sender rejected", smtptest.Mail, smtptest.Reject(550, "5.7.1", "Sender address rejected: not owned by user"), "550 5.7.1", "Sender address rejected: not owned by user", refused},
		{"authentication required", smtptest.Mail, smtptest.Reject(530, "5.7.0", "Authentication required"), "530 5.7.0", "Authentication required", refused},
		{"message too big", smtptest.Data, smtptest.Reject(552, "5.3.4", "Message size exceeds fixed limit"), "552 5.3.4", "Message size exceeds fixed limit", refused},
		{"content rejected", smtptest.Data, smtptest.Reject(554, "5.7.1", "Message rejected as spam"), "554 5.7.1", "Message rejected as spam", refused},
		{"hello refused", smtptest.Hello, smtptest.Reject(554, "5.7.1", "Go away"), "554 5.7.1", "Go away", refused},
		// For now: retry.
		{"recipient greylisted", smtptest.Rcpt, smtptest.Reject(450, "4.2.0", "Greylisted, try again later"), "450 4.2.0", "Greylisted, try again later", transient},
		{"sender quota", smtptest.Mail, smtptest.Reject(452, "4.3.1", "Insufficient system storage"), "452 4.3.1", "Insufficient system storage", transient},
		{"data deferred", smtptest.Data, smtptest.Reject(451, "4.3.0", "Temporary local problem"), "451 4.3.0", "Temporary local problem", transient},
		{"hello deferred", smtptest.Hello, smtptest.Reject(421, "4.3.2", "Service not available"), "421 4.3.2", "Service not available", transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := plainServer(t)
			srv.SetFault(tt.stage, tt.fault)

			_, err := p.Send(t.Context(), emailMessage())
			want := &otp.ProviderError{Provider: "smtp", Code: tt.code, Message: tt.message,
				Permanent: tt.class == permanent, Refused: tt.class == refused}
			if diff := cmp.Diff(want, providerError(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got := errors.Is(err, otp.ErrPermanent); got != want.Permanent {
				t.Errorf("errors.Is(err, ErrPermanent) = %v, want %v", got, want.Permanent)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server kept %d messages, want 0", n)
			}
		})
	}
}

func TestRecipientRejectedRedactsAddress(t *testing.T) {
	srv, p := plainServer(t)
	m := emailMessage()
	srv.RejectRecipient(m.To)

	_, err := p.Send(t.Context(), m)
	pe := providerError(t, err)
	want := &otp.ProviderError{
		Provider:  "smtp",
		Code:      "550 5.1.1",
		Message:   "<[address]>: Recipient address rejected: User unknown in virtual mailbox table",
		Permanent: true,
	}
	if diff := cmp.Diff(want, pe); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if strings.Contains(err.Error(), m.To) {
		t.Errorf("error %q reveals the recipient", err)
	}
}

func TestSendConnectionFailures(t *testing.T) {
	tests := []struct {
		name  string
		stage smtptest.Stage
		fault smtptest.Fault
	}{
		{"dropped before greeting", smtptest.Connect, smtptest.Fault{Drop: true}},
		{"dropped at MAIL", smtptest.Mail, smtptest.Fault{Drop: true}},
		{"dropped during DATA", smtptest.Data, smtptest.Fault{Drop: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := plainServer(t)
			srv.SetFault(tt.stage, tt.fault)

			_, err := p.Send(t.Context(), emailMessage())
			pe := providerError(t, err)
			if pe.Permanent || pe.Refused || pe.Code != "" || pe.Message == "" {
				t.Errorf("error = %+v, want a transient one without a reply code", pe)
			}
		})
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now

	p := newProvider(t, smtp.Config{Host: "127.0.0.1", Port: port, TLS: smtp.TLSNone, From: "otp@example.com"})
	_, err = p.Send(t.Context(), emailMessage())
	pe := providerError(t, err)
	if pe.Permanent || pe.Refused || !strings.Contains(pe.Message, "refused") {
		t.Errorf("Send error = %+v, want a transient connection refusal", pe)
	}
	if err := p.Check(t.Context()); err == nil {
		t.Error("Check succeeded with nothing listening")
	}
}

func TestSendTimeout(t *testing.T) {
	tests := []struct {
		name  string
		stage smtptest.Stage
	}{
		{"slow greeting", smtptest.Connect},
		{"slow MAIL", smtptest.Mail},
		{"slow DATA", smtptest.Data},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, smtptest.Options{})
			// The fault outlasts the test; closing the server ends it.
			srv.SetFault(tt.stage, smtptest.Fault{Delay: time.Hour})
			c := config(srv)
			c.TLS = smtp.TLSNone
			c.Timeout = 100 * time.Millisecond
			p := newProvider(t, c)

			_, err := p.Send(t.Context(), emailMessage())
			pe := providerError(t, err)
			if pe.Permanent || pe.Refused || !strings.Contains(pe.Message, "no answer within 100ms") {
				t.Errorf("error = %+v, want a transient timeout", pe)
			}
		})
	}
}

func TestSendCancelled(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{})
	srv.SetFault(smtptest.Mail, smtptest.Fault{Delay: time.Hour})
	c := config(srv)
	c.TLS = smtp.TLSNone
	c.Timeout = time.Hour // only the cancellation can end the send
	p := newProvider(t, c)

	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// Cancel once the send is stuck waiting for the MAIL reply.
		for len(srv.Sessions()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	errc := make(chan error, 1)
	go func() {
		_, err := p.Send(ctx, emailMessage())
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(time.Minute): // a hang, not a speed limit
		t.Fatal("Send did not return after its context was cancelled")
	}
	pe := providerError(t, err)
	if pe.Permanent || pe.Refused || !strings.Contains(pe.Message, "cancel") {
		t.Errorf("error = %+v, want a transient cancellation", pe)
	}
}

func TestSendInvalidInput(t *testing.T) {
	tests := []struct {
		name string
		edit func(*otp.OutgoingMessage)
		perm bool
	}{
		{"not an address", func(m *otp.OutgoingMessage) { m.To = "ivan at example" }, true},
		{"header injection", func(m *otp.OutgoingMessage) { m.To = "ivan@example.net\r\nBcc: x@example.org" }, true},
		{"invalid internationalised domain", func(m *otp.OutgoingMessage) { m.To = "ivan@пример-.рф" }, true},
		{"sms channel", func(m *otp.OutgoingMessage) { m.Channel = otp.SMS }, false},
		{"no body", func(m *otp.OutgoingMessage) { m.Body, m.HTML = "", "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := plainServer(t)
			m := emailMessage()
			tt.edit(&m)

			_, err := p.Send(t.Context(), m)
			pe := providerError(t, err)
			// What is not the recipient's fault is the message's or
			// this provider's: refused.
			if pe.Permanent != tt.perm || pe.Refused == tt.perm {
				t.Errorf("Permanent, Refused = %v, %v; want %v, %v (%v)", pe.Permanent, pe.Refused, tt.perm, !tt.perm, pe)
			}
			if n := len(srv.Sessions()); n != 0 {
				t.Errorf("Send opened %d connections, want 0", n)
			}
		})
	}
}

func TestMessageIDStable(t *testing.T) {
	srv, p := plainServer(t)
	m := emailMessage()
	other := m
	other.ID = "dlv_01HZX4"

	var ids []string
	for _, msg := range []otp.OutgoingMessage{m, m, other} {
		res, err := p.Send(t.Context(), msg)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		ids = append(ids, res.ProviderMessageID)
	}
	want := []string{"<dlv_01HZX3@example.com>", "<dlv_01HZX3@example.com>", "<dlv_01HZX4@example.com>"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("ProviderMessageIDs (-want +got):\n%s", diff)
	}
	var headers []string
	for _, msg := range srv.Messages() {
		headers = append(headers, msg.Header.Get("Message-Id"))
	}
	if diff := cmp.Diff(want, headers); diff != "" {
		t.Errorf("Message-ID headers (-want +got):\n%s", diff)
	}
}

func TestSendConcurrent(t *testing.T) {
	srv, p := tlsServer(t, smtptest.STARTTLS, password)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			m := emailMessage()
			m.ID = "dlv_" + strconv.Itoa(i)
			_, err := p.Send(t.Context(), m)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Send: %v", err)
		}
	}
	got := map[string]bool{}
	for _, m := range srv.Messages() {
		got[m.Header.Get("Message-Id")] = true
	}
	want := map[string]bool{}
	for i := range n {
		want["<dlv_"+strconv.Itoa(i)+"@example.com>"] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Message-IDs received (-want +got):\n%s", diff)
	}
}

func TestMessageID(t *testing.T) {
	if got, want := smtp.MessageID("dlv_1", "example.com"), "dlv_1@example.com"; got != want {
		t.Errorf("MessageID = %q, want %q", got, want)
	}
	// An ID that cannot stand in a Message-ID is hashed, still stably.
	odd := smtp.MessageID("dlv 1<>", "example.com")
	if odd != smtp.MessageID("dlv 1<>", "example.com") {
		t.Error("MessageID of an odd ID is not stable")
	}
	if strings.ContainsAny(odd, " <>") || !strings.HasSuffix(odd, "@example.com") {
		t.Errorf("MessageID(odd) = %q, want a dot-atom at example.com", odd)
	}
	if odd == smtp.MessageID("dlv 2<>", "example.com") {
		t.Error("different odd IDs share a Message-ID")
	}
}

func TestCheck(t *testing.T) {
	for _, sec := range []smtptest.Security{smtptest.STARTTLS, smtptest.ImplicitTLS} {
		t.Run(strconv.Itoa(int(sec)), func(t *testing.T) {
			srv, p := tlsServer(t, sec, password)
			if err := p.Check(t.Context()); err != nil {
				t.Fatalf("Check: %v", err)
			}
			want := []smtptest.Session{{Helo: "otpd.test", TLS: true, AuthUser: user}}
			if diff := cmp.Diff(want, srv.Sessions()); diff != "" {
				t.Errorf("sessions (-want +got):\n%s", diff)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("Check sent %d messages", n)
			}
		})
	}
}

func TestChannels(t *testing.T) {
	_, p := plainServer(t)
	if diff := cmp.Diff([]otp.Channel{otp.Email}, p.Channels()); diff != "" {
		t.Errorf("Channels (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	valid := smtp.Config{Host: "smtp.example.com", From: "otp@example.com"}
	tests := []struct {
		name string
		edit func(*smtp.Config)
		want string // "" for valid
	}{
		{"minimal", func(*smtp.Config) {}, ""},
		{"full", func(c *smtp.Config) {
			*c = smtp.Config{Host: "smtp.example.com", Port: 465, Username: "u", Password: "p", TLS: "tls",
				CAFile: "/etc/ssl/relay.pem", From: "otp@example.com", FromName: "Acme", HELO: "otpd.example.com",
				Timeout: 5 * time.Second, ReplyTo: "help@example.com"}
		}, ""},
		{"no host", func(c *smtp.Config) { c.Host = "" }, "host is required"},
		{"host with port", func(c *smtp.Config) { c.Host = "smtp.example.com:587" }, "host must be a host name or IP address, without scheme, port or brackets"},
		{"host as URL", func(c *smtp.Config) { c.Host = "smtp://smtp.example.com" }, "host must be a host name or IP address, without scheme, port or brackets"},
		{"port", func(c *smtp.Config) { c.Port = 70000 }, "port must be between 1 and 65535"},
		{"tls value", func(c *smtp.Config) { c.TLS = "ssl" }, "tls must be one of starttls, tls or none"},
		{"plaintext to remote", func(c *smtp.Config) { c.TLS = "none" }, "tls: none sends the password and every code in plain text; it is allowed only for a loopback host (localhost, 127.0.0.1, ::1) or with allow_insecure: true"},
		{"plaintext to remote allowed", func(c *smtp.Config) { c.TLS, c.AllowInsecure = "none", true }, ""},
		{"plaintext to localhost", func(c *smtp.Config) { c.TLS, c.Host = "none", "localhost" }, ""},
		{"plaintext to 127.0.0.2", func(c *smtp.Config) { c.TLS, c.Host = "none", "127.0.0.2" }, ""},
		{"plaintext to ::1", func(c *smtp.Config) { c.TLS, c.Host = "none", "::1" }, ""},
		{"plaintext to private address", func(c *smtp.Config) { c.TLS, c.Host = "none", "10.0.0.5" }, "tls: none sends the password and every code in plain text; it is allowed only for a loopback host (localhost, 127.0.0.1, ::1) or with allow_insecure: true"},
		{"password alone", func(c *smtp.Config) { c.Password = "p" }, "username is required with password"},
		{"username alone", func(c *smtp.Config) { c.Username = "u" }, "password is required with username"},
		{"no from", func(c *smtp.Config) { c.From = "" }, "from is required"},
		{"from with name", func(c *smtp.Config) { c.From = "Acme <otp@example.com>" }, "from must be a plain ASCII email address such as otp@example.com (the display name goes in from_name)"},
		{"from not an address", func(c *smtp.Config) { c.From = "otp" }, "from must be a plain ASCII email address such as otp@example.com (the display name goes in from_name)"},
		{"from not ASCII", func(c *smtp.Config) { c.From = "otp@пример.рф" }, "from must be a plain ASCII email address such as otp@example.com (the display name goes in from_name)"},
		{"from_name two lines", func(c *smtp.Config) { c.FromName = "Acme\r\nBcc: x@example.org" }, "from_name must be a single line"},
		{"reply_to", func(c *smtp.Config) { c.ReplyTo = "help" }, "reply_to must be a plain ASCII email address such as support@example.com"},
		{"helo", func(c *smtp.Config) { c.HELO = "my host" }, "helo must be a host name"},
		{"timeout", func(c *smtp.Config) { c.Timeout = -time.Second }, "timeout must be a positive duration such as 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.edit(&c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
			if _, err := smtp.New(c); tt.want != "" && (err == nil || err.Error() != tt.want) {
				t.Errorf("New error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNewCAFile(t *testing.T) {
	c := smtp.Config{Host: "smtp.example.com", From: "otp@example.com", CAFile: t.TempDir() + "/missing.pem"}
	if _, err := smtp.New(c); err == nil || !strings.HasPrefix(err.Error(), "ca_file") {
		t.Errorf("New with a missing ca_file: error %v, want one naming ca_file", err)
	}
}

func TestConfigYAML(t *testing.T) {
	doc := `
host: smtp.example.com
port: 2525
username: otpd
password: s3cret
tls: tls
allow_insecure: true
ca_file: /etc/otpd/relay-ca.pem
from: otp@example.com
from_name: Acme
helo: otpd.example.com
timeout: 3s
reply_to: help@example.com
`
	var got smtp.Config
	if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	want := smtp.Config{Host: "smtp.example.com", Port: 2525, Username: "otpd", Password: "s3cret", TLS: "tls",
		AllowInsecure: true, CAFile: "/etc/otpd/relay-ca.pem", From: "otp@example.com", FromName: "Acme",
		HELO: "otpd.example.com", Timeout: 3 * time.Second, ReplyTo: "help@example.com"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded Config (-want +got):\n%s", diff)
	}
}
