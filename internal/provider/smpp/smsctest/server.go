// Package smsctest is a fake SMSC for tests and benchmarks: a TCP server
// speaking SMPP 3.4 with gosmpp's PDU codec. It binds transceivers that
// present its credentials, answers submit_sm, enquire_link and unbind,
// records what was submitted, and sends delivery receipts as deliver_sm.
// It can be told to refuse binds or messages with a command status,
// throttle, answer late or not at all, and drop its connections.
//
// Unless told otherwise it answers each PDU at once on the connection's
// reading goroutine, without sleeping or logging, so that benchmarks
// measure the client.
package smsctest

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// Default credentials, used when Config leaves them empty.
const (
	DefaultSystemID = "otpd"
	DefaultPassword = "secret"
)

// SMPP 3.4 command statuses the fake answers with; any other can be
// given to FailNext or SetStatus.
const (
	StatusOK          uint32 = 0x00000000 // ESME_ROK
	StatusMsgQFull    uint32 = 0x00000014 // ESME_RMSGQFUL
	StatusInvDstAdr   uint32 = 0x0000000B // ESME_RINVDSTADR
	StatusInvSrcAdr   uint32 = 0x0000000A // ESME_RINVSRCADR
	StatusSysErr      uint32 = 0x00000008 // ESME_RSYSERR
	StatusSubmitFail  uint32 = 0x00000045 // ESME_RSUBMITFAIL
	StatusThrottled   uint32 = 0x00000058 // ESME_RTHROTTLED
	StatusBindFail    uint32 = 0x0000000D // ESME_RBINDFAIL
	statusInvBndSts   uint32 = 0x00000004 // ESME_RINVBNDSTS
	statusAlyBnd      uint32 = 0x00000005 // ESME_RALYBND
	statusInvPaswd    uint32 = 0x0000000E // ESME_RINVPASWD
	statusInvSysID    uint32 = 0x0000000F // ESME_RINVSYSID
	statusInvCmdID    uint32 = 0x00000003 // ESME_RINVCMDID
	registeredReceipt byte   = 0x01       // registered_delivery: receipt on final outcome
)

// Config configures a Server.
type Config struct {
	// SystemID and Password are the credentials a bind must present;
	// DefaultSystemID and DefaultPassword if empty.
	SystemID string
	Password string
	// AutoReceipt, if set, is sent as a delivery receipt (its MessageID
	// replaced) for every accepted part whose submit_sm asks for one,
	// right after the submit_sm_resp.
	AutoReceipt *Receipt
	// Discard keeps no record of submitted messages, only the counters,
	// so that a long benchmark does not grow the fake's memory.
	Discard bool
}

// Bind is a bind request the server received.
type Bind struct {
	Command    string // "bind_transceiver", "bind_transmitter" or "bind_receiver"
	SystemID   string
	SystemType string
	OK         bool // the credentials matched
}

// Submit is one submit_sm the server received, and its answer.
type Submit struct {
	MessageID          string // "" if refused
	Status             uint32 // the command_status answered
	SourceAddr         string
	SourceTON          byte
	SourceNPI          byte
	DestAddr           string
	DestTON            byte
	DestNPI            byte
	ESMClass           byte
	DataCoding         byte
	RegisteredDelivery byte
	// ValidityPeriod is the validity_period as sent, e.g.
	// "261207101500000+"; "" for the SMSC's default.
	ValidityPeriod string
	Text           string // the short_message decoded per DataCoding, without the UDH
	// Ref, Total and Seq are the concatenation header's reference,
	// number of parts and part number (from 1); zero for a single part.
	Ref, Total, Seq int
}

// Message is an accepted message: a single part, or the accepted parts of
// a concatenated message, in part order.
type Message struct {
	Parts []Submit
	Text  string // the parts' texts joined
}

// Stats are the server's counters.
type Stats struct {
	Connections    int // TCP connections accepted
	Binds          int // successful binds
	BindFailures   int // binds refused, for their credentials or by RefuseBinds
	Submits        int // submit_sm received
	Accepted       int // submit_sm answered ESME_ROK
	EnquireLinks   int // enquire_link received
	Unbinds        int // unbind received
	ReceiptsSent   int // deliver_sm receipts sent
	DeliverSMResps int // deliver_sm_resp received
	// DeliverSMRespErrors counts deliver_sm_resp whose status was not
	// ESME_ROK.
	DeliverSMRespErrors int
	Outstanding         int // submit_sm received and not yet answered, now
	MaxOutstanding      int // the most submit_sm ever outstanding on one connection
}

