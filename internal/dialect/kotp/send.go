package kotp

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// sendRequest is the body of POST /v1/send. The descriptions are the
// seed document's.
type sendRequest struct {
	To       string `json:"to" description:"Phone number (E.164) or email address"`
	Method   string `json:"method" enum:"sms,email,voice" description:"Delivery method: sms, email, voice"`
	Type     string `json:"type" enum:"verification,two_factor,password_reset,transaction" description:"OTP type: verification, two_factor, password_reset, transaction"`
	Template string `json:"template" description:"Template name (default: \"default\"): a template set of the project"`
	// TTL and Length are pointers: an absent value takes the project's
	// policy, a zero is out of range.
	TTL      *int            `json:"ttl" description:"Time to live in seconds (default: 300, min: 30, max: 900)"`
	Length   *int            `json:"length" description:"OTP length (default: 6, min: 4, max: 8)"`
	Metadata json.RawMessage `json:"metadata" openapi:"object" description:"Custom metadata (max 1KB), returned by /verify; for type transaction, amount and payee are what the message asks to confirm"`
}

// sentOTP is the answer of POST /v1/send.
type sentOTP struct {
	ID     string `json:"id"`
	To     string `json:"to"`
	Method string `json:"method"`
	Type   string `json:"type"`
	// Status is pending while the message waits for a provider, sent once
	// one accepted it (at once for a sandbox application).
	Status    string    `json:"status" enum:"pending,sent,delivered,failed,expired,verified"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Cost      cost      `json:"cost"`
}

// cost is a price as K-OTP writes it.
type cost struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// defaultCurrency is the currency of a cost when no price is known.
const defaultCurrency = "USD"

func newCost(m otp.Money) cost {
	c := cost{Amount: float64(m.Micros) / 1e6, Currency: m.Currency}
	if c.Currency == "" {
		c.Currency = defaultCurrency
	}
	return c
}

// K-OTP's bounds of a code's length; otpd's own go to 10 digits.
const (
	minLength = 4
	maxLength = 8
)

// send answers POST /v1/send.
func (d *Dialect) send(w http.ResponseWriter, r *http.Request, a *otp.Application) error {
	var req sendRequest
	values, err := decodeBody(w, r, &req)
	if err != nil {
		return err
	}
	creq, err := req.createRequest()
	if err != nil {
		return withValues(err, values)
	}
	v, _, err := d.svc.CreateVerification(r.Context(), a, creq)
	if err != nil {
		return fromDomain(err, values)
	}
	httpjson.Write(w, http.StatusOK, sentOTP{
		ID: wireID(v.ID), To: v.To, Method: string(v.Channel), Type: string(v.Purpose),
		Status: statusOfOTP(v, d.svc.Now()), CreatedAt: wireTime(v.CreatedAt), ExpiresAt: wireTime(v.ExpiresAt),
		Cost: newCost(d.svc.Cost(a, v)),
	})
	return nil
}

// createRequest checks what K-OTP's document requires of a send beyond
// the domain's rules (method and type are required; its enums; length
// 4 to 8) and translates the request.
func (req sendRequest) createRequest() (otp.CreateRequest, error) {
	switch req.Method {
	case "":
		return otp.CreateRequest{}, invalid("method", "required", "method is required: sms, email or voice")
	case string(otp.SMS), string(otp.Email), string(otp.Voice):
	default:
		return otp.CreateRequest{}, invalid("method", "invalid_method", "method must be one of sms, email, voice")
	}
	switch otp.Purpose(req.Type) {
	case "":
		return otp.CreateRequest{}, invalid("type", "required", "type is required: verification, two_factor, password_reset or transaction")
	case otp.PurposeVerification, otp.PurposeTwoFactor, otp.PurposePasswordReset, otp.PurposeTransaction:
	default:
		return otp.CreateRequest{}, invalid("type", "invalid_purpose", "type must be one of verification, two_factor, password_reset, transaction")
	}
	creq := otp.CreateRequest{To: req.To, Channel: otp.Channel(req.Method), Purpose: otp.Purpose(req.Type),
		Template: req.Template, Metadata: req.Metadata}
	if string(req.Metadata) == "null" {
		creq.Metadata = nil
	}
	if req.TTL != nil {
		// Zero asks the domain for the project's default: K-OTP has no such value.
		if *req.TTL < int(otp.MinTTL/time.Second) || *req.TTL > int(otp.MaxTTL/time.Second) {
			return otp.CreateRequest{}, invalid("ttl", "out_of_range", "ttl must be between 30 and 900 seconds")
		}
		creq.TTL = time.Duration(*req.TTL) * time.Second
	}
	if req.Length != nil {
		if *req.Length < minLength || *req.Length > maxLength {
			return otp.CreateRequest{}, invalid("length", "out_of_range", "length must be between 4 and 8")
		}
		creq.CodeLength = *req.Length
	}
	if creq.Purpose == otp.PurposeTransaction {
		creq.Transaction = transactionOf(req.Metadata)
	}
	return creq, nil
}

// transactionOf reads what a transaction code confirms from the
// metadata's amount (a string or a number) and payee; nil if neither is
// there, which the domain refuses for type transaction.
func transactionOf(metadata json.RawMessage) *otp.Transaction {
	var m struct {
		Amount json.RawMessage `json:"amount"`
		Payee  any             `json:"payee"`
	}
	if json.Unmarshal(metadata, &m) != nil {
		return nil
	}
	t := &otp.Transaction{}
	var s string
	var n json.Number
	switch {
	case json.Unmarshal(m.Amount, &s) == nil:
		t.Amount = s
	case json.Unmarshal(m.Amount, &n) == nil:
		t.Amount = n.String()
	}
	if p, ok := m.Payee.(string); ok {
		t.Payee = p
	}
	if t.Amount == "" && t.Payee == "" {
		return nil
	}
	return t
}

// invalid is a field error of a request.
func invalid(field, key, msg string) *otp.Error {
	return &otp.Error{Code: otp.CodeInvalidParameter, Key: key, Field: field, Message: msg}
}
