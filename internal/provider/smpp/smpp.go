// Package smpp sends SMS through an SMSC over SMPP 3.4: one transceiver
// bind that submits messages, keeps itself alive with enquire_link,
// reconnects with exponential backoff when the connection drops, and turns
// the SMSC's delivery receipts into otp.Receipts.
//
// Sends from many goroutines share the bind and its window of outstanding
// submit_sm. A message is encoded in the GSM 7-bit alphabet when it can be
// and in UCS-2 otherwise, and long messages are split into concatenated
// parts; the first part's message id identifies the message, and a
// receipt for any of its parts is mapped back to it (see partTracker).
// Every part carries the code's expiry as its validity_period, so the
// SMSC stops trying to deliver a code once it is useless.
package smpp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/otpd/otpd/internal/otp"
)

// Config is an SMPP provider's settings. Durations are Go duration
// strings in YAML ("30s", "1m").
type Config struct {
	// Name is the instance name the operator gave the provider; "smpp"
	// if empty.
	Name string `yaml:"-"`

	Addr       string `yaml:"addr"`        // SMSC host:port
	SystemID   string `yaml:"system_id"`   // bind login
	Password   string `yaml:"password"`    // bind password
	SystemType string `yaml:"system_type"` // bind system_type; often empty

	// SourceAddr is the sender: an alphanumeric sender id (at most 11
	// characters) or a number; empty lets the SMSC choose.
	SourceAddr string `yaml:"source_addr"`
	// AllowCallerID lets a message's CallerID replace SourceAddr.
	AllowCallerID bool `yaml:"allow_caller_id"`
	// RequestReceipts asks the SMSC for delivery receipts
	// (registered_delivery 1); default true.
	RequestReceipts *bool `yaml:"receipts"`

	// Window is how many submit_sm may await their response at once;
	// default 10.
	Window int `yaml:"window"`
	// EnquireLink is the interval of the keep-alive; default 30s. The
	// connection counts as lost after EnquireLink+Timeout without a PDU.
	EnquireLink time.Duration `yaml:"enquire_link"`
	// Timeout bounds connecting and binding, writing a PDU, and waiting
	// for a submit_sm_resp; default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// ThrottleBackoff is the RetryAfter of a message refused with
	// ESME_RTHROTTLED or ESME_RMSGQFUL; default 1s.
	ThrottleBackoff time.Duration `yaml:"throttle_backoff"`
	// ReconnectMin and ReconnectMax bound the exponential backoff between
	// connection attempts; defaults 1s and 1m.
	ReconnectMin time.Duration `yaml:"reconnect_min"`
	ReconnectMax time.Duration `yaml:"reconnect_max"`

	// Receipts records delivery receipts; nil drops them.
	Receipts otp.ReceiptSink `yaml:"-"`
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger `yaml:"-"`
}

// Defaults of the optional settings.
const (
	DefaultWindow          = 10
	DefaultEnquireLink     = 30 * time.Second
	DefaultTimeout         = 10 * time.Second
	DefaultThrottleBackoff = time.Second
	DefaultReconnectMin    = time.Second
	DefaultReconnectMax    = time.Minute
)

// maxWindow bounds window: SMSCs allow a few dozen outstanding requests
// at most, so a larger value is a typo.
const maxWindow = 1000

// Validate reports the first setting that is missing or out of range,
// naming its YAML key.
func (c Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("addr is required")
	case c.SystemID == "":
		return errors.New("system_id is required")
	// Lengths are the SMPP 3.4 field sizes less the terminating NUL.
	case len(c.SystemID) > 15:
		return errors.New("system_id must be at most 15 characters")
	case len(c.Password) > 8:
		return errors.New("password must be at most 8 characters")
	case len(c.SystemType) > 12:
		return errors.New("system_type must be at most 12 characters")
	case c.Window < 0 || c.Window > maxWindow:
		return fmt.Errorf("window must be between 1 and %d", maxWindow)
	case c.EnquireLink < 0, c.Timeout < 0, c.ThrottleBackoff < 0, c.ReconnectMin < 0, c.ReconnectMax < 0:
		return errors.New("enquire_link, timeout, throttle_backoff, reconnect_min and reconnect_max must not be negative")
	case c.ReconnectMin > 0 && c.ReconnectMax > 0 && c.ReconnectMin > c.ReconnectMax:
		return errors.New("reconnect_min must not exceed reconnect_max")
	}
	if _, err := parseSource(c.SourceAddr); err != nil {
		return fmt.Errorf("source_addr: %w", err)
	}
	return nil
}

