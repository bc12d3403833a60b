package smtp

import (
	"context"
	"crypto/tls"
	"net"
	"net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/otpd/otpd/internal/otp"
)

// conn is one connection to the server, from dial to close.
type conn struct {
	p       *Provider
	ctx     context.Context
	timeout time.Duration
	raw     *netConn
	stop    func() bool // unregisters the ctx watcher
	client  *gmsmtp.Client
}

// dial connects, says EHLO, switches to TLS and logs in, all through
// go-mail, within the provider's timeout. Failures are *otp.ProviderError.
func (p *Provider) dial(ctx context.Context) (*conn, error) {
	timeout := time.Until(p.deadline(ctx))
	c := &conn{p: p, ctx: ctx, timeout: timeout, raw: &netConn{}, stop: func() bool { return false }}
	if err := ctx.Err(); err != nil {
		return nil, c.fail(phaseConnect, err)
	}
	if timeout <= 0 {
		return nil, c.fail(phaseConnect, context.DeadlineExceeded)
	}
	// go-mail sets one deadline on the connection when it dials and
	// watches ctx only until then; cutting the connection is what makes
	// a cancelled ctx stop a send half-way.
	c.stop = context.AfterFunc(ctx, c.raw.close)

	opts := []gomail.Option{
		gomail.WithPort(p.cfg.Port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(p.tlsConf.Clone()),
		gomail.WithDialContextFunc(c.dialContext),
	}
	switch p.cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		// dialContext has done the handshake already. Opportunistic
		// makes go-mail read the TLS state of the connection, so it
		// knows the session is encrypted when it picks an AUTH
		// mechanism; a server on 465 does not offer STARTTLS again.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	opts = append(opts, gomail.WithHELO(p.helo))
	if p.cfg.Username != "" {
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(authMechanisms...),
			gomail.WithUsername(p.cfg.Username),
			gomail.WithPassword(p.cfg.Password))
	}
	gc, err := gomail.NewClient(p.cfg.Host, opts...)
	if err != nil {
		c.close()
		return nil, &otp.ProviderError{Provider: p.cfg.Name, Message: "configure client: " + clean(err.Error())}
	}
	client, err := gc.DialToSMTPClientWithContext(ctx)
	if err != nil {
		// go-mail leaves the connection open when EHLO, TLS or AUTH fail.
		defer c.close()
		return nil, c.fail(phaseConnect, err)
	}
	c.client = client
	return c, nil
}

// dialContext is go-mail's dialler: TCP, then for implicit TLS the
// handshake. Doing TLS here rather than with go-mail's WithSSL is what lets
// conn keep the TCP connection to cut.
func (c *conn) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	tcp, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if !c.raw.set(tcp) {
		return nil, net.ErrClosed // ctx was cancelled meanwhile
	}
	if c.p.cfg.TLS != TLSImplicit {
		return tcp, nil
	}
	tc := tls.Client(tcp, c.p.tlsConf.Clone())
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// transaction sends msg to one recipient: MAIL, RCPT, DATA, QUIT.
func (c *conn) transaction(msg *gomail.Msg, to recipient) error {
	// go-mail adds SMTPUTF8 to MAIL FROM whenever the server offers it;
	// it is asked for only when the recipient's address needs it (From
	// is ASCII), since a message declared SMTPUTF8 bounces at the first
	// relay after this server that lacks it.
	if to.utf8 {
		if ok, _ := c.client.Extension("SMTPUTF8"); !ok {
			return &otp.ProviderError{Provider: c.p.cfg.Name, Refused: true,
				Message: "the recipient's address is not ASCII and the server does not offer SMTPUTF8"}
		}
	}
	c.client.SkipSMTPUTF8(!to.utf8)
	// The envelope addresses are written as go-mail's own Send writes
	// them: angle brackets, local part quoted when it must be.
	if err := c.client.Mail((&mail.Address{Address: c.p.cfg.From}).String()); err != nil {
		return c.fail(phaseMail, err)
	}
	if err := c.client.Rcpt((&mail.Address{Address: to.addr}).String()); err != nil {
		return c.fail(phaseRcpt, err)
	}
	w, err := c.client.Data()
	if err != nil {
		return c.fail(phaseData, err)
	}
	if _, err := msg.WriteTo(w); err != nil {
		return c.fail(phaseContent, err)
	}
	if err := w.Close(); err != nil {
		return c.fail(phaseContent, err)
	}
	// The server has taken the message; a QUIT that fails changes nothing.
	_ = c.client.Quit()
	return nil
}

// close ends the connection however far it got.
func (c *conn) close() {
	c.stop()
	c.raw.close()
}
