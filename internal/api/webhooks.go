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
	// IncludeDestination opts the endpoint in to full phone numbers and
	// email addresses in its payloads; they are masked by default.
	IncludeDestination *bool `json:"includeDestination"`
}

func (req webhookRequest) input() otp.WebhookInput {
	in := otp.WebhookInput{AppID: req.AppID, URL: req.URL, IncludeDestination: req.IncludeDestination}
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
	Signing string `json:"signing"`
	// IncludeDestination: the payloads carry full destinations (else masked).
	IncludeDestination bool       `json:"includeDestination"`
	Status             string     `json:"status"`
	DisabledReason     string     `json:"disabledReason"`
	FailingSince       *time.Time `json:"failingSince"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
}

func newWebhookView(w *otp.Webhook) webhookView {
	v := webhookView{ID: w.ID, AppID: w.AppID, URL: w.URL, Events: []string{}, Signing: string(w.Signing), IncludeDestination: w.IncludeDestination,
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

// webhookResultView is the outcome of one request to an endpoint.
type webhookResultView struct {
	// Delivered is whether the endpoint answered 2xx, as Cobinar names
	// it; Success says the same for otpd's console.
	Delivered       bool   `json:"delivered"`
	Success         bool   `json:"success"`
	StatusCode      int    `json:"statusCode"`
	LatencyMs       int64  `json:"latencyMs"`
	ResponseExcerpt string `json:"responseExcerpt"`
	Error           string `json:"error"`
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) error {
	res, err := s.svc.TestWebhook(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := webhookResultView{Delivered: res.Err == nil, Success: res.Err == nil, StatusCode: res.StatusCode, LatencyMs: res.Latency.Milliseconds(), ResponseExcerpt: res.ResponseExcerpt}
	if res.Err != nil {
		v.Error = res.Err.Error()
	}
	writeData(w, http.StatusOK, v)
	return nil
}

type webhookDeliveryView struct {
	ID              string     `json:"id"`
	WebhookID       string     `json:"webhookId"`
	EventID         string     `json:"eventId"`
	EventType       string     `json:"eventType"`
	Status          string     `json:"status" enum:"pending,delivered,dead"`
	Attempts        int        `json:"attempts"`
	NextAttemptAt   *time.Time `json:"nextAttemptAt"`
	LastStatusCode  int        `json:"lastStatusCode"`
	LastError       string     `json:"lastError"`
	LastLatencyMs   int64      `json:"lastLatencyMs"`
	ResponseExcerpt string     `json:"responseExcerpt"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
	// Requests is every attempt; only in the answer about one delivery.
	Requests []webhookAttemptView `json:"requests,omitempty"`
}

type webhookAttemptView struct {
	Attempt         int       `json:"attempt"`
	At              time.Time `json:"at"`
	StatusCode      int       `json:"statusCode"`
	LatencyMs       int64     `json:"latencyMs"`
	ResponseExcerpt string    `json:"responseExcerpt"`
	Error           string    `json:"error"`
}

func newWebhookDeliveryView(d *otp.WebhookDelivery) webhookDeliveryView {
	v := webhookDeliveryView{ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, EventType: string(d.EventType),
		Status: string(d.Status), Attempts: d.Attempts, LastStatusCode: d.LastStatusCode, LastError: d.LastError,
		LastLatencyMs: d.LastLatency.Milliseconds(), ResponseExcerpt: d.ResponseExcerpt, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.Status == otp.WebhookPending {
		v.NextAttemptAt = timePtr(d.NextAttemptAt)
	}
	return v
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, 50, 200)
	if err != nil {
		return err
	}
	ds, err := s.svc.ListWebhookDeliveries(r.Context(), r.PathValue("id"), otp.WebhookDeliveryFilter{Cursor: r.URL.Query().Get("cursor"), Limit: limit + 1})
	if err != nil {
		return err
	}
	ds, page := paginate(ds, limit, func(d otp.WebhookDelivery) string { return d.ID })
	views := make([]webhookDeliveryView, len(ds))
	for i := range ds {
		views[i] = newWebhookDeliveryView(&ds[i])
	}
	writeJSON(w, http.StatusOK, listBody{Data: views, Pagination: page})
	return nil
}

func (s *Server) getWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	d, attempts, err := s.svc.WebhookAttempts(r.Context(), r.PathValue("id"), r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	v := newWebhookDeliveryView(d)
	v.Requests = []webhookAttemptView{}
	for _, a := range attempts {
		v.Requests = append(v.Requests, webhookAttemptView{Attempt: a.Attempt, At: a.At, StatusCode: a.StatusCode,
			LatencyMs: a.Latency.Milliseconds(), ResponseExcerpt: a.ResponseExcerpt, Error: a.Error})
	}
	writeData(w, http.StatusOK, v)
	return nil
}

func (s *Server) redeliverWebhook(w http.ResponseWriter, r *http.Request) error {
	d, err := s.svc.RedeliverWebhook(r.Context(), r.PathValue("id"), r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	writeData(w, http.StatusOK, newWebhookDeliveryView(d))
	return nil
}
