package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
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
	MonthlySends      int `json:"monthlySends"` // 0 is unlimited
	// Untrusted: the developer's template overrides wait for the
	// operator's approval (a project's pendingTemplates) before use.
	// Left out of a PATCH, it stays as it is.
	Untrusted *bool `json:"untrusted"`
}

// developerView never carries the password hash.
type developerView struct {
	ID      string   `json:"id"`
	Email   string   `json:"email"`
	Name    string   `json:"name"`
	Company string   `json:"company"`
	Plan    planView `json:"plan"`
	// VirtualPhoneNumber is the E.164 number the operator gave the
	// developer, null when none; only the operator sets it
	// (PATCH /v1/developers/{id}).
	VirtualPhoneNumber *string `json:"virtualPhoneNumber"`
	// Status is set by the operator: a suspended developer can neither
	// sign in nor use the console, and their applications' keys are
	// refused (403, developer_suspended).
	Status    string    `json:"status" enum:"active,suspended"`
	CreatedAt time.Time `json:"createdAt"`
}

func newDeveloperView(d *otp.Developer) developerView {
	v := developerView{ID: d.ID, Email: d.Email, Name: d.Name, Company: d.Company,
		Plan: planView{MaxProjects: d.Plan.MaxProjects, MaxAppsPerProject: d.Plan.MaxAppsPerProject, MonthlySends: d.Plan.MonthlySends,
			Untrusted: &d.Plan.Untrusted},
		Status: string(d.Status), CreatedAt: d.CreatedAt}
	if d.VirtualPhoneNumber != "" {
		v.VirtualPhoneNumber = &d.VirtualPhoneNumber
	}
	return v
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

// signupRequest is an account request, with the invitation that allows
// it while sign-up is closed.
type signupRequest struct {
	Email      *string `json:"email"`
	Password   *string `json:"password"`
	Name       *string `json:"name"`
	Company    *string `json:"company"`
	Invitation string  `json:"invitation"`
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.LimitSignIn(r.Context(), httpjson.RemoteIP(r)); err != nil {
		return err
	}
	var req signupRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	in := otp.DeveloperInput{Email: req.Email, Password: req.Password, Name: req.Name, Company: req.Company}
	switch {
	case req.Invitation != "":
		// The invitation names the email, so the answer tells its
		// holder nothing the operator did not.
		d, err := s.svc.AcceptInvitation(r.Context(), req.Invitation, in)
		if err != nil {
			return err
		}
		writeData(w, http.StatusCreated, newDeveloperView(d))
		return nil
	case s.openSignup:
		// One answer whether the email was free or taken.
		if err := s.svc.SignUp(r.Context(), in); err != nil {
			return err
		}
		writeData(w, http.StatusAccepted, signupView{Email: strings.ToLower(strings.TrimSpace(*req.Email)),
			Message: "If this email had no account, it has one now: sign in with it and your password"})
		return nil
	default:
		return &otp.Error{Code: otp.CodeForbidden, Key: "signup_closed", Message: "Sign-up is closed: ask the operator for an account or an invitation"}
	}
}

// signupView answers an open sign-up, the same for a new and a taken
// email, so that it does not tell who has an account.
type signupView struct {
	Email   string `json:"email"`
	Message string `json:"message"`
}

type invitationRequest struct {
	Email string `json:"email"`
}

type invitationView struct {
	Token     string    `json:"token"` // give it to the person: POST /v1/auth/signup {"invitation": token, …}
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) error {
	var req invitationRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	token, inv, err := s.svc.Invite(r.Context(), req.Email)
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, invitationView{Token: token, Email: inv.Email, ExpiresAt: inv.ExpiresAt})
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.LimitSignIn(r.Context(), httpjson.RemoteIP(r)); err != nil {
		return err
	}
	var req loginRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	token, sess, dev, err := s.svc.Login(r.Context(), req.Email, req.Password)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, sessionView{Token: token, ExpiresAt: sess.ExpiresAt, Developer: newDeveloperView(dev)})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.Logout(r.Context(), bearer(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	dev, err := s.svc.Me(r.Context())
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newDeveloperView(dev))
	return nil
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) error {
	var req developerRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	d, err := s.svc.UpdateMe(r.Context(), req.input())
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newDeveloperView(d))
	return nil
}

// planRequest is what the operator changes on a developer's account.
type planRequest struct {
	Plan *planView `json:"plan"`
	// VirtualPhoneNumber sets the developer's virtual phone number (E.164);
	// "" removes it.
	VirtualPhoneNumber *string `json:"virtualPhoneNumber"`
}

func (s *Server) listDevelopers(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.svc.ListDevelopers(r.Context())
	if err != nil {
		return err
	}
	views := make([]developerView, len(ds))
	for i, d := range ds {
		views[i] = newDeveloperView(d)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views})
	return nil
}

func (s *Server) setPlan(w http.ResponseWriter, r *http.Request) error {
	var req planRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	in := otp.DeveloperAccountInput{VirtualPhoneNumber: req.VirtualPhoneNumber}
	if p := req.Plan; p != nil {
		in.Plan = &otp.Plan{MaxProjects: p.MaxProjects, MaxAppsPerProject: p.MaxAppsPerProject, MonthlySends: p.MonthlySends}
		if p.Untrusted != nil {
			in.Plan.Untrusted, in.Plan.UntrustedSet = *p.Untrusted, true
		}
	}
	d, err := s.svc.UpdateDeveloperAccount(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newDeveloperView(d))
	return nil
}
