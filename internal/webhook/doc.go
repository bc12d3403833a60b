// Package webhook sends otpd's event notifications to the HTTP endpoints
// applications register: it builds the JSON body of an event, signs it in
// one of three dialects (Standard Webhooks, K-OTP, Cobinar), posts it with
// protection against server-side request forgery, and says when to retry a
// failed delivery and when to give up on an endpoint.
//
// The package holds no state between deliveries; the durable queue that
// stores messages, attempts and endpoint health lives elsewhere and calls
// Encode, Sign, Sender.Send, NextAttempt and ShouldDisable in that order.
package webhook
