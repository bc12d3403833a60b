package twilio

import "net/http"

// errorClass says what a Twilio refusal means for the delivery pipeline.
type errorClass int

const (
	// transient: retry, with this provider or (after the router's
	// attempts) the next one. Account, credential, sender and template
	// problems are transient on purpose: another provider may well
	// deliver the message.
	transient errorClass = iota
	// permanent: the recipient or the message itself cannot be delivered
	// to; no provider can help.
	permanent
	// throttled: transient, with RetryAfter from the Retry-After header
	// when Twilio sends one.
	throttled
)

// errorClasses maps Twilio's documented error codes
// (https://www.twilio.com/docs/api/errors) to a class. Codes not listed
// are transient unless the HTTP status says otherwise (see classify):
// only a code known to blame the recipient gives up on a message.
var errorClasses = map[int]errorClass{
	// Recipient: invalid, unreachable or unable to receive the channel.
	21211: permanent, // Invalid 'To' phone number
	21214: permanent, // 'To' phone number cannot be reached (calls)
	21216: permanent, // Call blocked by Twilio's blocklist: the number is barred, not the account
	21217: permanent, // Phone number does not appear to be valid (calls)
	21265: permanent, // 'To' number cannot be a short code
	21407: permanent, // This phone number type does not support SMS
	21610: permanent, // Attempt to send to an unsubscribed recipient (replied STOP)
	21612: permanent, // The 'To' number is not currently reachable via SMS
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
	30007: transient, // Carrier filtering: the content or sender, not the recipient
	30008: transient, // Unknown error

	// Account and credentials.
	20003: transient, // Authentication failed / permission denied
	20404: transient, // Resource not found: a wrong account_sid or base_url
	21408: transient, // Permission to send to this region is not enabled: account geo permissions
	21215: transient, // Geo permission configuration does not permit the call
	21219: transient, // 'To' number not verified: trial account restriction
	21608: transient, // 'To' number not verified: trial account restriction
	// Sender: configuration, not the recipient.
	21210: transient, // 'From' phone number not verified (calls)
	21212: transient, // Invalid caller id / 'From' number
	21213: transient, // 'From' phone number is required (calls)
	21603: transient, // 'From' or 'MessagingServiceSid' is required
	21606: transient, // 'From' is not a valid message-capable number for this destination/account
	21611: transient, // 'From' number has exceeded its queue of outgoing messages
	21659: transient, // 'From' is not a Twilio number, or short code country mismatch
	21660: transient, // 'From' number does not belong to the account
	21661: transient, // 'From' number is not SMS-capable
	// Request and template problems: otpd's or the operator's to fix.
	21201: transient, // No 'To' number specified (calls)
	21205: transient, // Url (or Twiml) is required / invalid
	21602: transient, // Message body is required
	21604: transient, // 'To' phone number is required
	21617: transient, // Message body exceeds 1600 characters

	// Throttling.
	20429: throttled, // Too many requests
	14107: throttled, // SMS send rate limit exceeded
}

// classify decides on a refusal by Twilio's code when it knows it, and
// otherwise by the HTTP status: 429 is throttling, everything else —
// unknown 4xx codes included — is transient.
func classify(code, status int) errorClass {
	if c, ok := errorClasses[code]; ok {
		return c
	}
	if status == http.StatusTooManyRequests {
		return throttled
	}
	return transient
}
