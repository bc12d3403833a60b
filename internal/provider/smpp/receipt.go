package smpp

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/otpd/otpd/internal/otp"
)

// esm_class bits 5-2 give a deliver_sm's message type (SMPP 3.4 5.2.12);
// 0b0001 there is an SMSC delivery receipt.
const (
	esmTypeMask    byte = 0x3C
	esmTypeReceipt byte = 0x04
	esmUDHI        byte = 0x40 // short_message starts with a user data header
)

// TLVs of a receipt (SMPP 3.4 5.3.2).
const (
	tagReceiptedMessageID pdu.Tag = 0x001E
	tagNetworkErrorCode   pdu.Tag = 0x0423
	tagMessagePayload     pdu.Tag = 0x0424
	tagMessageState       pdu.Tag = 0x0427
)

// messageStates names the message_state TLV values (SMPP 3.4 5.2.28) the
// way the receipt text does (Appendix B).
var messageStates = map[byte]string{
	1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED",
	5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
}

// dlr is what a delivery receipt says about one message part.
type dlr struct {
	id   string
	stat string
	err  string
	at   time.Time // done date; zero if absent or unreadable
}

// parseReceipt reads a receipt deliver_sm: the receipted_message_id and
// message_state TLVs when present, else the standard text of SMPP 3.4
// Appendix B ("id:… sub:… dlvrd:… submit date:… done date:… stat:… err:…
// text:…"). ok is false when it names no message.
func parseReceipt(d *pdu.DeliverSM) (r dlr, ok bool) {
	raw, _ := d.Message.GetMessageData()
	if len(raw) == 0 {
		if f, ok := d.OptionalParameters[tagMessagePayload]; ok {
			raw = f.Data
		}
	}
	// Receipt texts are ASCII whatever the data_coding says, so the
	// bytes are read as they are rather than through the GSM alphabet.
	text := receiptText(string(raw))
	r = dlr{
		id:   text["id"],
		stat: strings.ToUpper(text["stat"]),
		err:  text["err"],
		at:   receiptDate(text["done date"]),
	}
	if f, ok := d.OptionalParameters[tagReceiptedMessageID]; ok && len(f.Data) > 0 {
		r.id = f.String()
	}
	if f, ok := d.OptionalParameters[tagMessageState]; ok && len(f.Data) == 1 {
		if s, ok := messageStates[f.Data[0]]; ok {
			r.stat = s
		}
	}
	if f, ok := d.OptionalParameters[tagNetworkErrorCode]; ok && len(f.Data) == 3 && r.err == "" {
		r.err = fmt.Sprintf("%03d", int(f.Data[1])<<8|int(f.Data[2]))
	}
	return r, r.id != ""
}

// receiptKeys are the fields of a receipt text, in lower case.
var receiptKeys = []string{"id", "sub", "dlvrd", "submit date", "done date", "stat", "err"}

// receiptText splits a receipt text into its fields. Keys are matched
// without regard to case, at the start or after a space, and everything
// from "text:" on is left out: it quotes the message, which could hold
// anything, "stat:" included.
func receiptText(s string) map[string]string {
	lower := strings.ToLower(s)
	if i := fieldIndex(lower, "text"); i >= 0 {
		s, lower = s[:i], lower[:i]
	}
	out := map[string]string{}
	for _, k := range receiptKeys {
		i := fieldIndex(lower, k)
		if i < 0 {
			continue
		}
		v := s[i+len(k)+1:]
		if j := strings.IndexByte(v, ' '); j >= 0 {
			v = v[:j]
		}
		out[k] = v
	}
	return out
}

// fieldIndex is the position of "key:" in s at a field boundary, or -1.
func fieldIndex(s, key string) int {
	for from := 0; ; {
		i := strings.Index(s[from:], key+":")
		if i < 0 {
			return -1
		}
		i += from
		if i == 0 || s[i-1] == ' ' {
			return i
		}
		from = i + 1
	}
}

