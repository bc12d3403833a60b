package vonagetest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Encoding is how Vonage delivers an SMS webhook, as chosen in the
// dashboard.
type Encoding int

// Webhook encodings.
const (
	GET      Encoding = iota // parameters in the query
	POSTForm                 // application/x-www-form-urlencoded body
	POSTJSON                 // application/json body of strings
)

// DLR is an SMS delivery receipt. Empty fields are left out, except
// those Vonage always sends.
type DLR struct {
	MessageID        string // messageId
	MSISDN           string // msisdn: the recipient
	To               string // to: the sender
	NetworkCode      string // network-code
	Price            string // price
	Status           string // delivered, expired, failed, rejected, accepted, buffered, unknown
	SCTS             string // scts: YYMMDDHHMM
	ErrCode          string // err-code
	ClientRef        string // client-ref
	MessageTimestamp string // message-timestamp: YYYY-MM-DD HH:MM:SS
	// SignedAt is the signature timestamp; zero means now.
	SignedAt time.Time
}

// SendDLR sends d, signed with the account's signature secret and method
// as Vonage signs webhooks, to callbackURL, and returns the HTTP status.
func (s *Server) SendDLR(ctx context.Context, callbackURL string, d DLR, enc Encoding) (int, error) {
	signedAt := d.SignedAt
	if signedAt.IsZero() {
		signedAt = time.Now()
	}
	params := map[string]string{
		"msisdn": d.MSISDN, "to": d.To, "messageId": d.MessageID, "status": d.Status,
		"err-code": d.ErrCode, "api-key": s.APIKey, "message-timestamp": d.MessageTimestamp,
		"timestamp": strconv.FormatInt(signedAt.Unix(), 10), "nonce": nonce(),
	}
	for k, v := range map[string]string{"network-code": d.NetworkCode, "price": d.Price, "scts": d.SCTS, "client-ref": d.ClientRef} {
		if v != "" {
			params[k] = v
		}
	}
	params["sig"] = Sign(params, s.SignatureSecret, s.SignatureMethod)

	var req *http.Request
	var err error
	switch enc {
	case GET:
		q := url.Values{}
		for k, v := range params {
			q.Set(k, v)
		}
		u := callbackURL + "?" + q.Encode()
		if strings.Contains(callbackURL, "?") {
			u = callbackURL + "&" + q.Encode()
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	case POSTForm:
		f := url.Values{}
		for k, v := range params {
			f.Set(k, v)
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, strings.NewReader(f.Encode()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case POSTJSON:
		body, _ := json.Marshal(params)
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, bytes.NewReader(body))
		if req != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	default:
		return 0, fmt.Errorf("vonagetest: unknown encoding %d", enc)
	}
	if err != nil {
		return 0, fmt.Errorf("vonagetest: %w", err)
	}
	return s.send(req)
}

// Sign computes Vonage's signature of webhook or request parameters with
// secret and method: the parameters but sig, sorted by name, joined as
// "&name=value" with "&" and "=" in values replaced by "_"; md5hash
// appends the secret and takes the lower-case hex MD5, the others
// (md5, sha1, sha256, sha512) an upper-case hex HMAC keyed by the secret.
func Sign(params map[string]string, secret, method string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != "sig" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var base string
	for _, k := range names {
		v := strings.ReplaceAll(strings.ReplaceAll(params[k], "&", "_"), "=", "_")
		base += "&" + k + "=" + v
	}
	hashes := map[string]func() hash.Hash{"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}
	h, ok := hashes[method]
	if !ok { // md5hash
		sum := md5.Sum([]byte(base + secret))
		return hex.EncodeToString(sum[:])
	}
	mac := hmac.New(h, []byte(secret))
	io.WriteString(mac, base)
	return strings.ToUpper(hex.EncodeToString(mac.Sum(nil)))
}

// CallEvent is a Voice API event webhook.
type CallEvent struct {
	UUID             string
	ConversationUUID string // defaults to "CON-" + UUID
	Status           string // started, ringing, answered, completed, busy, failed, …
	From, To         string
	Direction        string    // defaults to outbound
	Duration         string    // sent with completed
	Detail           string    // why a call failed
	Timestamp        time.Time // when it happened; zero means now
	// IssuedAt is the JWT's iat; zero means now.
	IssuedAt time.Time
	// TamperBody changes the body after signing, so payload_hash no
	// longer matches.
	TamperBody bool
	// OmitPayloadHash leaves payload_hash out of the JWT, so the token
	// vouches for no body.
	OmitPayloadHash bool
}

// SendCallEvent POSTs e as JSON to callbackURL with a JWT in
// Authorization signed HS256 with the signature secret, carrying iat,
// jti, iss, api_key, application_id and the payload's SHA-256, as Vonage
// signs webhooks. It returns the HTTP status.
func (s *Server) SendCallEvent(ctx context.Context, callbackURL string, e CallEvent) (int, error) {
	ts := e.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	ev := map[string]string{
		"uuid": e.UUID, "conversation_uuid": e.ConversationUUID, "status": e.Status,
		"from": e.From, "to": e.To, "direction": e.Direction,
		"timestamp": ts.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if ev["conversation_uuid"] == "" {
		ev["conversation_uuid"] = "CON-" + e.UUID
	}
	if ev["direction"] == "" {
		ev["direction"] = "outbound"
	}
	if e.Duration != "" {
		ev["duration"] = e.Duration
	}
	if e.Detail != "" {
		ev["detail"] = e.Detail
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return 0, fmt.Errorf("vonagetest: %w", err)
	}
	iat := e.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	sum := sha256.Sum256(body)
	fields := map[string]any{
		"iat": iat.Unix(), "jti": nonce(), "iss": "Vonage", "payload_hash": hex.EncodeToString(sum[:]),
		"api_key": s.APIKey, "application_id": s.ApplicationID,
	}
	if e.OmitPayloadHash {
		delete(fields, "payload_hash")
	}
	claims, _ := json.Marshal(fields)
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(s.SignatureSecret))
	io.WriteString(mac, signing)
	token := signing + "." + enc.EncodeToString(mac.Sum(nil))
	if e.TamperBody {
		body = bytes.Replace(body, []byte(e.Status), []byte("completed"), 1)
		body = append(body[:len(body)-1], []byte(`,"tampered":"1"}`)...)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("vonagetest: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return s.send(req)
}

func (s *Server) send(req *http.Request) (int, error) {
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("vonagetest: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func nonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