// Server is a fake SMSC listening on 127.0.0.1.
type Server struct {
	cfg  Config
	ln   net.Listener
	done chan struct{}
	wg   sync.WaitGroup

	mu          sync.Mutex
	conns       map[*conn]struct{}
	last        *conn // the latest bound connection, for receipts
	stats       Stats
	binds       []Bind
	submits     []Submit
	byID        map[string]int // message id → index in submits
	nextID      uint64
	status      uint32 // answer to every submit_sm, unless failN
	failN       int
	failStatus  uint32
	malformN    int
	delay       time.Duration
	mute        bool
	autoReceipt *Receipt
	bindRefusal uint32        // refuse every bind with this status and no body; 0 binds normally
	changed     chan struct{} // closed on any change, made on demand by WaitStats
	closed      bool
}

// conn is one client connection.
type conn struct {
	nc          net.Conn
	wmu         sync.Mutex // one PDU written at a time
	bound       bool       // only touched by the reading goroutine
	outstanding int        // guarded by Server.mu
	closed      bool       // guarded by Server.mu
}

// New starts a server on 127.0.0.1 on a free port, for use outside tests
// (a benchmark command); Close stops it.
func New(cfg Config) (*Server, error) {
	if cfg.SystemID == "" {
		cfg.SystemID = DefaultSystemID
	}
	if cfg.Password == "" {
		cfg.Password = DefaultPassword
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("smsctest: listen: %w", err)
	}
	s := &Server{
		cfg:         cfg,
		ln:          ln,
		done:        make(chan struct{}),
		conns:       map[*conn]struct{}{},
		byID:        map[string]int{},
		autoReceipt: cfg.AutoReceipt,
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Start starts a server for the test tb and closes it when the test ends.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening, closes every connection and waits for the
// server's goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	close(s.done)
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

// SetStatus makes the server answer every following submit_sm with
// status; StatusOK restores normal service.
func (s *Server) SetStatus(status uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

// FailNext makes the server answer the next n submit_sm with status.
func (s *Server) FailNext(n int, status uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// Throttle makes the server answer the next n submit_sm with
// ESME_RTHROTTLED.
func (s *Server) Throttle(n int) { s.FailNext(n, StatusThrottled) }

// MalformNext makes the server accept the next n submit_sm with a
// submit_sm_resp that lacks the message_id.
func (s *Server) MalformNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.malformN = n
}

// SetDelay makes the server answer submit_sm after d instead of at once,
// reading further PDUs meanwhile, so that requests pile up.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetMute makes the server leave submit_sm unanswered (while still
// answering enquire_link), as an overloaded SMSC might.
func (s *Server) SetMute(mute bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mute = mute
}

// SetAutoReceipt replaces Config.AutoReceipt; nil stops automatic receipts.
func (s *Server) SetAutoReceipt(r *Receipt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.autoReceipt = r
}

// RefuseBinds makes the server refuse every following bind with status,
// whatever its credentials, in a bind_resp without a body: SMPP 3.4
// leaves out system_id when command_status is not ESME_ROK, and some
// SMSCs (node-smpp) do. StatusOK restores normal binding.
func (s *Server) RefuseBinds(status uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bindRefusal = status
}

// DropConnections closes every client connection abruptly, as a network
// failure or an SMSC restart would. New connections are accepted.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.nc.Close()
	}
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// WaitStats waits until cond holds for the counters, or ctx ends.
func (s *Server) WaitStats(ctx context.Context, cond func(Stats) bool) error {
	for {
		s.mu.Lock()
		if cond(s.stats) {
			s.mu.Unlock()
			return nil
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("smsctest: waiting for counters: %w (now %+v)", ctx.Err(), s.Stats())
		}
	}
}

// changedLocked wakes WaitStats; s.mu is held.
func (s *Server) changedLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// Binds returns the bind requests received, in order.
func (s *Server) Binds() []Bind {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Bind(nil), s.binds...)
}

// Submits returns the submit_sm received, in order (none with Discard).
func (s *Server) Submits() []Submit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Submit(nil), s.submits...)
}

