package api

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
)

// challengeToken is the CAPTCHA token of a create request: the
// X-Challenge-Token header, else the legacy X-CF-Turnstile-Token header
// (kod.mobi's), else the challengeToken field.
func challengeToken(r *http.Request, req createVerificationRequest) string {
	if t := r.Header.Get("X-Challenge-Token"); t != "" {
		return t
	}
	if t := r.Header.Get("X-CF-Turnstile-Token"); t != "" {
		return t
	}
	return req.ChallengeToken
}

// requestHash identifies a create request for idempotent retries: the
// hash of its fields in a canonical order, without the CAPTCHA fields. A
// retry carries a fresh token when the widget was solved again, in the
// body or in a header, and it is the same request all the same.
func requestHash(body []byte) []byte {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		// Unreachable: the body has just been decoded as an object.
		sum := sha256.Sum256(body)
		return sum[:]
	}
	delete(fields, "challengeToken")
	delete(fields, "remoteIp")
	canonical, err := json.Marshal(fields) // keys sorted, values compacted
	if err != nil {
		canonical = body
	}
	sum := sha256.Sum256(canonical)
	return sum[:]
}