// receiptDate reads a done date. SMPP 3.4 Appendix B gives it to the
// minute ("YYMMDDhhmm"); a time read from it can be up to 59 seconds
// before the receipt's true time, and so before the message was sent, so
// it is not used: the zero time makes otp take the receipt's arrival
// instead. The seconds some SMSCs add ("YYMMDDhhmmss") make it precise
// enough to use. The SMSC's time zone is unknown, so it is taken as UTC;
// otp clamps times in the future to now.
func receiptDate(s string) time.Time {
	if len(s) != len("060102150405") {
		return time.Time{}
	}
	t, err := time.Parse("060102150405", s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// outcome maps a receipt's stat to a delivery status; ok is false for the
// intermediate and unknown states, which otp does not record.
func (r dlr) outcome() (otp.DeliveryStatus, string, bool) {
	switch r.stat {
	case "DELIVRD":
		return otp.DeliveryDelivered, "", true
	case "UNDELIV", "REJECTD", "EXPIRED", "DELETED":
		e := "stat:" + r.stat
		if r.err != "" {
			e += " err:" + r.err
		}
		return otp.DeliveryFailed, e, true
	default:
		return "", "", false
	}
}

// Parts of concatenated messages are remembered this long, and at most
// this many, for their receipts: SMSCs commonly keep trying a message
// for up to two days, and otp codes are seldom long enough to need parts.
const (
	partsTTL        = 48 * time.Hour
	maxTrackedParts = 100_000
)

// partGroup is one concatenated message whose parts' receipts are
// gathered into a single receipt for its first part's id.
type partGroup struct {
	ids       []string // by part index; "" until the part's submit_sm_resp
	delivered map[string]bool
	at        time.Time // latest done date of the delivered parts
	atUnknown bool      // a delivered part's receipt gave no usable done date
	reported  bool      // its receipt was recorded; later ones are dropped
}

// partTracker maps the message id of every part of a concatenated message
// to the message, so that a receipt for any part counts. A message is
// reported delivered once all its parts are, and failed as soon as one
// part fails; receipts for its parts after that are dropped, lest a late
// part's success undo a failure. Receipts for ids it does not know pass
// through unchanged:
// single-part messages, and the first parts of messages sent before a
// restart (a restart forgets the rest, so such a message is reported on
// its first part's receipt alone).
type partTracker struct {
	mu    sync.Mutex
	now   func() time.Time
	byID  map[string]*partGroup
	order []trackedPart // oldest first, for expiry
}

type trackedPart struct {
	id      string
	expires time.Time
}

func newPartTracker() *partTracker {
	return &partTracker{now: time.Now, byID: map[string]*partGroup{}}
}

func newPartGroup(n int) *partGroup {
	return &partGroup{ids: make([]string, n), delivered: map[string]bool{}}
}

// add records that part i of g has message id id.
func (t *partTracker) add(g *partGroup, i int, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for len(t.order) > 0 && (now.After(t.order[0].expires) || len(t.order) >= maxTrackedParts) {
		delete(t.byID, t.order[0].id)
		t.order = t.order[1:]
	}
	g.ids[i] = id
	t.byID[id] = g
	t.order = append(t.order, trackedPart{id: id, expires: now.Add(partsTTL)})
}

// forget drops g, whose message was not sent in full.
func (t *partTracker) forget(g *partGroup) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range g.ids {
		if t.byID[id] == g {
			delete(t.byID, id)
		}
	}
}

// reported marks g's receipt recorded.
func (t *partTracker) reported(g *partGroup) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g.reported = true
}

// observe folds a receipt into its message. It returns the receipt to
// record, if any, and the group to mark reported once it is recorded;
// marking it only then lets the SMSC's redelivery of a receipt otp failed
// to record produce the message's receipt again.
func (t *partTracker) observe(provider string, r dlr) (otp.Receipt, *partGroup, bool) {
	status, reason, ok := r.outcome()
	if !ok {
		return otp.Receipt{}, nil, false
	}
	out := otp.Receipt{Provider: provider, ProviderMessageID: r.id, Status: status, Error: reason, At: r.at}
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.byID[r.id]
	if g == nil {
		return out, nil, true
	}
	if g.reported {
		return otp.Receipt{}, nil, false
	}
	out.ProviderMessageID = g.ids[0]
	if status == otp.DeliveryFailed {
		return out, g, true
	}
	g.delivered[r.id] = true
	if r.at.IsZero() {
		g.atUnknown = true
	} else if r.at.After(g.at) {
		g.at = r.at
	}
	if len(g.delivered) < len(g.ids) {
		return otp.Receipt{}, nil, false
	}
	// The message was delivered when its last part was; if one part's
	// time is unknown, so is that.
	out.At = g.at
	if g.atUnknown {
		out.At = time.Time{}
	}
	return out, g, true
}

// receiptJob is a receipt deliver_sm waiting to be recorded and answered.
type receiptJob struct {
	l *link
	d *pdu.DeliverSM
}

// receiptWorker records receipts off the connection's reading goroutine,
// so a slow sink delays only the answers to receipts, not those to our
// submit_sm.
func (p *Provider) receiptWorker() {
	defer p.wg.Done()
	for {
		select {
		case j := <-p.receiptq:
			p.handleReceipt(j)
		case <-p.done:
			// Receipts still queued stay unanswered; the SMSC delivers
			// them again after the next bind.
			return
		}
	}
}

// handleReceipt records one receipt and answers its deliver_sm:
// ESME_ROK, or ESME_RX_T_APPN when the sink failed so that the SMSC
// retries later.
func (p *Provider) handleReceipt(j receiptJob) {
	status := data.ESME_ROK
	if r, ok := parseReceipt(j.d); ok {
		if rec, g, ok := p.parts.observe(p.name, r); ok {
			ctx, cancel := context.WithTimeout(context.Background(), p.cfg.Timeout)
			err := p.cfg.Receipts.RecordReceipt(ctx, rec)
			cancel()
			switch {
			case err != nil:
				status = data.ESME_RX_T_APPN
				p.log.LogAttrs(ctx, slog.LevelWarn, "smpp: recording a delivery receipt failed",
					slog.String("provider", p.name), slog.String("message_id", rec.ProviderMessageID), slog.Any("error", err))
			case g != nil:
				p.parts.reported(g)
			}
		}
	}
	resp := j.d.GetResponse()
	resp.(*pdu.DeliverSMResp).CommandStatus = status
	j.l.write(resp)
}
