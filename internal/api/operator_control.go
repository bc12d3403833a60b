package api

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// The operator's control of tenants (suspension, deletion, session
// revocation, the hold on applications, password resets) and a
// developer's own password and sessions. Each act has a route of its own,
// so that the audit log, which records the route, says what was done.

func (s *Server) suspendDeveloper(w http.ResponseWriter, r *http.Request) error {
	return s.setDeveloperStatus(w, r, otp.DeveloperSuspended)
}

func (s *Server) reactivateDeveloper(w http.ResponseWriter, r *http.Request) error {
	return s.setDeveloperStatus(w, r, otp.DeveloperActive)
}

func (s *Server) setDeveloperStatus(w http.ResponseWriter, r *http.Request, st otp.DeveloperStatus) error {
	d, err := s.svc.SetDeveloperStatus(r.Context(), r.PathValue("id"), st)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newDeveloperView(d))
	return nil
}

func (s *Server) deleteDeveloper(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteDeveloper(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) revokeDeveloperSessions(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.RevokeSessions(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) logoutAll(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.RevokeMySessions(r.Context()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) operatorDisableApplication(w http.ResponseWriter, r *http.Request) error {
	return s.setOperatorDisabled(w, r, true)
}

func (s *Server) operatorEnableApplication(w http.ResponseWriter, r *http.Request) error {
	return s.setOperatorDisabled(w, r, false)
}

func (s *Server) setOperatorDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	a, err := s.svc.SetOperatorDisabled(r.Context(), r.PathValue("id"), disabled)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newApplicationView(a))
	return nil
}

type passwordChangeRequest struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordChangeRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	token, sess, err := s.svc.ChangePassword(r.Context(), req.CurrentPassword, req.NewPassword)
	if err != nil {
		return err
	}
	dev, err := s.svc.GetDeveloper(r.Context(), sess.DeveloperID)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, sessionView{Token: token, ExpiresAt: sess.ExpiresAt, Developer: newDeveloperView(dev)})
	return nil
}

// passwordResetView is a password-reset token, shown this once.
type passwordResetView struct {
	// Token is given to the developer, who sets a new password with
	// POST /v1/auth/password-reset {"token": token, "password": …}, once.
	Token       string    `json:"token"`
	DeveloperID string    `json:"developerId"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

func (s *Server) createPasswordReset(w http.ResponseWriter, r *http.Request) error {
	token, pr, err := s.svc.CreatePasswordReset(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, passwordResetView{Token: token, DeveloperID: pr.DeveloperID, ExpiresAt: pr.ExpiresAt})
	return nil
}

type passwordResetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// resetPassword takes no console token, so the audited wrapper does not
// see it: it records a successful reset itself, as the developer's act.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.LimitSignIn(r.Context(), httpjson.RemoteIP(r)); err != nil {
		return err // it hashes a password, as a sign-in does
	}
	var req passwordResetRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	dev, err := s.svc.ResetPassword(r.Context(), req.Token, req.Password)
	if err != nil {
		return err
	}
	var host string // the client, through trusted proxies
	if ip := httpjson.RemoteIP(r); ip.IsValid() {
		host = ip.String()
	}
	ctx, cancel := auditContext(r)
	defer cancel()
	if aerr := s.svc.Audit(ctx, otp.AuditEntry{Actor: "developer:" + dev.ID,
		Action: "POST /v1/auth/password-reset", Target: r.URL.Path,
		Status: http.StatusOK, RemoteAddr: host, UserAgent: r.UserAgent()}); aerr != nil {
		s.log.Error("audit log", "err", aerr, "action", "POST /v1/auth/password-reset")
	}
	writeData(w, http.StatusOK, newDeveloperView(dev))
	return nil
}