// Messages returns the accepted messages in the order of their first
// part, parts of a concatenated message grouped by source, destination,
// reference and number of parts.
func (s *Server) Messages() []Message {
	type key struct {
		src, dst           string
		ref, total, coding int
	}
	var out []Message
	index := map[key]int{}
	for _, sub := range s.Submits() {
		if sub.Status != StatusOK {
			continue
		}
		if sub.Total == 0 {
			out = append(out, Message{Parts: []Submit{sub}, Text: sub.Text})
			continue
		}
		k := key{sub.SourceAddr, sub.DestAddr, sub.Ref, sub.Total, int(sub.DataCoding)}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, Message{})
		}
		out[i].Parts = append(out[i].Parts, sub)
	}
	for i := range out {
		m := &out[i]
		if m.Parts[0].Total == 0 {
			continue
		}
		sortParts(m.Parts)
		for _, p := range m.Parts {
			m.Text += p.Text
		}
	}
	return out
}

func sortParts(ps []Submit) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Seq < ps[j-1].Seq; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := &conn{nc: nc}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.stats.Connections++
		s.changedLocked()
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(c)
	}
}

// serve reads PDUs from c until it closes or a PDU ends the session.
func (s *Server) serve(c *conn) {
	defer s.wg.Done()
	defer func() {
		c.nc.Close()
		s.mu.Lock()
		delete(s.conns, c)
		if s.last == c {
			s.last = nil
		}
		// Requests left unanswered on a closed connection are no longer
		// outstanding; delayed answers to them are dropped.
		s.stats.Outstanding -= c.outstanding
		c.outstanding, c.closed = 0, true
		s.changedLocked()
		s.mu.Unlock()
	}()
	r := bufio.NewReader(c.nc)
	for {
		p, err := pdu.Parse(r)
		if err != nil {
			return
		}
		if !s.handle(c, p) {
			return
		}
	}
}

// handle answers one PDU; it reports false when the connection must close.
func (s *Server) handle(c *conn, p pdu.PDU) bool {
	switch q := p.(type) {
	case *pdu.BindRequest:
		return s.bind(c, q)
	case *pdu.SubmitSM:
		if !c.bound {
			resp := q.GetResponse()
			setStatus(resp, statusInvBndSts)
			return c.write(resp) == nil
		}
		s.submit(c, q)
		return true
	case *pdu.EnquireLink:
		s.count(func(st *Stats) { st.EnquireLinks++ })
		return c.write(q.GetResponse()) == nil
	case *pdu.Unbind:
		s.count(func(st *Stats) { st.Unbinds++ })
		_ = c.write(q.GetResponse())
		return false
	case *pdu.DeliverSMResp:
		s.count(func(st *Stats) {
			st.DeliverSMResps++
			if q.CommandStatus != data.ESME_ROK {
				st.DeliverSMRespErrors++
			}
		})
		return true
	case *pdu.EnquireLinkResp, *pdu.UnbindResp, *pdu.GenericNack:
		return true
	default:
		if !p.CanResponse() {
			return true
		}
		nack := pdu.NewGenericNack()
		nack.SetSequenceNumber(p.GetSequenceNumber())
		setStatus(nack, statusInvCmdID)
		return c.write(nack) == nil
	}
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
	s.changedLocked()
}

var bindCommands = map[pdu.BindingType]string{
	pdu.Transceiver: "bind_transceiver", pdu.Transmitter: "bind_transmitter", pdu.Receiver: "bind_receiver",
}

// bind checks the credentials, or refuses as RefuseBinds said; a refused
// bind closes the connection, as SMSCs do.
func (s *Server) bind(c *conn, q *pdu.BindRequest) bool {
	resp := q.GetResponse().(*pdu.BindResp)
	resp.SystemID = "smsctest"
	var status uint32
	switch {
	case c.bound:
		status = statusAlyBnd
	case q.SystemID != s.cfg.SystemID:
		status = statusInvSysID
	case q.Password != s.cfg.Password:
		status = statusInvPaswd
	}
	s.mu.Lock()
	bare := false
	if s.bindRefusal != StatusOK && !c.bound {
		status, bare = s.bindRefusal, true
	}
	ok := status == StatusOK
	s.binds = append(s.binds, Bind{Command: bindCommands[q.BindingType], SystemID: q.SystemID, SystemType: q.SystemType, OK: ok})
	switch {
	case ok:
		s.stats.Binds++
		s.last = c
	case !c.bound:
		s.stats.BindFailures++
	}
	s.changedLocked()
	s.mu.Unlock()
	setStatus(resp, status)
	var err error
	if bare {
		err = c.writeHeader(resp.GetHeader())
	} else {
		err = c.write(resp)
	}
	if ok {
		c.bound = true
		return err == nil
	}
	return c.bound && err == nil
}

