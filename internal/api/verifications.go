package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

type createVerificationRequest struct {
	To         string          `json:"to"`
	Channel    string          `json:"channel" enum:"sms,voice,email,telegram,whatsapp"`
	Purpose    string          `json:"purpose" enum:"verification,two_factor,password_reset,transaction"`
	TTL        int             `json:"ttl"`
	CodeLength int             `json:"codeLength"`
	Locale     string          `json:"locale"`
	Metadata   json.RawMessage `json:"metadata" openapi:"object"`
	// Template names the project's template set the messages are written
	// from (policy.messages.templates[].name); absent or "default" is the
	// default set.
	Template string `json:"template"`
	// Fallback replaces channel with an ordered workflow: the first step
	// goes out at once, each next one when the previous step's timeout
	// (seconds) passes without a successful check.
	Fallback    []fallbackStepRequest `json:"fallback"`
	Transaction *transactionView      `json:"transaction"`
	CallerID    string                `json:"callerId"`
	// ChallengeToken is the end user's CAPTCHA token, when the project
	// requires one; the X-Challenge-Token header is the other place for it.
	ChallengeToken string `json:"challengeToken"`
	// RemoteIP is the end user's IP address, passed on to the CAPTCHA
	// provider; optional.
	RemoteIP string `json:"remoteIp"`
}

type fallbackStepRequest struct {
	Channel string `json:"channel" enum:"sms,voice,email,telegram,whatsapp"`
	To      string `json:"to"`
	Timeout int    `json:"timeout"`
}

type transactionView struct {
	Amount string `json:"amount"`
	Payee  string `json:"payee"`
}

func (req createVerificationRequest) fallback() []otp.FallbackStep {
	var out []otp.FallbackStep
	for _, st := range req.Fallback {
		out = append(out, otp.FallbackStep{Channel: otp.Channel(st.Channel), To: st.To, Timeout: time.Duration(st.Timeout) * time.Second})
	}
	return out
}

func (req createVerificationRequest) transaction() *otp.Transaction {
	if req.Transaction == nil {
		return nil
	}
	return &otp.Transaction{Amount: req.Transaction.Amount, Payee: req.Transaction.Payee}
}

type checkRequest struct {
	Code string `json:"code"`
}

type checkDestinationRequest struct {
	To   string `json:"to"`
	Code string `json:"code"`
}

type resendRequest struct {
	Channel string `json:"channel" enum:"sms,voice,email,telegram,whatsapp"`
}

func (s *Server) createVerification(w http.ResponseWriter, r *http.Request) error {
	if err := s.limitApp(w, r, otp.AppSend); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var req createVerificationRequest
	if err := decodeJSON(body, &req, false); err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	var hash []byte
	if key != "" { // only a retry compares it
		hash = requestHash(body)
	}
	v, replayed, err := s.svc.CreateVerification(r.Context(), appFrom(r), otp.CreateRequest{
		To: req.To, Channel: otp.Channel(req.Channel), Purpose: otp.Purpose(req.Purpose),
		TTL: time.Duration(req.TTL) * time.Second, CodeLength: req.CodeLength, Locale: req.Locale,
		Metadata: req.Metadata, Template: req.Template, Fallback: req.fallback(), Transaction: req.transaction(), CallerID: req.CallerID,
		IdempotencyKey: key, RequestHash: hash,
		ChallengeToken: challengeToken(r, req), RemoteIP: req.RemoteIP,
	})
	if err != nil {
		return err
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeData(w, http.StatusCreated, newVerificationView(v))
	return nil
}

func (s *Server) getVerification(w http.ResponseWriter, r *http.Request) error {
	v, err := s.svc.GetVerification(r.Context(), appFrom(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newVerificationView(v))
	return nil
}

func (s *Server) listVerifications(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := otp.VerificationFilter{
		Status: otp.Status(q.Get("status")), Channel: otp.Channel(q.Get("channel")),
		To: q.Get("to"), Cursor: q.Get("cursor"),
	}
	var err error
	if f.CreatedFrom, err = queryTime(q.Get("createdFrom"), "createdFrom"); err != nil {
		return err
	}
	if f.CreatedBefore, err = queryTime(q.Get("createdTo"), "createdTo"); err != nil {
		return err
	}
	f.Limit = 20
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return queryError("limit", "limit must be a whole number between 1 and 100")
		}
		f.Limit = n
	}
	want := f.Limit
	f.Limit++ // one more tells whether there is a next page
	vs, err := s.svc.ListVerifications(r.Context(), appFrom(r), f)
	if err != nil {
		return err
	}
	vs, page := paginate(vs, want, func(v *otp.Verification) string { return v.ID })
	views := make([]verificationView, len(vs))
	for i, v := range vs {
		views[i] = newVerificationView(v)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views, Pagination: page})
	return nil
}