// Provider sends SMS over one SMPP transceiver bind. It is safe for
// concurrent use. It connects on first use and must be closed.
type Provider struct {
	cfg    Config
	name   string
	source address
	log    *slog.Logger

	window   chan struct{} // a token per outstanding submit_sm
	ref      atomic.Uint32 // concatenation reference of the next long message
	parts    *partTracker
	receiptq chan receiptJob

	startOnce sync.Once
	done      chan struct{} // closed by Close
	wg        sync.WaitGroup

	live    atomic.Pointer[link] // the bound link, read without mu on the hot path
	mu      sync.Mutex
	cur     *link         // the bound link, nil while connecting
	lastErr error         // why the latest connection attempt failed; nil if it did not
	closed  bool          // Close was called
	changed chan struct{} // closed and replaced when cur, lastErr or closed change
}

var (
	_ otp.Sender  = (*Provider)(nil)
	_ otp.Checker = (*Provider)(nil)
)

// receiptWorkers record receipts in parallel, so that one slow sink call
// does not hold up the others.
const receiptWorkers = 4

// New validates c, fills in its defaults and returns a provider. It does
// not connect: the first Send or Check does.
func New(c Config) (*Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Name == "" {
		c.Name = "smpp"
	}
	if c.RequestReceipts == nil {
		yes := true
		c.RequestReceipts = &yes
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	def(&c.EnquireLink, DefaultEnquireLink)
	def(&c.Timeout, DefaultTimeout)
	def(&c.ThrottleBackoff, DefaultThrottleBackoff)
	def(&c.ReconnectMin, DefaultReconnectMin)
	def(&c.ReconnectMax, max(DefaultReconnectMax, c.ReconnectMin))
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	src, _ := parseSource(c.SourceAddr) // checked by Validate
	return &Provider{
		cfg:      c,
		name:     c.Name,
		source:   src,
		log:      c.Logger,
		window:   make(chan struct{}, c.Window),
		parts:    newPartTracker(),
		receiptq: make(chan receiptJob, 64),
		done:     make(chan struct{}),
		changed:  make(chan struct{}),
	}, nil
}

// Channels reports that the provider delivers SMS.
func (p *Provider) Channels() []otp.Channel { return []otp.Channel{otp.SMS} }

// Send submits m and waits for the SMSC to accept or refuse it, or for
// ctx to end. It returns the SMSC's message id (the first part's, for a
// long message). Refusals are *otp.ProviderError, classified as
// submitClass says; the end of ctx is returned wrapped. The message's
// validity period is the code's expiry, so that the SMSC gives up on a
// code nobody can use any more.
func (p *Provider) Send(ctx context.Context, m otp.OutgoingMessage) (otp.SendResult, error) {
	if m.Channel != otp.SMS {
		return otp.SendResult{}, p.fail(refused, "smpp delivers sms only, not "+string(m.Channel))
	}
	dest, ok := parseDestination(m.To)
	if !ok {
		return otp.SendResult{}, p.fail(permanent, "the destination is not an E.164 phone number")
	}
	if m.Body == "" {
		return otp.SendResult{}, p.fail(refused, "the message is empty")
	}
	src := p.source
	if p.cfg.AllowCallerID && m.CallerID != "" {
		// "Honoured where the provider allows it": a caller id that is
		// no valid sender falls back to the configured one.
		if a, err := parseSource(m.CallerID); err == nil {
			src = a
		}
	}
	text, err := encodeText(m.Body)
	if err != nil {
		return otp.SendResult{}, p.fail(refused, err.Error())
	}

	validity := absoluteTime(m.ExpiresAt)
	var g *partGroup
	if len(text.parts) > 1 && *p.cfg.RequestReceipts && p.cfg.Receipts != nil {
		g = newPartGroup(len(text.parts))
	}
	ref := byte(p.ref.Add(1))
	var first string
	for i, part := range text.parts {
		sm := p.submitSM(src, dest, validity, text.coding, part, ref, i, len(text.parts))
		id, err := p.submit(ctx, sm, g, i)
		if err != nil {
			if g != nil {
				p.parts.forget(g)
			}
			return otp.SendResult{}, err
		}
		if i == 0 {
			first = id
		}
	}
	return otp.SendResult{Provider: p.name, ProviderMessageID: first}, nil
}

// submitSM builds the submit_sm of part i of n; validity is its
// validity_period, "" for the SMSC's default.
func (p *Provider) submitSM(src, dest address, validity string, coding byte, part []byte, ref byte, i, n int) *pdu.SubmitSM {
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	sm.SourceAddr = src.pdu()
	sm.DestAddr = dest.pdu()
	sm.ValidityPeriod = validity
	if *p.cfg.RequestReceipts {
		sm.RegisteredDelivery = 1 // a receipt on final success or failure
	}
	enc := data.GSM7BIT
	if coding == codingUCS2 {
		enc = data.UCS2
	}
	// Parts are at most 140 octets, within the 254 the call checks for.
	sm.Message, _ = pdu.NewBinaryShortMessageWithEncoding(part, enc)
	if n > 1 {
		sm.EsmClass |= esmUDHI
		sm.Message.SetUDH(pdu.UDH{pdu.NewIEConcatMessage(byte(n), byte(i+1), ref)})
	}
	return sm
}

// submit sends one submit_sm within the window and waits for its response.
func (p *Provider) submit(ctx context.Context, sm *pdu.SubmitSM, g *partGroup, part int) (string, error) {
	for {
		l, a, err := p.submitOnce(ctx, sm, g, part)
		if err != nil {
			return "", err
		}
		if !errors.Is(a.err, errNotSent) {
			return p.submitted(a)
		}
		// gosmpp refused the PDU because the connection is closing: the
		// SMSC never saw it, so it goes out on the next connection.
		select {
		case <-l.down:
		case <-ctx.Done():
			return "", p.ended(ctx)
		}
	}
}

// submitOnce sends sm on the current link and returns the link and the
// answer; err is set when there was none to wait for.
func (p *Provider) submitOnce(ctx context.Context, sm *pdu.SubmitSM, g *partGroup, part int) (*link, answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, answer{}, p.ended(ctx)
	}
	select {
	case p.window <- struct{}{}:
	case <-ctx.Done():
		return nil, answer{}, p.ended(ctx)
	}
	l, err := p.link(ctx)
	if err != nil {
		<-p.window
		return nil, answer{}, err
	}
	req := &request{
		answer:  make(chan answer, 1),
		release: func() { <-p.window },
		group:   g,
		part:    part,
	}
	seq := sm.GetSequenceNumber()
	l.send(sm, req)

	timer := time.NewTimer(p.cfg.Timeout)
	defer timer.Stop()
	select {
	case a := <-req.answer:
		return l, a, nil
	case <-timer.C:
		l.expire(seq)
		return l, answer{}, p.fail(transient, fmt.Sprintf("no submit_sm_resp within %s", p.cfg.Timeout))
	case <-ctx.Done():
		// The SMSC still counts the request as outstanding, so its
		// window slot is held until the answer or the timeout.
		l.expireAfter(seq, p.cfg.Timeout)
		return l, answer{}, p.ended(ctx)
	}
}

