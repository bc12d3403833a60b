package whatsapp

import (
	"net/http"
	"time"
)

// errorClass says what a Graph API refusal means for the delivery pipeline.
type errorClass int

const (
	// transient: retry, with this provider or (after the router's
	// attempts) the next one. Token, permission, account, template and
	// availability problems are transient on purpose: another provider
	// may well deliver the message.
	transient errorClass = iota
	// permanent: the recipient cannot get the message on WhatsApp.
	permanent
	// throttled: transient, with RetryAfter.
	throttled
)

// errorClasses maps the Cloud API's documented error codes
// (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
// to a class. Codes not listed are transient unless the HTTP status says
// otherwise (see classify): only a code known to blame the recipient gives
// up on a message.
var errorClasses = map[int]errorClass{
	// The recipient.
	131026: permanent, // Message undeliverable: not a WhatsApp user, old app, terms not accepted
	131021: permanent, // Recipient cannot be sender
	131050: permanent, // The user stopped receiving messages from the business

	// Authorization and the account.
	0:      transient, // AuthException
	3:      transient, // API method: capability or permissions issue
	10:     transient, // Permission denied
	190:    transient, // Access token has expired
	368:    transient, // Temporarily blocked for policy violations
	131031: transient, // Account has been locked
	130497: transient, // Business account restricted from messaging users in this country
	131042: transient, // Business eligibility payment issue
	131037: transient, // Display name not approved
	131005: transient, // Access denied
	133010: transient, // Phone number not registered

	// The request and the template: the operator's to fix.
	100:    transient, // Invalid parameter (also a wrong phone_number_id)
	33:     transient, // Parameter value is not valid (the business number was deleted)
	131008: transient, // Required parameter is missing
	131009: transient, // Parameter value is not valid
	131047: transient, // Re-engagement message: only templates may open a conversation, and this is one
	131051: transient, // Unsupported message type
	132000: transient, // Template parameter count mismatch
	132001: transient, // Template does not exist (in this language)
	132005: transient, // Translated text too long
	132007: transient, // Template format character policy violated
	132012: transient, // Template parameter format mismatch
	132015: transient, // Template is paused
	132016: transient, // Template is disabled

	// Meta's availability.
	1:      transient, // API unknown
	2:      transient, // API service
	131000: transient, // Something went wrong
	131016: transient, // Service unavailable
	131057: transient, // Account in maintenance mode
	133004: transient, // Server temporarily unavailable

	// Throttling.
	4:      throttled, // Application request limit reached
	80007:  throttled, // WhatsApp Business Account rate limit
	130429: throttled, // Cloud API throughput reached
	131048: throttled, // Spam rate limit: the number's quality limits its sending
	131056: throttled, // Pair rate limit: too many messages to the same recipient
}

// defaultRetryAfter is how long to wait after a throttling code when Meta
// names no time. The pair rate limit allows about one message every six
// seconds to the same user; throughput recovers within a second; the
// account limits are counted over an hour, so a minute is a modest guess.
var defaultRetryAfter = map[int]time.Duration{
	130429: time.Second,
	131056: 6 * time.Second,
	80007:  time.Minute,
	4:      time.Minute,
}

// classify decides on a refusal by its Graph code when it is known, and
// otherwise by the HTTP status: 429 is throttling, everything else —
// unknown codes, permission codes 200-299 included — is transient.
func classify(code, status int) errorClass {
	if c, ok := errorClasses[code]; ok {
		return c
	}
	if status == http.StatusTooManyRequests {
		return throttled
	}
	return transient
}
