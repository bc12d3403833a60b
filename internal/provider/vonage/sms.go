package vonage

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

// smsClass is how the pipeline should treat an SMS API status.
type smsClass int

const (
	smsTransient smsClass = iota // Vonage itself, or a status otpd does not know: retry
	smsThrottled                 // transient, and wait throttleWait first
	smsRefused                   // our account, credentials, sender or request: Vonage will not take it, fail over at once
	smsPermanent                 // the recipient itself: no provider can help
	smsParams                    // status 3: permanent when the "to" parameter is the invalid one, otherwise refused
)

// throttleWait is how long to wait after status 1 (Throttled) or 10 (Too
// Many Existing Binds); Vonage's limits are per second and its answer
// says no more.
const throttleWait = time.Second

// smsStatuses is Vonage's documented table of SMS API statuses
// (developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms) and
// how each is treated. Permanent means the recipient itself is the
// problem. Everything about our account, sender, credentials, balance or
// request is refused: asking Vonage again gives the same answer, so the
// router goes to the next provider at once rather than retrying here.
//
//	 0 Success
//	 1 Throttled                          transient, RetryAfter 1s
//	 2 Missing Parameters                 refused: a request we built badly (an empty "to" is refused before sending)
//	 3 Invalid Parameters                 permanent when the error text names "to", otherwise refused
//	 4 Invalid Credentials                refused: configuration
//	 5 Internal Error                     transient
//	 6 Invalid Message                    refused: Vonage cannot route the number (an unrecognised prefix),
//	                                      which otpd's own number check passed; another provider may route it
//	 7 Number Barred                      permanent: the recipient is on the barred list
//	 8 Partner Account Barred             refused: our account is suspended
//	 9 Partner Quota Violation            refused: our balance is too low
//	10 Too Many Existing Binds            transient, RetryAfter 1s ("back off and retry")
//	11 Account Not Enabled For HTTP       refused: configuration
//	12 Message Too Long                   refused: the template, not the recipient
//	14 Invalid Signature                  refused: configuration
//	15 Invalid Sender Address             refused: our sender id is not allowed there; another provider's may be
//	22 Invalid Network Code               refused: we send none
//	23 Invalid Callback Url               refused: dlr_callback_url
//	29 Non-Whitelisted Destination        refused: a demo account; another provider can still deliver
//	32 Signature And API Secret Disallowed refused: configuration
//	33 Number De-activated                permanent: the recipient's number is de-activated
//	 * anything else                      transient
var smsStatuses = map[string]struct {
	name  string
	class smsClass
}{
	"1":  {"throttled", smsThrottled},
	"2":  {"missing parameters", smsRefused},
	"3":  {"invalid parameters", smsParams},
	"4":  {"invalid credentials", smsRefused},
	"5":  {"internal error", smsTransient},
	"6":  {"invalid message", smsRefused},
	"7":  {"number barred", smsPermanent},
	"8":  {"partner account barred", smsRefused},
	"9":  {"partner quota violation", smsRefused},
	"10": {"too many existing binds", smsThrottled},
	"11": {"account not enabled for HTTP", smsRefused},
	"12": {"message too long", smsRefused},
	"14": {"invalid signature", smsRefused},
	"15": {"invalid sender address", smsRefused},
	"22": {"invalid network code", smsRefused},
	"23": {"invalid callback url", smsRefused},
	"29": {"non-whitelisted destination", smsRefused},
	"32": {"signature and API secret disallowed", smsRefused},
	"33": {"number de-activated", smsPermanent},
}

// invalidTo recognises the error texts of status 3 that blame the
// destination ("Invalid to address", "Invalid 'to' parameter"), not one of
// our own parameters.
var invalidTo = regexp.MustCompile(`(?i)\b(invalid|bad|illegal)\W+(to|destination|msisdn|recipient)\b|\b(to|destination)\W+(address|number|param|parameter)\b`)