// submit records and answers a submit_sm, at once or after the delay.
func (s *Server) submit(c *conn, q *pdu.SubmitSM) {
	sub := Submit{
		SourceAddr: q.SourceAddr.Address(), SourceTON: q.SourceAddr.Ton(), SourceNPI: q.SourceAddr.Npi(),
		DestAddr: q.DestAddr.Address(), DestTON: q.DestAddr.Ton(), DestNPI: q.DestAddr.Npi(),
		ESMClass: q.EsmClass, RegisteredDelivery: q.RegisteredDelivery, ValidityPeriod: q.ValidityPeriod,
	}
	if enc := q.Message.Encoding(); enc != nil {
		sub.DataCoding = enc.DataCoding()
	}

	s.mu.Lock()
	sub.Status = s.status
	malformed := false
	switch {
	case s.failN > 0:
		s.failN--
		sub.Status = s.failStatus
	case s.malformN > 0 && sub.Status == StatusOK:
		s.malformN--
		malformed = true
	}
	s.stats.Submits++
	if sub.Status == StatusOK {
		s.stats.Accepted++
		s.nextID++
		sub.MessageID = fmt.Sprintf("%08X", s.nextID)
	}
	c.outstanding++
	s.stats.Outstanding++
	s.stats.MaxOutstanding = max(s.stats.MaxOutstanding, c.outstanding)
	delay, mute, receipt := s.delay, s.mute, s.autoReceipt
	discard := s.cfg.Discard
	s.changedLocked()
	s.mu.Unlock()

	if !discard {
		// Decoding only when recording keeps the benchmark path lean.
		sub.Text, _ = q.Message.GetMessage()
		if total, seq, ref, ok := q.Message.UDH().GetConcatInfo(); ok {
			sub.Ref, sub.Total, sub.Seq = int(ref), int(total), int(seq)
		}
		s.mu.Lock()
		if sub.MessageID != "" {
			s.byID[sub.MessageID] = len(s.submits)
		}
		s.submits = append(s.submits, sub)
		s.mu.Unlock()
	}
	if mute {
		return
	}

	resp := q.GetResponse().(*pdu.SubmitSMResp)
	setStatus(resp, sub.Status)
	resp.MessageID = sub.MessageID
	if malformed {
		resp.MessageID = ""
	}
	answer := func() {
		// Counted as answered before the write: once written, the client
		// may send the next request before this goroutine runs again.
		s.mu.Lock()
		if c.closed {
			s.mu.Unlock()
			return
		}
		c.outstanding--
		s.stats.Outstanding--
		s.changedLocked()
		s.mu.Unlock()
		err := c.write(resp)
		if err == nil && receipt != nil && sub.MessageID != "" && q.RegisteredDelivery&registeredReceipt != 0 {
			r := *receipt
			r.MessageID = sub.MessageID
			_ = s.sendReceipt(c, r)
		}
	}
	if delay <= 0 {
		answer()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
			answer()
		case <-s.done:
		}
	}()
}

// write sends one PDU.
func (c *conn) write(p pdu.PDU) error {
	buf := pdu.NewBuffer(make([]byte, 0, 64))
	p.Marshal(buf)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(buf.Bytes())
	return err
}

// writeHeader sends a PDU that is only its header: command_length 16 and
// no body.
func (c *conn) writeHeader(h pdu.Header) error {
	var b [16]byte
	binary.BigEndian.PutUint32(b[0:4], 16)
	binary.BigEndian.PutUint32(b[4:8], uint32(h.CommandID))
	binary.BigEndian.PutUint32(b[8:12], uint32(h.CommandStatus))
	binary.BigEndian.PutUint32(b[12:16], uint32(h.SequenceNumber))
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(b[:])
	return err
}

func setStatus(p pdu.PDU, status uint32) {
	switch q := p.(type) {
	case *pdu.BindResp:
		q.CommandStatus = data.CommandStatusType(status)
	case *pdu.SubmitSMResp:
		q.CommandStatus = data.CommandStatusType(status)
	case *pdu.GenericNack:
		q.CommandStatus = data.CommandStatusType(status)
	}
}
