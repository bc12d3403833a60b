package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

type projectRequest struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Policy      json.RawMessage `json:"policy" openapi:"policyView"`
}

// input turns the request into a domain input. A policy in the request
// changes only the fields it names, on top of base.
func (req projectRequest) input(base otp.Policy) (otp.ProjectInput, error) {
	in := otp.ProjectInput{Name: req.Name, Description: req.Description}
	if len(req.Policy) > 0 && string(req.Policy) != "null" {
		pv := newPolicyView(base)
		if err := decodeJSON(req.Policy, &pv, false); err != nil {
			if e := otp.ErrorOf(err); e != nil && e.Field != "" {
				e.Field = "policy." + e.Field
			}
			return in, err
		}
		p := pv.policy()
		in.Policy = &p
		if pv.Challenge.SecretKey != "" {
			in.ChallengeSecret = &pv.Challenge.SecretKey
		}
	}
	return in, nil
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request) error {
	var req projectRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	in, err := req.input(otp.DefaultPolicy())
	if err != nil {
		return err
	}
	p, err := s.svc.CreateProject(r.Context(), in)
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, newProjectView(p))
	return nil
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.svc.ListProjects(r.Context())
	if err != nil {
		return err
	}
	views := make([]projectView, len(ps))
	for i, p := range ps {
		views[i] = newProjectView(p)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views})
	return nil
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request) error {
	p, err := s.svc.GetProject(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newProjectView(p))
	return nil
}

func (s *Server) updateProject(w http.ResponseWriter, r *http.Request) error {
	var req projectRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	p, err := s.svc.GetProject(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	in, err := req.input(p.Policy)
	if err != nil {
		return err
	}
	p, err = s.svc.UpdateProject(r.Context(), p.ID, in)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newProjectView(p))
	return nil
}

func (s *Server) deleteProject(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteProject(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type applicationRequest struct {
	Name        *string `json:"name"`
	ProjectID   *string `json:"projectId"`
	Environment *string `json:"environment" enum:"live,test"`
	Status      *string `json:"status" enum:"active,disabled"`
	// AllowedOrigins and ReturnURLs replace the lists when present.
	AllowedOrigins *[]string `json:"allowedOrigins"`
	ReturnURLs     *[]string `json:"returnUrls"`
}

func (req applicationRequest) input() otp.ApplicationInput {
	in := otp.ApplicationInput{Name: req.Name, ProjectID: req.ProjectID, AllowedOrigins: req.AllowedOrigins, ReturnURLs: req.ReturnURLs}
	if req.Environment != nil {
		e := otp.Environment(*req.Environment)
		in.Environment = &e
	}
	if req.Status != nil {
		st := otp.AppStatus(*req.Status)
		in.Status = &st
	}
	return in
}

func (s *Server) createApplication(w http.ResponseWriter, r *http.Request) error {
	var req applicationRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	a, c, err := s.svc.CreateApplication(r.Context(), req.input())
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, createdApplicationView{
		ID: a.ID, Name: a.Name, ProjectID: a.ProjectID, Environment: string(a.Environment), Status: string(a.Status),
		ClientID: a.ClientID, ClientSecret: c.ClientSecret, APIKey: c.APIKey, PublicKey: a.PublicKey,
		WebhookSecret: c.WebhookSecret, Warning: credentialsWarning, CreatedAt: a.CreatedAt,
		AllowedOrigins: append([]string{}, a.AllowedOrigins...), ReturnURLs: append([]string{}, a.ReturnURLs...),
	})
	return nil
}

func (s *Server) listApplications(w http.ResponseWriter, r *http.Request) error {
	as, err := s.svc.ListApplications(r.Context(), otp.ApplicationFilter{ProjectID: r.URL.Query().Get("projectId")})
	if err != nil {
		return err
	}
	views := make([]applicationView, len(as))
	for i, a := range as {
		views[i] = newApplicationView(a)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views})
	return nil
}

func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.GetApplication(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newApplicationView(a))
	return nil
}

func (s *Server) updateApplication(w http.ResponseWriter, r *http.Request) error {
	var req applicationRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	a, err := s.svc.UpdateApplication(r.Context(), r.PathValue("id"), req.input())
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newApplicationView(a))
	return nil
}

func (s *Server) deleteApplication(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteApplication(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rotateCredential(w http.ResponseWriter, r *http.Request) error {
	kind := otp.CredentialKind(r.PathValue("type"))
	var grace time.Duration
	if g := r.URL.Query().Get("gracePeriod"); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil || n < 0 {
			return queryError("gracePeriod", "gracePeriod must be a whole number of seconds, at most 604800")
		}
		grace = time.Duration(n) * time.Second
	}
	v, at, err := s.svc.RotateCredentialWithGrace(r.Context(), r.PathValue("id"), kind, grace)
	if err != nil {
		return err
	}
	view := rotationView{Type: string(kind), Value: v, RotatedAt: at}
	if grace > 0 {
		until := at.Add(grace)
		view.PreviousValidUntil = &until
	}
	writeData(w, http.StatusOK, view)
	return nil
}

// decode reads and strictly decodes the body into v.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v, emptyOK)
}

type webhookSecretView struct {
	WebhookSecret string `json:"webhookSecret"`
	// PreviousWebhookSecret is the secret a rotation with ?gracePeriod=
	// replaced, while that period runs: Standard Webhooks deliveries carry
	// its signature beside the current one's until PreviousValidUntil.
	// Both are null otherwise.
	PreviousWebhookSecret *string    `json:"previousWebhookSecret"`
	PreviousValidUntil    *time.Time `json:"previousValidUntil"`
}

func (s *Server) revealWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.GetApplication(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	secret, err := s.svc.WebhookSecret(a)
	if err != nil {
		return err
	}
	view := webhookSecretView{WebhookSecret: secret}
	prev, until, err := s.svc.PreviousWebhookSecret(a)
	if err != nil {
		return err
	}
	if prev != "" {
		view.PreviousWebhookSecret, view.PreviousValidUntil = &prev, &until
	}
	writeData(w, http.StatusOK, view)
	return nil
}

type creditsRequest struct {
	Amount   string `json:"amount"` // a decimal such as "25.00"
	Currency string `json:"currency"`
}

func (s *Server) addCredits(w http.ResponseWriter, r *http.Request) error {
	var req creditsRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	amount, err := otp.ParseAmount(req.Amount, req.Currency)
	if err != nil {
		return err
	}
	p, err := s.svc.AddCredits(r.Context(), r.PathValue("id"), amount)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newProjectView(p))
	return nil
}