// smsAnswer is the SMS API's JSON answer: one entry per message part.
type smsAnswer struct {
	Messages []struct {
		Status    flexString `json:"status"`
		MessageID string     `json:"message-id"`
		ErrorText string     `json:"error-text"`
	} `json:"messages"`
}

// flexString accepts a JSON string or number: Vonage documents statuses as
// strings, and a number must not turn a refusal into a decoding error.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// clientRefMax is Vonage's limit on client-ref.
const clientRefMax = 40

func (p *Provider) sendSMS(ctx context.Context, m otp.OutgoingMessage, to string) (otp.SendResult, error) {
	from := p.cfg.From
	if p.cfg.AllowCallerID && (isNumber(m.CallerID) || isSenderID(m.CallerID)) {
		from = m.CallerID
	}
	form := url.Values{
		"api_key":    {p.cfg.APIKey},
		"api_secret": {p.cfg.APISecret},
		"from":       {strings.TrimPrefix(from, "+")},
		"to":         {to},
		"text":       {m.Body},
		"type":       {"text"},
	}
	if !isGSM7(m.Body) {
		// Text outside the GSM-7 tables is garbled unless sent as UCS-2.
		form.Set("type", "unicode")
	}
	if m.ID != "" {
		// client-ref comes back in the delivery receipt and on Vonage's
		// records, so a message sent twice (a retry after a lost answer)
		// can be recognised. otp.NewID ids fit the 40 characters.
		ref := m.ID
		if len(ref) > clientRefMax {
			ref = ref[:clientRefMax]
		}
		form.Set("client-ref", ref)
	}
	if p.cfg.DLRCallbackURL != "" {
		form.Set("callback", p.cfg.DLRCallbackURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.smsBase+"/sms/json", strings.NewReader(form.Encode()))
	if err != nil {
		return otp.SendResult{}, fmt.Errorf("vonage sms: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, body, err := p.do(req)
	if err != nil {
		return otp.SendResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return otp.SendResult{}, p.httpError(resp, "")
	}
	var ans smsAnswer
	if err := json.Unmarshal(body, &ans); err != nil {
		return otp.SendResult{}, p.malformed("the SMS answer is not JSON")
	}
	if len(ans.Messages) == 0 {
		return otp.SendResult{}, p.malformed("the SMS answer has no messages")
	}
	// A long text goes out in parts, each with its own status and id. Any
	// refused part fails the send: the recipient may lack the code.
	for _, msg := range ans.Messages {
		if msg.Status != "0" {
			return otp.SendResult{}, p.smsError(string(msg.Status), msg.ErrorText)
		}
		if msg.MessageID == "" {
			return otp.SendResult{}, p.malformed("an accepted message has no message-id")
		}
	}
	// The first part's id identifies the message. Vonage sends a delivery
	// receipt per part; only the first part's matches, and the others are
	// ignored as receipts for unknown messages.
	return otp.SendResult{Provider: p.cfg.Name, ProviderMessageID: ans.Messages[0].MessageID}, nil
}

// smsError maps a non-zero SMS API status through smsStatuses; unknown
// statuses are transient.
func (p *Provider) smsError(status, text string) error {
	if status == "" {
		return p.malformed("a message has no status")
	}
	entry := smsStatuses[status]
	msg := text
	if msg == "" {
		msg = entry.name
	}
	if msg == "" {
		msg = "refused"
	}
	e := p.refusal(status, msg, false)
	switch entry.class {
	case smsPermanent:
		e.Permanent = true
	case smsRefused:
		e.Refused = true
	case smsThrottled:
		e.RetryAfter = throttleWait
	case smsParams:
		e.Permanent = invalidTo.MatchString(text)
		e.Refused = !e.Permanent
	}
	return e
}

// GSM 03.38: the basic character set and the extension table (each of
// whose characters takes two septets). Vonage sends type=text in these.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// isGSM7 reports whether s can be sent as type=text without loss.
func isGSM7(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(gsmBasic, r) && !strings.ContainsRune(gsmExtension, r) {
			return false
		}
	}
	return true
}
