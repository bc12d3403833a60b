package api

import (
	"net/http"
	"time"

	"github.com/otpd/otpd/internal/otp"
)

type webhookRequest struct {
	AppID   *string   `json:"appId"`
	URL     *string   `json:"url"`
	Events  *[]string `json:"events"`
	Signing *string   `json:"signing" enum:"standard,kotp,cobinar"`
	Status  *string   `json:"status" enum:"enabled,disabled"`
}

func (req webhookRequest) input() otp.WebhookInput {
	in := otp.WebhookInput{AppID: req.AppID, URL: req.URL}
	if req.Events != nil {
		events := make([]otp.EventType, len(*req.Events))
		for i, e := range *req.Events {
			events[i] = otp.EventType(e)
		}
		in.Events = &events
	}
	if req.Signing != nil {
		s := otp.WebhookSigning(*req.Signing)
		in.Signing = &s
	}
	if req.Status != nil {
		st := otp.WebhookStatus(*req.Status)
		in.Status = &st
	}
	return in
}

type webhookView struct {
	ID     string   `json:"id"`
	AppID  string   `json:"appId"`
	URL    string   `json:"url"`
	Events []string `json:"events"` // empty: every event
	// Signing: standard (Standard Webhooks), kotp or cobinar.
	Signing        string     `json:"signing"`
	Status         string     `json:"status"`
	DisabledReason string     `json:"disabledReason"`
	FailingSince   *time.Time `json:"failingSince"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
}

func newWebhookView(w *otp.Webhook) webhookView {
	v := webhookView{ID: w.ID, AppID: w.AppID, URL: w.URL, Events: []string{}, Signing: string(w.Signing),
		Status: string(w.Status), DisabledReason: w.DisabledReason, FailingSince: timePtr(w.FailingSince),
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	for _, e := range w.Events {
		v.Events = append(v.Events, string(e))
	}
	return v
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	wh, err := s.svc.CreateWebhook(r.Context(), req.input())
	if err != nil {
		return err
	}
	writeData(w, http.StatusCreated, newWebhookView(wh))
	return nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	whs, err := s.svc.ListWebhooks(r.Context(), r.URL.Query().Get("appId"))
	if err != nil {
		return err
	}
	views := make([]webhookView, len(whs))
	for i, wh := range whs {
		views[i] = newWebhookView(wh)
	}
	writeJSON(w, http.StatusOK, listBody{Data: views})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	wh, err := s.svc.GetWebhook(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newWebhookView(wh))
	return nil
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	var req webhookRequest
	if err := s.decode(w, r, &req, false); err != nil {
		return err
	}
	wh, err := s.svc.UpdateWebhook(r.Context(), r.PathValue("id"), req.input())
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newWebhookView(wh))
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
