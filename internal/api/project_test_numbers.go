package api

import (
	"net/http"

	"github.com/otpd/otpd/internal/otp"
)

// testNumberView is one test number of a project.
type testNumberView struct {
	To   string `json:"to" description:"E.164 phone number or email address, normalised; a verification to exactly it sends nothing"`
	Code string `json:"code" description:"The fixed code, 4 to 10 digits: a verification to the number verifies with it"`
}

// testNumbersView is a project's test numbers; the PUT body is the same.
type testNumbersView struct {
	TestNumbers []testNumberView `json:"testNumbers" description:"At most 50; [] clears the list"`
}

func newTestNumbersView(ts []otp.TestNumber) testNumbersView {
	out := testNumbersView{TestNumbers: make([]testNumberView, 0, len(ts))}
	for _, t := range ts {
		out.TestNumbers = append(out.TestNumbers, testNumberView{To: t.To, Code: t.Code})
	}
	return out
}

func (s *Server) getTestNumbers(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.svc.TestNumbers(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newTestNumbersView(ts))
	return nil
}

func (s *Server) setTestNumbers(w http.ResponseWriter, r *http.Request) error {
	var req testNumbersView
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	in := make([]otp.TestNumber, 0, len(req.TestNumbers))
	for _, t := range req.TestNumbers {
		in = append(in, otp.TestNumber{To: t.To, Code: t.Code})
	}
	ts, err := s.svc.SetTestNumbers(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newTestNumbersView(ts))
	return nil
}
