package whatsapp

import (
	"net/http"
	"time"
)

// errorClass says what a Graph API refusal means for the delivery pipeline
// (otp.ProviderError's three classes, throttling being a transient one).
type errorClass int

const (
	// transient: retry with backoff, with this provider or (after the
	// router's attempts) the next one: Meta's availability.
	transient errorClass = iota
	// refused: Meta will not take this message from us however often it
	// is asked — the token, permissions, the account, the business
	// number, the template or a request it calls invalid — though another
	// provider may deliver it; the router fails over at once.
	refused
	// permanent: the recipient cannot get the message on WhatsApp.
	permanent
	// throttled: transient, with RetryAfter.
	throttled
)

// errorClasses maps the Cloud API's documented error codes
// (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
// to a class. Codes not listed are classified by classify.
var errorClasses = map[int]errorClass{
	// The recipient.
	131026: permanent, // Message undeliverable: not a WhatsApp user, old app, terms not accepted
	131021: permanent, // Recipient cannot be sender
	131050: permanent, // The user stopped receiving messages from the business

	// Authorization and the account. (AuthException, code 0, is judged
	// by its HTTP status, like an answer without a code.)
	3:      refused, // API method: capability or permissions issue
	10:     refused, // Permission denied
	190:    refused, // Access token has expired
	368:    refused, // Temporarily blocked for policy violations
	131030: refused, // Recipient not in the allowed list: a test number's restriction, not the recipient's
	131031: refused, // Account has been locked
	130497: refused, // Business account restricted from messaging users in this country
	131042: refused, // Business eligibility payment issue
	131037: refused, // Display name not approved
	131005: refused, // Access denied
	133010: refused, // Phone number not registered

	// The request and the template: the operator's to fix.
	100:    refused, // Invalid parameter (also a wrong phone_number_id)
	33:     refused, // Parameter value is not valid (the business number was deleted)
	131008: refused, // Required parameter is missing
	131009: refused, // Parameter value is not valid
	131047: refused, // Re-engagement message: only templates may open a conversation, and this is one
	131051: refused, // Unsupported message type
	132000: refused, // Template parameter count mismatch
	132001: refused, // Template does not exist (in this language)
	132005: refused, // Translated text too long
	132007: refused, // Template format character policy violated
	132012: refused, // Template parameter format mismatch
	132015: refused, // Template is paused
	132016: refused, // Template is disabled

	// Meta's availability.
	1:      transient, // API unknown
	2:      transient, // API service
	131000: transient, // Something went wrong
	131016: transient, // Service unavailable
	131057: transient, // Account in maintenance mode
	133004: transient, // Server temporarily unavailable

	// Throttling.
	4:      throttled, // Application request limit reached
	613:    throttled, // Calls to this API have exceeded the rate limit
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
	613:    time.Minute,
}

// classify decides on a refusal by its Graph code when it is known, and
// otherwise: Graph's is_transient flag, then the permission codes
// 200-299 (refused), then the HTTP status — 429 is throttling, any other
// 4xx (but 408 and 425) refused, the rest transient.
func classify(code, status int, isTransient bool) errorClass {
	if c, ok := errorClasses[code]; ok {
		return c
	}
	switch {
	case isTransient:
		return transient
	case code >= 200 && code <= 299:
		return refused
	case status == http.StatusTooManyRequests:
		return throttled
	case status == http.StatusRequestTimeout || status == http.StatusTooEarly:
		return transient
	case status >= 400 && status <= 499:
		return refused
	}
	return transient
}
