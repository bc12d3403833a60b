package twilio

import "net/http"

// errorClass says what a Twilio refusal means for the delivery pipeline
// (otp.ProviderError's three classes, throttling being a transient one).
type errorClass int

const (
	// transient: retry with backoff, with this provider or (after the
	// router's attempts) the next one: Twilio's outages, queues and
	// errors it does not explain.
	transient errorClass = iota
	// refused: Twilio will not take this message however often it is
	// asked — our credentials, account, geo permissions, sender or a
	// request it calls invalid — though another provider may; the
	// router fails over at once.
	refused
	// permanent: the recipient cannot be reached (an invalid number, a
	// landline, an unsubscribed or blocked recipient); no provider can
	// help.
	permanent
	// throttled: transient, with RetryAfter from the Retry-After header
	// when Twilio sends one.
	throttled
)

// errorClasses maps Twilio's documented error codes
// (https://www.twilio.com/docs/api/errors) to a class. A code not listed
// is classified by its HTTP status (see classify).
var errorClasses = map[int]errorClass{
	// Recipient: invalid, unreachable or unable to receive the channel.
	21211: permanent, // Invalid 'To' phone number
	21214: permanent, // 'To' phone number cannot be reached (calls)
	21216: permanent, // Call blocked by Twilio's blocklist: the number is barred, not the account
	21217: permanent, // Phone number does not appear to be valid (calls)
	21265: permanent, // 'To' number cannot be a short code
	21407: permanent, // This phone number type does not support SMS
	21610: permanent, // Attempt to send to an unsubscribed recipient (replied STOP)
	21614: permanent, // 'To' number is not a valid mobile number
	21635: permanent, // 'To' number cannot be a landline
	13223: permanent, // Dial: invalid phone number format
	13224: permanent, // Dial: Twilio does not support calling this number or the number is invalid
	// Delivery errors Twilio reports in status callbacks (and, rarely, on
	// a created message's error_code).
	30003: permanent, // Unreachable destination handset
	30004: permanent, // Message blocked (by the recipient or their carrier)
	30005: permanent, // Unknown destination handset
	30006: permanent, // Landline or unreachable carrier
	30007: refused,   // Carrier filtering: the content or sender, not the recipient
	30008: transient, // Unknown error

	// Account and credentials.
	20003: refused, // Authentication failed / permission denied
	20404: refused, // Resource not found: a wrong account_sid or base_url
	21408: refused, // Permission to send to this region is not enabled: account geo permissions
	21612: refused, // Twilio cannot route to this 'To' from this 'From' (region or route not enabled)
	21215: refused, // Geo permission configuration does not permit the call
	21219: refused, // 'To' number not verified: trial account restriction
	21608: refused, // 'To' number not verified: trial account restriction
	// Sender: configuration, not the recipient.
	21210: refused,   // 'From' phone number not verified (calls)
	21212: refused,   // Invalid caller id / 'From' number
	21213: refused,   // 'From' phone number is required (calls)
	21603: refused,   // 'From' or 'MessagingServiceSid' is required
	21606: refused,   // 'From' is not a valid message-capable number for this destination/account
	21611: transient, // 'From' number has exceeded its queue of outgoing messages: it drains
	21659: refused,   // 'From' is not a Twilio number, or short code country mismatch
	21660: refused,   // 'From' number does not belong to the account
	21661: refused,   // 'From' number is not SMS-capable
	// Request and template problems: otpd's or the operator's to fix.
	21201: refused, // No 'To' number specified (calls)
	21205: refused, // Url (or Twiml) is required / invalid
	21602: refused, // Message body is required
	21604: refused, // 'To' phone number is required
	21617: refused, // Message body exceeds 1600 characters

	// Throttling.
	20429: throttled, // Too many requests
	14107: throttled, // SMS send rate limit exceeded
}

// classify decides on a refusal by Twilio's code when it knows it, and
// otherwise by the HTTP status (0 for a resource created already failed):
// 429 is throttling; any other 4xx is Twilio refusing the request, which
// asking again will not change (408 and 425 excepted: they say "later");
// 5xx, no status and the rest are transient.
func classify(code, status int) errorClass {
	if c, ok := errorClasses[code]; ok {
		return c
	}
	switch {
	case status == http.StatusTooManyRequests:
		return throttled
	case status == http.StatusRequestTimeout || status == http.StatusTooEarly:
		return transient
	case status >= 400 && status <= 499:
		return refused
	}
	return transient
}
