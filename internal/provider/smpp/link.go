package smpp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/pdu"
)

// link is one bound transceiver session and the requests awaiting its
// answers. gosmpp runs the session: a goroutine writes the PDUs we submit
// and sends enquire_link, another reads and hands every PDU to onPDU.
// gosmpp's own rebinding (fixed interval) and window tracking (which
// drops a request when the window is full instead of waiting) are not
// used: the Provider reconnects with backoff and keeps the window itself.
type link struct {
	p     *Provider
	sess  atomic.Pointer[gosmpp.Session] // set once bound; callbacks may run before
	since time.Time

	mu      sync.Mutex
	pending map[int32]*request // by sequence number
	isDown  bool
	down    chan struct{} // closed when the session is over
}

// request is a PDU awaiting its response.
type request struct {
	answer  chan answer // buffered: receives exactly one answer
	release func()      // frees the window slot; nil outside the window
	group   *partGroup  // the long message the part belongs to, if tracked
	part    int
}

// answer is a response PDU, or why none will come.
type answer struct {
	resp pdu.PDU
	err  error
}

func (r *request) finish(a answer) {
	if r.release != nil {
		r.release()
	}
	r.answer <- a
}

// dial connects and binds a transceiver.
func (p *Provider) dial() (*link, error) {
	l := &link{p: p, pending: map[int32]*request{}, down: make(chan struct{}), since: time.Now()}
	settings := gosmpp.Settings{
		// A PDU arrives at least every EnquireLink (the answer to ours),
		// so a longer silence means the connection is gone.
		ReadTimeout:   p.cfg.EnquireLink + p.cfg.Timeout,
		WriteTimeout:  p.cfg.Timeout,
		EnquireLink:   p.cfg.EnquireLink,
		OnAllPDU:      l.onPDU,
		OnSubmitError: l.onSubmitError,
		OnClosed:      func(gosmpp.State) { l.markDown() },
	}
	sess, err := gosmpp.NewSession(transceiverConnector{p: p}, settings, 0)
	if err != nil {
		var be gosmpp.BindError
		if errors.As(err, &be) {
			e := statusError(p.name, be.CommandStatus, bindClass(be.CommandStatus), p.cfg.ThrottleBackoff)
			e.Message = "bind refused: " + e.Message
			return nil, e
		}
		return nil, p.fail(transient, "connect to the SMSC: "+err.Error())
	}
	l.sess.Store(sess)
	return l, nil
}

