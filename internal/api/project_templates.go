package api

import (
	"context"
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

type pendingTemplatesView struct {
	Templates   []templateOverride `json:"templates"`
	SubmittedAt time.Time          `json:"submittedAt"`
}

func newPendingTemplatesView(p *otp.PendingTemplates) *pendingTemplatesView {
	if p == nil {
		return nil
	}
	v := &pendingTemplatesView{Templates: make([]templateOverride, 0, len(p.Templates)), SubmittedAt: p.SubmittedAt}
	for _, t := range p.Templates {
		name := t.Name
		if name == "" {
			name = otp.DefaultTemplate
		}
		v.Templates = append(v.Templates, templateOverride{
			Name: name, Channel: string(t.Channel), Purpose: string(t.Purpose), Locale: t.Locale, Body: t.Body, Subject: t.Subject,
		})
	}
	return v
}

// templateDecisionRequest names the pending overrides the operator read.
type templateDecisionRequest struct {
	SubmittedAt time.Time `json:"submittedAt"` // the project's pendingTemplates.submittedAt
}

func (s *Server) approveTemplates(w http.ResponseWriter, r *http.Request) error {
	return s.decideTemplates(w, r, s.svc.ApprovePendingTemplates)
}

func (s *Server) rejectTemplates(w http.ResponseWriter, r *http.Request) error {
	return s.decideTemplates(w, r, s.svc.RejectPendingTemplates)
}

func (s *Server) decideTemplates(w http.ResponseWriter, r *http.Request,
	decide func(ctx context.Context, projectID string, submittedAt time.Time) (*otp.Project, error)) error {
	var req templateDecisionRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	p, err := decide(r.Context(), r.PathValue("id"), req.SubmittedAt)
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newProjectView(p))
	return nil
}
