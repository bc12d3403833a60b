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
	smsTransient smsClass = iota // our account, configuration or Vonage: fail over or retry
	smsThrottled                 // transient, and wait throttleWait first
	smsPermanent                 // the recipient itself: retrying cannot help
	smsParams                    // status 3: permanent only when the "to" parameter is the invalid one
)

// throttleWait is how long to wait after status 1 (Throttled) or 10 (Too
// Many Existing Binds); Vonage's limits are per second and its answer
// says no more.
const throttleWait = time.Second

// smsStatuses is Vonage's documented table of SMS API statuses
// (developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms) and
// how each is treated. Permanent means the recipient itself is the
// problem; everything about our account, sender, credentials, balance or
// request is transient so the router fails over to another provider.
//
//	 0 Success
//	 1 Throttled                          transient, RetryAfter 1s
//	 2 Missing Parameters                 transient: a request we built badly (an empty "to" is refused before sending)
//	 3 Invalid Parameters                 permanent when the error text names "to", otherwise transient
//	 4 Invalid Credentials                transient: configuration
//	 5 Internal Error                     transient
//	 6 Invalid Message                    permanent: Vonage cannot route the number (unrecognised prefix)
//	 7 Number Barred                      permanent: the recipient is on the barred list
//	 8 Partner Account Barred             transient: our account is suspended
//	 9 Partner Quota Violation            transient: our balance is too low
//	10 Too Many Existing Binds            transient, RetryAfter 1s ("back off and retry")
//	11 Account Not Enabled For HTTP       transient: configuration
//	12 Message Too Long                   transient: the template, not the recipient
//	14 Invalid Signature                  transient: configuration
//	15 Invalid Sender Address             transient: our sender id is not allowed there; another provider's may be
//	22 Invalid Network Code               transient: we send none
//	23 Invalid Callback Url               transient: dlr_callback_url
//	29 Non-Whitelisted Destination        transient: a demo account; another provider can still deliver
//	32 Signature And API Secret Disallowed transient: configuration
//	33 Number De-activated                permanent: the recipient's number is de-activated
//	 * anything else                      transient
var smsStatuses = map[string]struct {
	name  string
	class smsClass
}{
	"1":  {"throttled", smsThrottled},
	"2":  {"missing parameters", smsTransient},
	"3":  {"invalid parameters", smsParams},
	"4":  {"invalid credentials", smsTransient},
	"5":  {"internal error", smsTransient},
	"6":  {"invalid message", smsPermanent},
	"7":  {"number barred", smsPermanent},
	"8":  {"partner account barred", smsTransient},
	"9":  {"partner quota violation", smsTransient},
	"10": {"too many existing binds", smsThrottled},
	"11": {"account not enabled for HTTP", smsTransient},
	"12": {"message too long", smsTransient},
	"14": {"invalid signature", smsTransient},
	"15": {"invalid sender address", smsTransient},
	"22": {"invalid network code", smsTransient},
	"23": {"invalid callback url", smsTransient},
	"29": {"non-whitelisted destination", smsTransient},
	"32": {"signature and API secret disallowed", smsTransient},
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
	case smsThrottled:
		e.RetryAfter = throttleWait
	case smsParams:
		e.Permanent = invalidTo.MatchString(text)
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
