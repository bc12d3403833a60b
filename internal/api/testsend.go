package api

import (
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// testSendRequest is what the console's "send a test verification" form sends.
type testSendRequest struct {
	To      string `json:"to"`
	Channel string `json:"channel" enum:"sms,voice,email,telegram,whatsapp"`
}

func (s *Server) testSend(w http.ResponseWriter, r *http.Request) error {
	var req testSendRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	v, err := s.svc.TestSend(r.Context(), r.PathValue("id"), otp.CreateRequest{To: req.To, Channel: otp.Channel(req.Channel)})
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, newVerificationView(v))
	return nil
}