// submitted interprets the answer to a submit_sm.
func (p *Provider) submitted(a answer) (string, error) {
	if a.err != nil {
		return "", a.err
	}
	h := a.resp.GetHeader()
	if h.CommandStatus != data.ESME_ROK {
		return "", statusError(p.name, h.CommandStatus, submitClass(h.CommandStatus), p.cfg.ThrottleBackoff)
	}
	resp, ok := a.resp.(*pdu.SubmitSMResp)
	if !ok {
		return "", p.fail(transient, fmt.Sprintf("unexpected %s in answer to submit_sm", h.CommandID))
	}
	if resp.MessageID == "" {
		return "", p.fail(transient, "submit_sm_resp without a message_id")
	}
	return resp.MessageID, nil
}

// Check connects and binds if not yet bound, then exchanges an
// enquire_link with the SMSC; it sends no message.
func (p *Provider) Check(ctx context.Context) error {
	l, err := p.link(ctx)
	if err != nil {
		return err
	}
	el := pdu.NewEnquireLink()
	req := &request{answer: make(chan answer, 1)}
	l.send(el, req)
	timer := time.NewTimer(p.cfg.Timeout)
	defer timer.Stop()
	select {
	case a := <-req.answer:
		switch {
		case errors.Is(a.err, errNotSent):
			return l.lost()
		case a.err != nil:
			return a.err
		case a.resp.GetHeader().CommandStatus != data.ESME_ROK:
			return statusError(p.name, a.resp.GetHeader().CommandStatus, submitClass(a.resp.GetHeader().CommandStatus), 0)
		}
		return nil
	case <-timer.C:
		l.expire(el.GetSequenceNumber())
		return p.fail(transient, fmt.Sprintf("no enquire_link_resp within %s", p.cfg.Timeout))
	case <-ctx.Done():
		l.expire(el.GetSequenceNumber())
		return p.ended(ctx)
	}
}

// Close stops reconnecting, gives outstanding submit_sm up to Timeout to
// be answered, then unbinds and closes the connection. Sends after Close
// fail.
func (p *Provider) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	l := p.cur
	p.notify()
	p.mu.Unlock()
	p.live.Store(nil)
	close(p.done)

	if l != nil {
		l.drain(p.cfg.Timeout)
	}
	p.wg.Wait()
	if l != nil {
		return l.close()
	}
	return nil
}

// fail is a failure of class c that has no command status: our own
// refusal of a message, a timeout, a lost connection.
func (p *Provider) fail(c class, msg string) *otp.ProviderError {
	return &otp.ProviderError{Provider: p.name, Message: msg, Permanent: c == permanent, Refused: c == refused}
}

// ended is the error of a send whose context ended.
func (p *Provider) ended(ctx context.Context) error {
	return fmt.Errorf("%s: %w", p.name, context.Cause(ctx))
}