// dialTCP connects within Timeout and gives the bind the same time:
// gosmpp waits for bind_resp without a deadline of its own, and replaces
// this one with its read and write timeouts once bound.
func (p *Provider) dialTCP(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, p.cfg.Timeout)
	if err != nil {
		return nil, err
	}
	if err := c.SetDeadline(time.Now().Add(p.cfg.Timeout)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// onPDU handles every PDU the SMSC sends, on the reading goroutine; the
// PDU it returns is written back, and closeBind ends the session.
func (l *link) onPDU(p pdu.PDU) (resp pdu.PDU, closeBind bool) {
	switch q := p.(type) {
	case *pdu.SubmitSMResp, *pdu.EnquireLinkResp, *pdu.GenericNack:
		l.resolve(p)
		return nil, false
	case *pdu.DeliverSM:
		return l.p.onDeliver(l, q), false
	case *pdu.EnquireLink:
		return q.GetResponse(), false
	case *pdu.Unbind:
		l.p.log.Info("smpp: the SMSC unbound", slog.String("provider", l.p.name))
		return q.GetResponse(), true
	default:
		// Requests we have no use for (data_sm, alert_notification …)
		// are acknowledged so the SMSC does not resend them forever.
		if p.CanResponse() {
			return p.GetResponse(), false
		}
		return nil, false
	}
}

// onDeliver answers a deliver_sm at once unless it is a receipt to record,
// which goes to the receipt workers and is answered after recording.
func (p *Provider) onDeliver(l *link, d *pdu.DeliverSM) pdu.PDU {
	if d.EsmClass&esmTypeMask != esmTypeReceipt || p.cfg.Receipts == nil {
		return d.GetResponse()
	}
	select {
	case p.receiptq <- receiptJob{l: l, d: d}:
	case <-p.done:
		// Left unanswered: the SMSC delivers it again after a new bind.
	}
	return nil
}

// resolve hands a response to the request with its sequence number.
func (l *link) resolve(resp pdu.PDU) {
	r := l.take(resp.GetSequenceNumber())
	if r == nil {
		return // answered after its sender gave up, or not ours (gosmpp's enquire_link)
	}
	if s, ok := resp.(*pdu.SubmitSMResp); ok && r.group != nil && s.CommandStatus == 0 && s.MessageID != "" {
		// Recorded here rather than by the sender so that the part is
		// known before any receipt for it, which can only follow.
		l.p.parts.add(r.group, r.part, s.MessageID)
	}
	r.finish(answer{resp: resp})
}

// onSubmitError handles a PDU gosmpp could not write. A failed write
// hands the kernel less than the whole PDU, which the SMSC discards, so
// the request was not sent and may go out on the next connection. The
// connection is closed, since gosmpp keeps some broken ones open.
func (l *link) onSubmitError(p pdu.PDU, err error) {
	l.p.log.Warn("smpp: writing to the SMSC failed", slog.String("provider", l.p.name), slog.Any("error", err))
	if r := l.take(p.GetSequenceNumber()); r != nil {
		r.finish(answer{err: errNotSent})
	}
	if s := l.sess.Load(); s != nil {
		// Not on this goroutine: closing waits for gosmpp's writer,
		// which is calling us.
		go s.Close()
	}
}

// errNotSent answers a request that never left: the link was closing.
var errNotSent = errors.New("the connection to the SMSC is closing")

// send registers r and submits req; r gets an answer whatever happens.
func (l *link) send(req pdu.PDU, r *request) {
	seq := req.GetSequenceNumber()
	l.mu.Lock()
	if l.isDown {
		l.mu.Unlock()
		r.finish(answer{err: errNotSent})
		return
	}
	l.pending[seq] = r
	l.mu.Unlock()
	if err := l.sess.Load().Transceiver().Submit(req); err != nil {
		if r := l.take(seq); r != nil {
			r.finish(answer{err: errNotSent})
		}
	}
}

// write sends a PDU that expects no answer, if the session is still up.
func (l *link) write(p pdu.PDU) {
	if s := l.sess.Load(); s != nil {
		_ = s.Transceiver().Submit(p)
	}
}

// take removes and returns the request with sequence number seq.
func (l *link) take(seq int32) *request {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.pending[seq]
	delete(l.pending, seq)
	return r
}

// expire gives up on a request: its window slot is freed.
func (l *link) expire(seq int32) {
	if r := l.take(seq); r != nil {
		r.finish(answer{})
	}
}

// expireAfter gives up on a request in d unless it is answered first.
func (l *link) expireAfter(seq int32, d time.Duration) {
	time.AfterFunc(d, func() { l.expire(seq) })
}

// markDown ends the link once its session closed, for whatever reason:
// every request still waiting fails, since no answer can come now.
func (l *link) markDown() {
	l.mu.Lock()
	if l.isDown {
		l.mu.Unlock()
		return
	}
	l.isDown = true
	pending := l.pending
	l.pending = nil
	l.mu.Unlock()
	close(l.down)
	for _, r := range pending {
		r.finish(answer{err: l.lost()})
	}
}

func (l *link) lost() error {
	return l.p.fail(transient, "connection to the SMSC lost before its answer")
}

func (l *link) alive() bool {
	select {
	case <-l.down:
		return false
	default:
		return true
	}
}

// drain waits up to d for the outstanding requests to be answered, so
// that closing does not turn accepted messages into errors.
func (l *link) drain(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && l.alive() {
		l.mu.Lock()
		n := len(l.pending)
		l.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// close unbinds: gosmpp writes the queued PDUs, then unbind, reads the
// SMSC's last answers for a moment, and closes the connection. An SMSC
// that closes the connection first, as it may after unbind_resp, is no
// error.
func (l *link) close() error {
	err := l.sess.Load().Close()
	l.markDown()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// link returns the bound link, waiting while a connection attempt is under
// way. It fails at once when the latest attempt failed, so that the router
// can fail over instead of waiting out the backoff.
func (p *Provider) link(ctx context.Context) (*link, error) {
	if l := p.live.Load(); l != nil && l.alive() {
		return l, nil
	}
	p.start()
	for {
		p.mu.Lock()
		l, err, closed, changed := p.cur, p.lastErr, p.closed, p.changed
		p.mu.Unlock()
		switch {
		case closed:
			return nil, p.fail(transient, "the provider is closed")
		case l != nil && l.alive():
			return l, nil
		case err != nil:
			return nil, err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: waiting for the SMSC connection: %w", p.name, context.Cause(ctx))
		}
	}
}

// start launches the connection manager and the receipt workers once.
func (p *Provider) start() {
	p.startOnce.Do(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.closed {
			return
		}
		p.wg.Add(1 + receiptWorkers)
		go p.run()
		for range receiptWorkers {
			go p.receiptWorker()
		}
	})
}

// setLink publishes the connection state and wakes those waiting on it.
// It reports false once the provider is closed.
func (p *Provider) setLink(l *link, err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.cur, p.lastErr = l, err
	p.live.Store(l)
	p.notify()
	return true
}

// notify wakes the goroutines waiting for a state change; p.mu is held.
func (p *Provider) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// run keeps one link bound until Close. The first attempt, and the first
// after a link that lived longer than ReconnectMax, are made at once;
// each failure, and each link that dies young, doubles the wait from
// ReconnectMin up to ReconnectMax, so an SMSC that refuses or drops us is
// not hammered.
func (p *Provider) run() {
	defer p.wg.Done()
	var delay time.Duration
	for {
		if delay > 0 {
			t := time.NewTimer(jitter(delay))
			select {
			case <-t.C:
			case <-p.done:
				t.Stop()
				return
			}
		}
		if !p.setLink(nil, nil) {
			return
		}
		l, err := p.dial()
		if err != nil {
			p.log.Warn("smpp: connecting to the SMSC failed", slog.String("provider", p.name), slog.Any("error", err))
			if !p.setLink(nil, err) {
				return
			}
			delay = p.backoff(delay)
			continue
		}
		if !p.setLink(l, nil) {
			_ = l.close()
			return
		}
		p.log.Info("smpp: bound to the SMSC", slog.String("provider", p.name))
		select {
		case <-l.down:
		case <-p.done:
			return // Close unbinds l
		}
		p.log.Warn("smpp: connection to the SMSC lost", slog.String("provider", p.name))
		if time.Since(l.since) > p.cfg.ReconnectMax {
			delay = 0
		} else {
			delay = p.backoff(delay)
		}
	}
}

func (p *Provider) backoff(d time.Duration) time.Duration {
	if d == 0 {
		return p.cfg.ReconnectMin
	}
	return min(2*d, p.cfg.ReconnectMax)
}

// jitter spreads reconnections over [d/2, d] so that many otpd instances
// cut off together do not come back together.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}