func queryTime(s, field string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, queryError(field, field+" must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
	}
	return t, nil
}

func queryError(field, msg string) error {
	return &otp.Error{Code: otp.CodeInvalidParameter, Key: "invalid_query", Field: field, Message: msg}
}

func (s *Server) checkVerification(w http.ResponseWriter, r *http.Request) error {
	if err := s.limitApp(w, r, otp.AppCheck); err != nil {
		return err
	}
	var req checkRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	res, err := s.svc.Check(r.Context(), appFrom(r), r.PathValue("id"), req.Code)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newCheckView(res))
	return nil
}

func (s *Server) checkDestination(w http.ResponseWriter, r *http.Request) error {
	if err := s.limitApp(w, r, otp.AppCheck); err != nil {
		return err
	}
	var req checkDestinationRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	res, err := s.svc.CheckDestination(r.Context(), appFrom(r), req.To, req.Code)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newCheckView(res))
	return nil
}

// limitApp counts the request against its application's own limit of op
// a minute, when the project's policy sets one (the native API has no
// default). The rate-limit headers then describe that limit, the tighter
// of the two that apply.
func (s *Server) limitApp(w http.ResponseWriter, r *http.Request, op otp.AppOperation) error {
	d, err := s.svc.LimitApplication(r.Context(), appFrom(r), op, 0)
	if d.Limit > 0 {
		httpjson.SetRateHeaders(w, d)
	}
	return err
}

func newCheckView(res otp.CheckResult) checkView {
	v := res.Verification
	return checkView{
		ID: v.ID, Valid: res.Valid, Status: string(v.Status),
		AttemptsRemaining: v.AttemptsRemaining(), VerifiedAt: timePtr(v.VerifiedAt),
	}
}

func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request) error {
	var req resendRequest
	if err := s.decode(w, r, &req, true); err != nil {
		return err
	}
	v, err := s.svc.Resend(r.Context(), appFrom(r), r.PathValue("id"), otp.Channel(req.Channel))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newVerificationView(v))
	return nil
}

func (s *Server) cancelVerification(w http.ResponseWriter, r *http.Request) error {
	v, err := s.svc.Cancel(r.Context(), appFrom(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newVerificationView(v))
	return nil
}

func (s *Server) testMessages(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.svc.TestMessages(r.Context(), appFrom(r), r.URL.Query().Get("to"))
	if err != nil {
		return err
	}
	views := make([]testMessageView, len(ms))
	for i, m := range ms {
		views[i] = testMessageView{ID: m.ID, VerificationID: m.VerificationID, To: m.To, Channel: string(m.Channel),
			Body: m.Body, Code: m.Code, CreatedAt: m.CreatedAt}
	}
	writeJSON(w, http.StatusOK, listBody{Data: views})
	return nil
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	a := appFrom(r)
	v, err := s.svc.GetVerification(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	ms, err := s.svc.Messages(r.Context(), a, v.ID)
	if err != nil {
		return err
	}
	views := make([]messageView, len(ms))
	for i, m := range ms {
		views[i] = newMessageView(m, v)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views})
	return nil
}
