package api

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

type developerRequest struct {
	Email    *string `json:"email"`
	Password *string `json:"password"`
	Name     *string `json:"name"`
	Company  *string `json:"company"`
}

func (req developerRequest) input() otp.DeveloperInput {
	return otp.DeveloperInput{Email: req.Email, Password: req.Password, Name: req.Name, Company: req.Company}
}

type planView struct {
	MaxProjects       int `json:"maxProjects"`
	MaxAppsPerProject int `json:"maxAppsPerProject"`
}

// developerView never carries the password hash.
type developerView struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Company   string    `json:"company"`
	Plan      planView  `json:"plan"`
	CreatedAt time.Time `json:"createdAt"`
}

func newDeveloperView(d *otp.Developer) developerView {
	return developerView{ID: d.ID, Email: d.Email, Name: d.Name, Company: d.Company,
		Plan: planView{MaxProjects: d.Plan.MaxProjects, MaxAppsPerProject: d.Plan.MaxAppsPerProject}, CreatedAt: d.CreatedAt}
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type sessionView struct {
	Token     string        `json:"token"` // send as Authorization: Bearer <token> to console endpoints
	ExpiresAt time.Time     `json:"expiresAt"`
	Developer developerView `json:"developer"`
}

func (s *Server) createDeveloper(w http.ResponseWriter, r *http.Request) error {
	if otp.PrincipalOf(r.Context()).Developer != nil {
		return &otp.Error{Code: otp.CodeForbidden, Key: "operator_only", Message: "Only the operator's admin token may create accounts"}
	}
	return s.signupWith(w, r)
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if !s.openSignup {
		return &otp.Error{Code: otp.CodeForbidden, Key: "signup_closed", Message: "Sign-up is closed: ask the operator for an account"}
	}
	return s.signupWith(w, r)
}

func (s *Server) signupWith(w http.ResponseWriter, r *http.Request) error {
	var req developerRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	d, err := s.svc.CreateDeveloper(r.Context(), req.input())
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, newDeveloperView(d))
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	token, sess, dev, err := s.svc.Login(r.Context(), req.Email, req.Password)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeData(w, http.StatusOK, sessionView{Token: token, ExpiresAt: sess.ExpiresAt, Developer: newDeveloperView(dev)})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if otp.PrincipalOf(r.Context()).Developer == nil {
		return &otp.Error{Code: otp.CodeForbidden, Key: "no_session", Message: "The admin token is not a session; there is nothing to sign out of"}
	}
	if err := s.svc.Logout(r.Context(), bearer(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	dev := otp.PrincipalOf(r.Context()).Developer
	if dev == nil {
		return &otp.Error{Code: otp.CodeForbidden, Key: "no_developer", Message: "The admin token belongs to no developer account"}
	}
	writeData(w, http.StatusOK, newDeveloperView(dev))
	return nil
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) error {
	dev := otp.PrincipalOf(r.Context()).Developer
	if dev == nil {
		return &otp.Error{Code: otp.CodeForbidden, Key: "no_developer", Message: "The admin token belongs to no developer account"}
	}
	var req developerRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	d, err := s.svc.UpdateDeveloper(r.Context(), dev.ID, req.input())
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newDeveloperView(d))
	return nil
}
